import { expect } from 'chai';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Sluice as its users get it: `npm pack`, the tarball installed into a new project (from npm's
 * cache where it has the packages), compiled there with the project's TypeScript, run there.
 * The project is samples/app plus a probe (specs/package/consumer/probe.ts) written once and
 * compiled both as an ES module and as CommonJS. Packed once and installed once for all the
 * cases below; build/ must be fresh (`make test` builds first), as the pack runs no build.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const PACKED_LIMIT = 1.5 * 1024 * 1024;
/** The tasks of the probe's Kafka job as planned: the source, the dead-letter print, the print. */
const KAFKA_TASKS = ['0-0', '1-0', '2-0'];

interface Packed {
  readonly filename: string;
  readonly size: number;
  readonly entryCount: number;
  readonly files: ReadonlyArray<{ readonly path: string }>;
}

/** Runs a command; rejects with its output when it fails. */
function run(command: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { cwd, maxBuffer: 1 << 26, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

describe('package: installed from its tarball into a new project', function () {
  this.timeout(240_000);
  let tmp: string;
  let app: string;
  let packed: Packed;

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sluice-package-'));
    [packed] = JSON.parse(await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp, '--loglevel=error'], ROOT)) as Packed[];
    app = path.join(tmp, 'app');
    await fs.cp(path.join(ROOT, 'samples', 'app'), app, { recursive: true, filter: (from) => !/[\\/](node_modules|build)$/.test(from) });
    const manifest = JSON.parse(await fs.readFile(path.join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    manifest.dependencies.sluice = `file:${path.join(tmp, packed.filename)}`;
    await fs.writeFile(path.join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    await fs.mkdir(path.join(app, 'probe'));
    for (const ext of ['mts', 'cts']) await fs.copyFile(path.join(ROOT, 'specs', 'package', 'consumer', 'probe.ts'), path.join(app, 'probe', `probe.${ext}`));
    // The application's own settings (nodenext, skipLibCheck false), over its sources and the probe.
    const tsconfig = { extends: './tsconfig.json', compilerOptions: { rootDir: '.', outDir: 'out' }, include: ['src/**/*.ts', 'probe/*.mts', 'probe/*.cts'] };
    await fs.writeFile(path.join(app, 'tsconfig.spec.json'), JSON.stringify(tsconfig, null, 2));
    await run('npm', ['install', '--prefer-offline', '--no-package-lock', '--loglevel=error'], app);
  });

  after(async () => {
    if (tmp !== undefined) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('packs the built library, its declarations, the grammar bundle and the docs, nothing else, under 1.5 MB', () => {
    const files = packed.files.map((f) => f.path);
    const allowed = /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|build\/vendor\/flinkSql\.cjs|build\/src\/.+\.(js|d\.ts))$/;
    expect(files.filter((f) => !allowed.test(f))).to.deep.equal([]);
    for (const entry of ['index', 'kafka', 'redis', 'sql']) expect(files).to.include.members([`build/src/${entry}.js`, `build/src/${entry}.d.ts`]);
    expect(files).to.include.members(['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'build/vendor/flinkSql.cjs']);
    expect(packed.size).to.be.below(PACKED_LIMIT);
  });

  /**
   * The steps after the install, each started once by the first case that needs it, so that
   * independent ones overlap: the checks under bundler resolution and the full compile run
   * side by side, and the three programs once the compile is done.
   */
  const once = new Map<string, Promise<string>>();
  const step = (name: string, start: () => Promise<string>) => {
    if (!once.has(name)) {
      const started = start();
      // Handled where a case awaits it; a step started ahead must not count as unhandled meanwhile.
      started.catch(() => undefined);
      once.set(name, started);
    }
    return once.get(name)!;
  };
  const tsc = () => path.join(app, 'node_modules', '.bin', 'tsc');
  const compile = () => step('compile', () => run(tsc(), ['-p', 'tsconfig.spec.json'], app));
  const bundlerCheck = () =>
    step('bundler', async () => {
      await fs.copyFile(path.join(app, 'probe', 'probe.mts'), path.join(app, 'probe', 'bundled.ts'));
      return run(tsc(), ['--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--types', 'node', '--module', 'esnext', '--moduleResolution', 'bundler', 'probe/bundled.ts'], app);
    });
  const runCompiled = (file: string) => step(file, () => compile().then(() => run(process.execPath, [file], app)));

  it('compiles an application under moduleResolution nodenext with skipLibCheck false, without an error', async () => {
    void bundlerCheck();
    expect(await compile()).to.equal('');
  });

  it('compiles under moduleResolution bundler (skipLibCheck true), without an error', async () => {
    expect(await bundlerCheck()).to.equal('');
  });

  for (const [kind, file] of [
    ['an ES module (import)', 'probe.mjs'],
    ['CommonJS (require)', 'probe.cjs'],
  ]) {
    it(`runs as ${kind}: a SQL query over a stream, and a job planned on the Kafka entry point's source`, async () => {
      for (const program of ['probe.mjs', 'probe.cjs']) void runCompiled(path.join('out', 'probe', program));
      void runCompiled(path.join('out', 'src', 'main.js'));
      const output = JSON.parse(await runCompiled(path.join('out', 'probe', file))) as unknown;
      expect(output).to.deep.equal({
        words: ['BE', 'BE', 'OR', 'TO', 'TO'],
        kafkaTasks: KAFKA_TASKS,
        redis: 'redis',
      });
    });
  }

  it("runs samples/app: a job among the application's own nact actors, fed by one and read by another", async () => {
    const output = await runCompiled(path.join('out', 'src', 'main.js'));
    expect(output.trim()).to.match(/^job finished; ledger complete: \{.*\}$/);
    expect(JSON.parse(output.trim().replace(/^[^{]*/, ''))).to.deep.equal({ ada: 20, grace: 42, linus: 5 });
  });

  it('finds the SQL grammar bundle inside the installed package, and its core loads no kafkajs, ioredis or grammar', async () => {
    const installed = path.join(app, 'node_modules', 'sluice');
    expect(await fs.stat(path.join(installed, 'build', 'vendor', 'flinkSql.cjs'))).to.have.property('size').above(0);
    const loaded = await run(process.execPath, ['-e', "require('sluice'); process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules[\\\\/](kafkajs|ioredis)[\\\\/]|flinkSql/.test(f))))"], app);
    expect(JSON.parse(loaded)).to.deep.equal([]);
  });
});
