/**
 * Runs every docs example in a process of its own and says which failed, so the examples the
 * guide shows are known to work: `node build/samples/docs-examples/runAll.js`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const examples = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.js') && f !== path.basename(__filename))
  .sort();

let failed = 0;
for (const file of examples) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(__dirname, file)], { encoding: 'utf8', timeout: 60_000 });
  const ok = r.status === 0;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${file.padEnd(24)} ${Date.now() - started} ms`);
  if (!ok) console.log(`${r.stdout}${r.stderr}`.replace(/^/gm, '      '));
}
console.log(`${examples.length - failed} of ${examples.length} examples ran`);
process.exitCode = failed === 0 ? 0 : 1;
