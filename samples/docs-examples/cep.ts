/**
 * docs/cep.md: a pattern over each user's logins — failures, then a success, within a minute —
 * found with CEP; partial matches that time out go to a side output.
 * Run: node build/samples/docs-examples/cep.js
 */
import * as assert from 'node:assert/strict';
import { CEP, CollectSink, Collector, Match, OutputTag, Pattern, PatternContext, PatternProcessFunction, StreamEnvironment, Time, WatermarkStrategy } from '../../src';

export interface Login {
  user: string;
  ok: boolean;
  at: number;
}

// Three failures in a row, then a success, the whole within a minute.
export const bruteForced = Pattern.begin<Login>('failures')
  .where((l) => !l.ok)
  .times(3)
  .consecutive()
  .next('success')
  .where((l) => l.ok)
  .within(Time.minutes(1));

const gaveUp = new OutputTag<string>('gave-up');

class Report extends PatternProcessFunction<Login, string> {
  override readonly sideOutputTags = [gaveUp];
  processMatch(match: Match<Login>, _ctx: PatternContext, out: Collector<string>): void {
    out.collect(`${match.success[0].user}: in after ${match.failures.length} failures`);
  }
  // A partial match the minute ran out on: failures not followed by a success in time.
  processTimedOutMatch(match: Match<Login>, ctx: PatternContext): void {
    ctx.output(gaveUp, `${match.failures[0].user}: ${match.failures.length} failure(s) from ${match.failures[0].at}, no success in time`);
  }
}

export async function main(): Promise<void> {
  const s = 1_000;
  const logins: Login[] = [
    { user: 'ann', ok: false, at: 0 },
    { user: 'ann', ok: false, at: 5 * s },
    { user: 'ann', ok: false, at: 9 * s },
    { user: 'ann', ok: true, at: 12 * s }, // three failures, then in: a match
    { user: 'bob', ok: false, at: 1 * s },
    { user: 'bob', ok: true, at: 2 * s }, // one failure is not enough
    { user: 'eve', ok: false, at: 0 },
    { user: 'eve', ok: false, at: 30 * s },
    { user: 'eve', ok: true, at: 70 * s }, // too late: 70 s after the first failure
  ];
  const env = StreamEnvironment.create({ parallelism: 2 });
  const byUser = env
    .fromCollection(logins)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Login>(Time.seconds(5)).withTimestampAssigner((l) => l.at))
    .keyBy((l) => l.user);
  const found = CEP.pattern(byUser, bruteForced).process(new Report());
  const matches = new CollectSink<string>();
  const timedOut = new CollectSink<string>();
  found.sinkTo(matches);
  found.getSideOutput(gaveUp).sinkTo(timedOut);
  await env.execute('logins');

  assert.deepEqual(matches.records(), ['ann: in after 3 failures']);
  // Eve's two failures were still waiting for a third when the minute from the first ran out.
  assert.deepEqual(timedOut.records(), ['eve: 2 failure(s) from 0, no success in time']);
  console.log([...matches.records(), ...timedOut.records()].join('\n'));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
