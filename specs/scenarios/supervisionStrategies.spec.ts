import { expect } from 'chai';
import { Ref, spawn, start, stop } from 'nact';
import {
  ActorSource,
  ActorSourceOutbox,
  ActorSourceSignal,
  CollectSink,
  Collector,
  DeadLetter,
  InvalidTopologyError,
  KeyedProcessContext,
  KeyedProcessFunction,
  RuntimeContext,
  Serializers,
  Supervision,
  StreamEnvironment,
  ValueState,
  ValueStateDescriptor,
  supervisionDeadLetters,
} from '../../src';
import { RecordingSink } from '../support/RecordingSink';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

describe('scenario: supervision strategies per operator', () => {
  describe('resume', () => {
    it('loses only the failing records, which are in the dead-letter output with their reason, counted', async () => {
      const env = StreamEnvironment.create({ parallelism: 2, batchSize: 32 });
      const parsed = env
        .fromCollection(range(0, 1000))
        .rebalance()
        .map((n) => {
          if (n % 100 === 37) throw new Error(`cannot parse ${n}`);
          return n * 2;
        })
        .name('Parse')
        .withSupervisionStrategy(Supervision.resume());
      const out = new RecordingSink<number>();
      const letters = new RecordingSink<DeadLetter>();
      parsed.sinkTo(out);
      parsed.getSideOutput(supervisionDeadLetters).sinkTo(letters);
      const result = await env.execute('resume');
      const failing = range(0, 1000).filter((n) => n % 100 === 37);
      expect(out.all().sort((a, b) => a - b)).to.deep.equal(range(0, 1000).filter((n) => n % 100 !== 37).map((n) => n * 2));
      expect(letters.all().map((l) => l.record).sort((a, b) => (a as number) - (b as number))).to.deep.equal(failing);
      expect(letters.all().every((l) => l.operator === 'Parse' && l.reason === `cannot parse ${l.record}`)).to.equal(true);
      expect(result.counters.operators['Parse']).to.deep.include({ recordsIn: 1000, deadLetters: failing.length });
      expect(result.restarts).to.equal(0);
    });

    it('escalates to the job\'s restart strategy past its limit: the job restarts from the checkpoint, and the output still holds every other record once', async () => {
      const env = StreamEnvironment.create({ batchSize: 8 });
      env.enableCheckpointing(10, 'exactly-once');
      env.setRestartStrategy({ type: 'fixed-delay', attempts: 3, delayMs: 0 });
      let transientFailed = false;
      const parsed = env
        .fromGenerator(600, (i) => i)
        .map((n) => {
          if (n === 100 || n === 200) throw new Error(`bad record ${n}`);
          // The third failure within the limit's window: it fails once only.
          if (n === 300 && !transientFailed) {
            transientFailed = true;
            throw new Error('transient failure');
          }
          return n;
        })
        .name('Parse')
        .withSupervisionStrategy(Supervision.resume().withLimit(2, 60_000));
      const out = new CollectSink<number>();
      const letters = new CollectSink<DeadLetter>();
      parsed.sinkTo(out);
      parsed.getSideOutput(supervisionDeadLetters).sinkTo(letters);
      const result = await env.execute('resume with limit');
      expect(result.restarts).to.equal(1);
      expect(out.records().sort((a, b) => a - b)).to.deep.equal(range(0, 600).filter((n) => n !== 100 && n !== 200));
      expect(letters.records().map((l) => l.record)).to.deep.equal([100, 200]);
    });
  });

  describe('stop', () => {
    it('fails the job at once, whatever its restart strategy', async () => {
      const env = StreamEnvironment.create();
      env.enableCheckpointing(10, 'exactly-once');
      env.setRestartStrategy({ type: 'fixed-delay', attempts: 5, delayMs: 0 });
      env
        .fromCollection(range(0, 100))
        .map((n) => {
          if (n === 42) throw new Error('the answer is not allowed');
          return n;
        })
        .name('Guard')
        .withSupervisionStrategy(Supervision.stop())
        .sinkTo(new RecordingSink<number>());
      const job = env.execute('stop');
      const error = await job.then(() => undefined, (e) => e as Error);
      expect(error?.message).to.contain("operator 'Guard'").and.contain('the answer is not allowed');
    });
  });

  describe('restartJob (the default)', () => {
    it('restarts the whole job from the last checkpoint under the job\'s restart strategy', async () => {
      const env = StreamEnvironment.create();
      env.enableCheckpointing(10, 'exactly-once');
      env.setRestartStrategy({ type: 'fixed-delay', attempts: 1, delayMs: 0 });
      let failed = false;
      const out = new CollectSink<number>();
      env
        .fromGenerator(500, (i) => i)
        .map((n) => {
          if (n === 250 && !failed) {
            failed = true;
            throw new Error('once');
          }
          return n;
        })
        .withSupervisionStrategy(Supervision.restartJob())
        .sinkTo(out);
      const result = await env.execute('restart job');
      expect(result.restarts).to.equal(1);
      expect(result.taskRestarts).to.equal(0);
      expect(out.records().sort((a, b) => a - b)).to.deep.equal(range(0, 500));
    });
  });

  describe('restartTask', () => {
    interface Counted {
      key: number;
      count: number;
      instance: number;
    }
    const opens = [0, 0];
    let poisonFailed = false;
    class CountPerKey extends KeyedProcessFunction<number, number, Counted> {
      private count!: ValueState<number>;
      private instance = -1;
      open(ctx: RuntimeContext): void {
        this.instance = ctx.indexOfThisSubtask;
        opens[this.instance]++;
        this.count = ctx.getState(new ValueStateDescriptor('count', Serializers.number, 0));
      }
      processElement(n: number, ctx: KeyedProcessContext<number>, out: Collector<Counted>): void {
        if (n < 0 && !poisonFailed) {
          poisonFailed = true;
          throw new Error('poison');
        }
        if (n < 0) return;
        const count = this.count.value()! + 1;
        this.count.update(count);
        out.collect({ key: ctx.getCurrentKey(), count, instance: this.instance });
      }
    }

    it('restores the failing task\'s state from the last checkpoint, and no other task restarts', async () => {
      const system = start();
      try {
        let started = 0;
        let outbox!: ActorSourceOutbox<number>;
        const producer = spawn(
          system,
          (box: ActorSourceOutbox<number>, msg: ActorSourceSignal<number>) => {
            if (msg.type === 'source.started') started++;
            box.handle(msg);
            return box;
          },
          'numbers',
          { initialStateFunc: () => (outbox = new ActorSourceOutbox<number>(10_000)) },
        ) as Ref<ActorSourceSignal<number>>;
        const keyOf = (n: number) => (n < 0 ? -n : n % 20);
        const env = StreamEnvironment.create({ parallelism: 2, batchSize: 16 });
        env.enableCheckpointing(60_000, 'at-most-once');
        const out = new RecordingSink<Counted>();
        env
          .fromSource(ActorSource.actorRefWithBackpressure<number>(producer))
          .keyBy(keyOf)
          .process(new CountPerKey())
          .name('Count')
          .withSupervisionStrategy(Supervision.restartTask())
          .sinkTo(out)
          // A task of its own, so that the restarted task has a consumer to re-point.
          .setParallelism(1);
        const job = env.execute('restart task');
        const send = async (numbers: number[], expectedOutputs: number) => {
          // The outbox is large enough: every offer is taken.
          for (const n of numbers) outbox.offer(n);
          await until(() => out.all().length >= expectedOutputs);
        };
        await until(() => outbox !== undefined && started === 1);
        await send(range(0, 1000), 1000);
        await job.triggerCheckpoint();
        // After the checkpoint: these effects are lost on the task that fails (at-most-once).
        await send(range(1000, 1100), 1100);
        const poisonKey = 3;
        const failing = out.all().find((c) => c.key === poisonKey)!.instance;
        const before = [...opens];
        await send([-poisonKey], 1100);
        await until(() => opens[failing] === before[failing] + 1);
        await send(range(1100, 2000), 1100 + 900);
        outbox.complete();
        const result = await job;
        expect(result.taskRestarts).to.equal(1);
        expect(result.restarts).to.equal(0);
        expect(opens[1 - failing]).to.equal(before[1 - failing]);
        expect(started).to.equal(1); // the source task was not restarted either
        const finalCount = new Map<number, number>();
        for (const c of out.all()) finalCount.set(c.key, c.count);
        const keysOfFailing = new Set(out.all().filter((c) => c.instance === failing).map((c) => c.key));
        for (let key = 0; key < 20; key++) {
          const all = range(0, 2000).filter((n) => keyOf(n) === key).length;
          const lost = keysOfFailing.has(key) ? range(1000, 1100).filter((n) => keyOf(n) === key).length : 0;
          expect(finalCount.get(key), `key ${key}`).to.equal(all - lost);
        }
      } finally {
        stop(system);
      }
    });

    it('escalates to the job\'s restart strategy past its limit', async () => {
      const opened: number[] = [];
      class Opens extends KeyedProcessFunction<number, number, number> {
        open(ctx: RuntimeContext): void {
          opened.push(ctx.indexOfThisSubtask);
        }
        processElement(n: number, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
          out.collect(n);
        }
      }
      const env = StreamEnvironment.create();
      env
        .fromGenerator(Infinity, (i) => i)
        .keyBy((n) => n % 10)
        .process(new Opens())
        .withSupervisionStrategy(Supervision.restartTask().withLimit(1, 60_000))
        .sinkTo(new RecordingSink<number>());
      const job = env.execute('restart task with limit');
      await until(() => opened.length === 1);
      job.crashTask('Keyed Process', 0, 'first');
      await until(() => opened.length === 2);
      job.crashTask('Keyed Process', 0, 'second');
      // No checkpoints, so the job's restart strategy is none: the escalated failure fails the job.
      const error = await job.then(() => undefined, (e) => e as Error);
      expect(error?.message).to.contain('injected fault: second');
    });
  });

  it('refuses bad combinations before the job starts, listing every problem', () => {
    const env = StreamEnvironment.create();
    env.enableCheckpointing(1000, 'exactly-once');
    env
      .fromCollection([1, 2, 3])
      .map((n) => n)
      .name('Local')
      .withSupervisionStrategy(Supervision.restartTask())
      .map((n) => n)
      .name('Limited')
      .withSupervisionStrategy(Supervision.stop().withLimit(0, -1))
      .sinkTo(new RecordingSink<number>())
      .name('Out')
      .withSupervisionStrategy(Supervision.resume());
    let error: InvalidTopologyError | undefined;
    try {
      env.execute('bad supervision');
    } catch (e) {
      error = e as InvalidTopologyError;
    }
    expect(error).to.be.instanceOf(InvalidTopologyError);
    expect(error!.problems.map((p) => (p._tag === 'InvalidSupervision' ? `${p.operator}: ${p.reason.split(';')[0].split(',')[0]}` : p._tag))).to.deep.equal([
      'Local: restarting one task cannot replay the input it consumed since the last checkpoint',
      "Limited: a limit applies to resume and restartTask",
      'Limited: maxRestarts must be a positive integer',
      'Limited: withinMs must be a positive number of milliseconds',
      'Out: a sink has no single failing record to skip',
    ]);
  });
});
