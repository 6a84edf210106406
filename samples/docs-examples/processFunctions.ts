/**
 * docs/api.md, "Process functions and side outputs": a ProcessFunction splitting a stream, and
 * a KeyedProcessFunction with state that flags keys to a side output.
 * Run: node build/samples/docs-examples/processFunctions.js
 */
import * as assert from 'node:assert/strict';
import {
  Collector,
  KeyedProcessContext,
  KeyedProcessFunction,
  OutputTag,
  ProcessContext,
  ProcessFunction,
  RuntimeContext,
  Serializers,
  Sink,
  StreamEnvironment,
  ValueState,
  ValueStateDescriptor,
} from '../../src';

interface Payment {
  account: string;
  amount: number;
}

const rejected = new OutputTag<{ payment: Payment; reason: string }>('rejected');
const suspicious = new OutputTag<string>('suspicious');

/** Passes valid payments on; sends invalid ones to the `rejected` side output with a reason. */
class Validate extends ProcessFunction<Payment, Payment> {
  // Every tag the function writes to must be listed here.
  override readonly sideOutputTags = [rejected];
  processElement(payment: Payment, ctx: ProcessContext, out: Collector<Payment>): void {
    if (payment.amount > 0) out.collect(payment);
    else ctx.output(rejected, { payment, reason: `amount must be positive, got ${payment.amount}` });
  }
}

/** Keeps a running balance per account; reports an account the first time it goes over 1,000. */
class Balance extends KeyedProcessFunction<string, Payment, [string, number]> {
  override readonly sideOutputTags = [suspicious];
  private balance!: ValueState<number>;
  open(context: RuntimeContext): void {
    this.balance = context.getState(new ValueStateDescriptor('balance', Serializers.number, 0));
  }
  processElement(p: Payment, ctx: KeyedProcessContext<string>, out: Collector<[string, number]>): void {
    const before = this.balance.value()!;
    const after = before + p.amount;
    this.balance.update(after);
    out.collect([ctx.getCurrentKey(), after]);
    if (before <= 1000 && after > 1000) ctx.output(suspicious, ctx.getCurrentKey());
  }
}

/** A sink appending to an array of this process: for examples and tests, at parallelism 1. */
function appendTo<T>(name: string, into: T[]): Sink<T> {
  return { name, createWriter: () => ({ write: (records) => void into.push(...records) }) };
}

async function main(): Promise<void> {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const payments = env.fromCollection<Payment>([
    { account: 'ann', amount: 400 },
    { account: 'bob', amount: -5 },
    { account: 'ann', amount: 700 },
    { account: 'bob', amount: 20 },
    { account: 'ann', amount: 1 },
  ]);

  const valid = payments.process(new Validate());
  const balances = valid.keyBy((p) => p.account).process(new Balance());

  // Side outputs are streams like any other: give each a sink.
  const rejectedPayments: Array<{ payment: Payment; reason: string }> = [];
  valid.getSideOutput(rejected).sinkTo(appendTo('rejected payments', rejectedPayments)).setParallelism(1);
  const flagged: string[] = [];
  balances.getSideOutput(suspicious).sinkTo(appendTo('suspicious accounts', flagged)).setParallelism(1);

  const out = await balances.executeAndCollect('payments');
  assert.deepEqual(out.filter(([a]) => a === 'ann').map(([, b]) => b), [400, 1100, 1101]);
  const problems = rejectedPayments.map((r) => r.reason);
  assert.deepEqual(problems, ['amount must be positive, got -5']);
  assert.deepEqual(flagged, ['ann']);
  console.log({ balances: out, problems, flagged });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
