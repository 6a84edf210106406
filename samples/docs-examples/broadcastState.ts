/**
 * docs/api.md, "Broadcast state": limits per sensor kind, broadcast to every instance of a
 * keyed function that checks readings against them. A reading whose kind has no limit yet
 * waits in its sensor's state; the limit, when it comes, releases the waiting readings of
 * every sensor through applyToKeyedState. So the output does not depend on which input comes
 * first.
 * Run: node build/samples/docs-examples/broadcastState.js
 */
import * as assert from 'node:assert/strict';
import {
  Collector,
  KeyedBroadcastContext,
  KeyedBroadcastProcessFunction,
  KeyedReadOnlyContext,
  ListState,
  ListStateDescriptor,
  MapStateDescriptor,
  RuntimeContext,
  Serializers,
  StreamEnvironment,
} from '../../src';

export interface Reading {
  sensor: string;
  kind: 'temperature' | 'pressure';
  value: number;
}
export interface Limit {
  kind: Reading['kind'];
  max: number;
}

/** The broadcast state: kind -> maximum. Every instance keeps the same copy. */
export const limits = new MapStateDescriptor('limits', Serializers.string, Serializers.number);
const waiting = new ListStateDescriptor('waiting', Serializers.json<Reading>());

export class ReadingsOverTheLimit extends KeyedBroadcastProcessFunction<string, Reading, Limit, string> {
  private waiting!: ListState<Reading>;
  open(ctx: RuntimeContext): void {
    this.waiting = ctx.getListState(waiting);
  }
  // The keyed side: the sensor's state and timers, the broadcast state read-only.
  processElement(r: Reading, ctx: KeyedReadOnlyContext<string>, out: Collector<string>): void {
    const max = ctx.getBroadcastState(limits).get(r.kind);
    if (max === undefined) this.waiting.add(r);
    else if (r.value > max) out.collect(`${r.sensor}: ${r.kind} ${r.value} > ${max}`);
  }
  // The broadcast side, on every instance: writes the broadcast state, reaches every key's state.
  processBroadcastElement(limit: Limit, ctx: KeyedBroadcastContext<string>, out: Collector<string>): void {
    ctx.getBroadcastState(limits).put(limit.kind, limit.max);
    ctx.applyToKeyedState(waiting, (sensor, readings) => {
      for (const r of readings.get()) {
        if (r.kind === limit.kind && r.value > limit.max) out.collect(`${sensor}: ${r.kind} ${r.value} > ${limit.max}`);
      }
      readings.update(readings.get().filter((r) => r.kind !== limit.kind));
    });
  }
}

export async function main(): Promise<void> {
  const readings: Reading[] = [];
  for (let i = 0; i < 60; i++) {
    readings.push({ sensor: `s${i % 6}`, kind: i % 2 === 0 ? 'temperature' : 'pressure', value: (i * 7) % 50 });
  }
  const limitList: Limit[] = [
    { kind: 'temperature', max: 45 },
    { kind: 'pressure', max: 40 },
  ];

  const env = StreamEnvironment.create({ parallelism: 3 });
  const alerts = await env
    .fromCollection(readings)
    .keyBy((r) => r.sensor)
    .connect(env.fromCollection(limitList).broadcast(limits))
    .process(new ReadingsOverTheLimit())
    .executeAndCollect();

  const expected = readings
    .filter((r) => r.value > limitList.find((l) => l.kind === r.kind)!.max)
    .map((r) => `${r.sensor}: ${r.kind} ${r.value} > ${limitList.find((l) => l.kind === r.kind)!.max}`);
  assert.deepEqual(alerts.sort(), expected.sort());
  console.log(`${alerts.length} alerts, for instance ${alerts[0]}`);
}

// Specs import the function: run only as a script.
if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
