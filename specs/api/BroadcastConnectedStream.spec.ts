import { expect } from 'chai';
import {
  BroadcastContext,
  BroadcastProcessFunction,
  BroadcastState,
  Collector,
  CollectSink,
  KeyedBroadcastContext,
  KeyedBroadcastProcessFunction,
  KeyedReadOnlyContext,
  ListState,
  ListStateDescriptor,
  MapStateDescriptor,
  ReadOnlyContext,
  RuntimeContext,
  Serializers,
  StreamEnvironment,
} from '../../src';
import { GeneratorSource } from '../../src/connectors/GeneratorSource';
import { Gate, HeldSource } from '../support/heldSource';
import { redisUrl } from '../support/redisService';

interface Payment {
  readonly id: number;
  readonly user: number;
  readonly category: string;
}
interface Rule {
  readonly category: string;
  readonly factor: number;
}

const CATEGORIES = ['food', 'travel', 'games'];
const RULES: Rule[] = [
  { category: 'food', factor: 2 },
  { category: 'travel', factor: 3 },
  { category: 'games', factor: 5 },
];
/** Payment `id` of one of `users` users. */
const paymentOf = (users: number) => (id: number): Payment => ({ id, user: id % users, category: CATEGORIES[id % 3] });
const payment = paymentOf(17);
/** The output of payment `id` once its category's rule is known. */
const applied = (p: Payment, factor: number) => `${p.id}:${p.user}:${p.id * factor}`;
const expectedOutputs = (n: number, of = payment) => Array.from({ length: n }, (_, id) => applied(of(id), RULES.find((r) => r.category === of(id).category)!.factor)).sort();

const rules = new MapStateDescriptor('rules', Serializers.string, Serializers.number);
const pendingPayments = new ListStateDescriptor('pending', Serializers.json<Payment>());

/** What the instances did, for the spec to wait on and check: functions are copied per instance, this is not. */
const seen = { rulesOf: new Map<number, Set<string>>(), broadcastCalls: 0, emitters: new Set<number>() };
function resetSeen() {
  seen.rulesOf.clear();
  seen.broadcastCalls = 0;
  seen.emitters.clear();
}
const everyInstanceHasEveryRule = (parallelism: number) =>
  [...Array(parallelism).keys()].every((i) => (seen.rulesOf.get(i)?.size ?? 0) === RULES.length);

/** Applies each category's rule; a payment whose rule is not known yet waits in its key's state until it is. */
class ApplyRules extends KeyedBroadcastProcessFunction<number, Payment, Rule, string> {
  private pending!: ListState<Payment>;
  private index = -1;
  open(ctx: RuntimeContext): void {
    this.pending = ctx.getListState(pendingPayments);
    this.index = ctx.indexOfThisSubtask;
  }
  processElement(p: Payment, ctx: KeyedReadOnlyContext<number>, out: Collector<string>): void {
    expect(ctx.getCurrentKey()).to.equal(p.user);
    const factor = ctx.getBroadcastState(rules).get(p.category);
    if (factor === undefined) this.pending.add(p);
    else this.emit(p, factor, out);
  }
  processBroadcastElement(rule: Rule, ctx: KeyedBroadcastContext<number>, out: Collector<string>): void {
    seen.broadcastCalls++;
    seen.rulesOf.set(this.index, (seen.rulesOf.get(this.index) ?? new Set()).add(rule.category));
    ctx.getBroadcastState(rules).put(rule.category, rule.factor);
    ctx.applyToKeyedState(pendingPayments, (user, state) => {
      const waiting = state.get();
      for (const p of waiting) {
        expect(p.user).to.equal(user);
        if (p.category === rule.category) this.emit(p, rule.factor, out);
      }
      state.update(waiting.filter((p) => p.category !== rule.category));
    });
  }
  private emit(p: Payment, factor: number, out: Collector<string>): void {
    seen.emitters.add(this.index);
    out.collect(applied(p, factor));
  }
}

/** `rulesCount` Infinity keeps the rules source running: checkpoints stop once any source has ended. */
function rulesJob(env: StreamEnvironment, payments: Gate, count: number, rulesGate: Gate, sink: CollectSink<string>, rulesCount = RULES.length, of = payment) {
  const ruleStream = env.fromSource(new HeldSource(new GeneratorSource(rulesCount, (i) => RULES[i]), rulesGate)).setParallelism(1).uid('rules');
  env
    .fromSource(new HeldSource(new GeneratorSource(count, of), payments))
    .setParallelism(1)
    .uid('payments')
    .keyBy((p) => p.user)
    .connect(ruleStream.broadcast(rules))
    .process(new ApplyRules())
    .uid('apply-rules')
    .sinkTo(sink);
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let jobs = 0;

describe('api/BroadcastConnectedStream', function () {
  this.timeout(60_000);
  beforeEach(resetSeen);

  it('a KeyedBroadcastProcessFunction reaches every key of every instance through applyToKeyedState', async () => {
    // Every payment comes before any rule: each waits in its key's state, and each rule releases its category's.
    const N = 600;
    const env = StreamEnvironment.create({ parallelism: 3, batchSize: 32 });
    const sink = new CollectSink<string>();
    const rulesGate: Gate = { open: 0 };
    rulesJob(env, { open: N }, N, rulesGate, sink);
    const job = env.execute('payments before rules');
    await until(async () => ((await job.counters()).operators['Keyed Broadcast Process']?.recordsIn ?? 0) >= N, 'every payment is in');
    expect(seen.emitters.size).to.equal(0);
    rulesGate.open = RULES.length;
    expect((await job).status).to.equal('finished');
    expect(sink.records().sort()).to.deep.equal(expectedOutputs(N));
    expect(seen.broadcastCalls).to.equal(RULES.length * 3);
    expect([...seen.emitters].sort()).to.deep.equal([0, 1, 2]);
  });

  it('on Redis state with a cache smaller than the keys, applyToKeyedState reaches every key, those only in Redis too (exact output)', async function () {
    const url = await redisUrl(this);
    const N = 3_000;
    const manyUsers = paymentOf(500);
    const env = StreamEnvironment.create({
      parallelism: 3,
      batchSize: 32,
      jobId: `broadcast-redis-${++jobs}-${process.pid}`,
      // About 170 users per instance, 8 in the cache: most payments wait in Redis only.
      stateBackend: { type: 'redis', url, keyPrefix: `sluice-spec-broadcast-${process.pid}`, cacheSize: 8 },
    });
    const sink = new CollectSink<string>();
    const rulesGate: Gate = { open: 0 };
    rulesJob(env, { open: N }, N, rulesGate, sink, RULES.length, manyUsers);
    const job = env.execute('payments before rules, on Redis');
    await until(async () => ((await job.counters()).operators['Keyed Broadcast Process']?.recordsIn ?? 0) >= N, 'every payment is in');
    expect(seen.emitters.size).to.equal(0);
    rulesGate.open = RULES.length;
    expect((await job).status).to.equal('finished');
    expect(sink.records().sort()).to.deep.equal(expectedOutputs(N, manyUsers));
    expect(seen.broadcastCalls).to.equal(RULES.length * 3);
    expect([...seen.emitters].sort()).to.deep.equal([0, 1, 2]);
  });

  for (const [before, after] of [
    [2, 3],
    [3, 1],
  ]) {
    it(`restored at parallelism ${after} from a checkpoint at ${before}, every instance applies the broadcast rules (exact output)`, async () => {
      const N = 3_000;
      const jobId = `broadcast-rescale-${before}-${after}-${++jobs}-${process.pid}`;
      // One sink across both runs: like an external store, it takes each committed transaction once.
      const sink = new CollectSink<string>();
      const first = StreamEnvironment.create({ parallelism: before, batchSize: 32, jobId });
      first.enableCheckpointing(3_600_000, 'exactly-once');
      const payments: Gate = { open: 0 };
      rulesJob(first, payments, N, { open: RULES.length }, sink, Infinity);
      const job = first.execute('rules, then half the payments');
      await until(() => everyInstanceHasEveryRule(before), 'every instance has every rule');
      payments.open = N / 2;
      await until(async () => ((await job.counters()).operators['Keyed Broadcast Process']?.recordsOut ?? 0) >= N / 2, 'half the payments are out');
      await job.triggerCheckpoint();
      expect((await job.cancel()).status).to.equal('cancelled');

      resetSeen();
      const second = StreamEnvironment.create({ parallelism: after, batchSize: 32, jobId });
      second.enableCheckpointing(3_600_000, 'exactly-once');
      rulesJob(second, { open: N }, N, { open: RULES.length }, sink);
      expect((await second.execute('the other half, rules from the checkpoint only')).status).to.equal('finished');

      // No rule came again: the rules source resumed past its end, so each instance had them from the restore.
      expect(seen.broadcastCalls).to.equal(0);
      expect([...seen.emitters].sort()).to.deep.equal([...Array(after).keys()]);
      expect(sink.records().sort()).to.deep.equal(expectedOutputs(N));
    });
  }

  it('a BroadcastProcessFunction on a non-keyed stream reads on every instance what the broadcast side wrote', async () => {
    class Scale extends BroadcastProcessFunction<Payment, Rule, string> {
      private index = -1;
      open(ctx: RuntimeContext): void {
        this.index = ctx.indexOfThisSubtask;
      }
      processElement(p: Payment, ctx: ReadOnlyContext, out: Collector<string>): void {
        out.collect(applied(p, ctx.getBroadcastState(rules).get(p.category)!));
      }
      processBroadcastElement(rule: Rule, ctx: BroadcastContext, out: Collector<string>): void {
        seen.rulesOf.set(this.index, (seen.rulesOf.get(this.index) ?? new Set()).add(rule.category));
        ctx.getBroadcastState(rules).put(rule.category, rule.factor);
        out.collect(`instance ${this.index} knows ${rule.category}`);
      }
    }
    const N = 300;
    const env = StreamEnvironment.create({ parallelism: 3, batchSize: 16 });
    const payments: Gate = { open: 0 };
    const ruleStream = env.fromCollection(RULES);
    const out = env.fromSource(new HeldSource(new GeneratorSource(N, payment), payments)).setParallelism(1).rebalance().connect(ruleStream.broadcast(rules)).process(new Scale());
    const running = out.executeAndCollect();
    await until(() => everyInstanceHasEveryRule(3), 'every instance has every rule');
    payments.open = N;
    const known = [0, 1, 2].flatMap((i) => RULES.map((r) => `instance ${i} knows ${r.category}`));
    expect((await running).sort()).to.deep.equal([...expectedOutputs(N), ...known].sort());
  });

  describe('misuse', () => {
    it('is refused when the job is built, every problem listed', async () => {
      class NonKeyed extends BroadcastProcessFunction<Payment, Rule, string> {
        processElement(): void {}
        processBroadcastElement(): void {}
      }
      const env = StreamEnvironment.create({ parallelism: 2 });
      const payments = env.fromCollection([payment(0)]);
      const ruleStream = env.fromCollection(RULES);
      // A keyed stream connected to a stream that is not broadcast, with a broadcast function.
      payments.keyBy((p) => p.user).connect(ruleStream).process(new ApplyRules() as never).print();
      // A keyed function on a non-keyed stream, and the reverse.
      payments.connect(ruleStream.broadcast(rules)).process(new ApplyRules() as never).print();
      payments.keyBy((p) => p.user).connect(ruleStream.broadcast(rules)).process(new NonKeyed() as never).print();
      // Broadcast state declared twice, or not as a map.
      payments.connect(ruleStream.broadcast(rules, rules)).process(new NonKeyed()).print();
      payments.connect(ruleStream.broadcast(pendingPayments as never)).process(new NonKeyed()).print();
      let error: Error | undefined;
      try {
        await env.execute('misused');
      } catch (e) {
        error = e as Error;
      }
      expect(error?.name).to.equal('InvalidTopologyError');
      expect(error?.message.split('\n')).to.deep.equal([
        'the job cannot run (5 problems):',
        "  - operator 'Broadcast Process': a broadcast process function needs a broadcast stream: connect(other.broadcast(descriptor))",
        "  - operator 'Keyed Broadcast Process': a KeyedBroadcastProcessFunction needs a keyed stream: call keyBy(...) before connect(...)",
        "  - operator 'Broadcast Process': a BroadcastProcessFunction runs on a non-keyed stream; on a keyed stream use a KeyedBroadcastProcessFunction",
        "  - operator 'Broadcast Process': broadcast state 'rules' is declared twice; give each broadcast state its own name",
        "  - operator 'Broadcast Process': broadcast state must be declared with a MapStateDescriptor, got ListStateDescriptor",
      ]);
    });

    it('refuses loudly a write to the broadcast state from processElement', async () => {
      class WritesOnTheWrongSide extends KeyedBroadcastProcessFunction<number, Payment, Rule, string> {
        processElement(p: Payment, ctx: KeyedReadOnlyContext<number>): void {
          (ctx.getBroadcastState(rules) as BroadcastState<string, number>).put(p.category, 1);
        }
        processBroadcastElement(): void {}
      }
      const env = StreamEnvironment.create({ parallelism: 2 });
      const failure = await env
        .fromCollection([payment(0)])
        .keyBy((p) => p.user)
        .connect(env.fromCollection(RULES).broadcast(rules))
        .process(new WritesOnTheWrongSide())
        .executeAndCollect()
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      expect(failure?.message).to.include(
        "broadcast state 'rules' is read-only in processElement: put would change this instance's copy only; write it in processBroadcastElement",
      );
    });

    for (const backend of ['memory', 'redis'] as const) {
      it(`refuses loudly an applyToKeyedState function that returns a Promise (${backend} state)`, async function () {
        class AsyncApply extends ApplyRules {
          override processBroadcastElement(_rule: Rule, ctx: KeyedBroadcastContext<number>): void {
            ctx.applyToKeyedState(pendingPayments, async (_user, state) => {
              await Promise.resolve();
              state.clear();
            });
          }
        }
        const stateBackend = backend === 'redis' ? { stateBackend: { type: 'redis' as const, url: await redisUrl(this), keyPrefix: `sluice-spec-broadcast-async-${process.pid}` } } : {};
        const env = StreamEnvironment.create({ parallelism: 1, jobId: `broadcast-async-${backend}-${++jobs}-${process.pid}`, ...stateBackend });
        const rulesGate: Gate = { open: 0 };
        const ruleStream = env.fromSource(new HeldSource(new GeneratorSource(RULES.length, (i) => RULES[i]), rulesGate)).uid('rules');
        env
          .fromCollection([payment(0), payment(1)])
          .keyBy((p) => p.user)
          .connect(ruleStream.broadcast(rules))
          .process(new AsyncApply())
          .sinkTo(new CollectSink<string>());
        const job = env.execute('async applyToKeyedState');
        await until(async () => ((await job.counters()).operators['Keyed Broadcast Process']?.recordsIn ?? 0) >= 2, 'both payments are in');
        rulesGate.open = RULES.length;
        const failure = await job.then(
          (r) => new Error(`the job ended ${r.status}`),
          (e: unknown) => e as Error,
        );
        expect(failure.message).to.include('the applyToKeyedState function returned a Promise');
      });
    }

    it('refuses a broadcast state the broadcast stream did not declare', async () => {
      const other = new MapStateDescriptor('other', Serializers.string, Serializers.number);
      class ReadsUndeclared extends BroadcastProcessFunction<Payment, Rule, string> {
        processElement(): void {}
        processBroadcastElement(r: Rule, ctx: BroadcastContext): void {
          ctx.getBroadcastState(other).put(r.category, r.factor);
        }
      }
      const env = StreamEnvironment.create({ parallelism: 1 });
      const failure = await env
        .fromCollection([payment(0)])
        .connect(env.fromCollection(RULES).broadcast(rules))
        .process(new ReadsUndeclared())
        .executeAndCollect()
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      expect(failure?.message).to.include("broadcast state 'other' was not declared; declare it in broadcast(...) (declared: 'rules')");
    });
  });
});
