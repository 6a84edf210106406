/**
 * The bytes-per-key table of `make bench-flink`: keyed state of one ValueState per key,
 * measured in Sluice's memory and Redis backends (samples/state-bytes/runStateBytes.ts) and in
 * Flink's heap state (StateBytesTwin.java), each in a child process, in one run. The Redis row
 * is left out, saying why, when no Redis answers. Writes build/bench-flink-state-bytes.json.
 *
 * Environment: STATE_BYTES_KEYS (default 1,000,000), SLUICE_REDIS_URL, FLINK_TWINS_JAVA.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { runCommand } from '../bench/runChild';
import { redisAnswers } from '../../src/state/redisConnection';
import type { StateBytesRun } from '../state-bytes/runStateBytes';
import { flinkTwinCommand, requireTwinBuilt } from './flinkCommand';

const KEYS = Number(process.env.STATE_BYTES_KEYS ?? 1_000_000);
const REDIS_URL = process.env.SLUICE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RESULTS_FILE = path.resolve(__dirname, '..', '..', 'bench-flink-state-bytes.json');

interface FlinkStateBytes {
  readonly side: 'flink';
  readonly backend: 'hashmap';
  readonly keys: number;
  readonly heapBytesPerKey: number;
}

const sluice = (backend: 'memory' | 'redis') =>
  runCommand<StateBytesRun>(process.execPath, ['--expose-gc', path.join(__dirname, '..', 'state-bytes', 'runStateBytes.js'), backend, String(KEYS)], { SLUICE_LOG_LEVEL: 'warn' }, `sluice state bytes ${backend}`);

async function main(): Promise<void> {
  requireTwinBuilt('StateBytesTwin');
  if (!Number.isInteger(KEYS) || KEYS < 2) throw new Error(`STATE_BYTES_KEYS must be an integer of at least 2, got '${process.env.STATE_BYTES_KEYS}'`);
  console.log(`\nBytes per key of keyed state (one ValueState of a number per key, ${KEYS.toLocaleString('en-US')} keys, parallelism 1; growth from half the keys to all of them after full GCs)`);
  const memory = await sluice('memory');
  const redis = (await redisAnswers(REDIS_URL)) ? await sluice('redis') : undefined;
  const { command, args } = flinkTwinCommand('StateBytesTwin', [String(KEYS)]);
  const flink = await runCommand<FlinkStateBytes>(command, args, {}, 'flink state bytes');
  const ratio = (x: number) => (x / flink.heapBytesPerKey).toFixed(2);
  console.log('state                               bytes/key   ÷ Flink heap');
  console.log(`Sluice memory state (Node heap)     ${memory.heapBytesPerKey.toFixed(1).padStart(9)}   ${ratio(memory.heapBytesPerKey).padStart(12)}`);
  if (redis !== undefined) {
    console.log(`Sluice Redis state (in Redis)       ${redis.redisBytesPerKey!.toFixed(1).padStart(9)}   ${ratio(redis.redisBytesPerKey!).padStart(12)}`);
    console.log(`  and its cache (Node heap)         ${redis.heapBytesPerKey.toFixed(1).padStart(9)}`);
  } else {
    console.log(`Sluice Redis state: not measured, no Redis answers at ${REDIS_URL} (start redis-server or set SLUICE_REDIS_URL)`);
  }
  console.log(`Flink heap state (hashmap, JVM heap) ${flink.heapBytesPerKey.toFixed(1).padStart(8)}   ${'1.00'.padStart(12)}`);
  await fs.mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await fs.writeFile(RESULTS_FILE, `${JSON.stringify({ when: new Date().toISOString(), keys: KEYS, memory, redis, flink }, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
