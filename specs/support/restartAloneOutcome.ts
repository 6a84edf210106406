/**
 * What a run of the restart-alone job (specs/cluster/fixtures/restartAloneJob.ts) must show once
 * one count task failed and restarted alone: no input counted twice (no source restarted), the
 * other instance's keys counted exactly, and the successor going on past the failure. Shared by
 * the spec between threads and the one with channels through Kafka.
 */
import { expect } from 'chai';
import type { CountedBy, RestartAloneParams } from '../cluster/fixtures/restartAloneJob';
import { keyOf } from './countingJob';

export function expectOnlyTheFailingTaskRestarted(outputs: readonly CountedBy[], { records, seed, keys }: Pick<RestartAloneParams, 'records' | 'seed' | 'keys'>): void {
  const seen = new Uint8Array(records);
  for (const o of outputs) seen[o.id]++;
  // No source restarted: nothing is read twice.
  expect(seen.filter((n) => n > 1).length).to.equal(0);
  const failing = outputs.find((o) => o.key === keyOf(records / 3, seed, keys))!.instance;
  const ownerOf = new Map(outputs.map((o) => [o.key, o.instance]));
  // The instance that did not fail counted every input of its keys, once, exactly.
  const expected = new Map<number, number>();
  for (let id = 0; id < records; id++) {
    const key = keyOf(id, seed, keys);
    if (ownerOf.get(key) !== failing) {
      expect(seen[id], `input ${id} of key ${key}`).to.equal(1);
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
  }
  const finalCount = new Map<number, number>();
  for (const o of outputs) if (o.instance !== failing) finalCount.set(o.key, Math.max(finalCount.get(o.key) ?? 0, o.count));
  expect(finalCount).to.deep.equal(expected);
  expect(expected.size).to.be.greaterThan(0);
  // The successor went on: the failing instance counted inputs after the failure too.
  expect(outputs.some((o) => o.instance === failing && o.id > records / 3 + 1000)).to.equal(true);
}
