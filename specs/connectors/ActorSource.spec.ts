import { expect } from 'chai';
import { Ref, dispatch, spawn, spawnStateless, start, stop } from 'nact';
import { ActorSource, ActorSourceMsg, ActorSourceOutbox, ActorSourceSignal, CollectSink, StreamEnvironment } from '../../src';
import { Counted, Event, audit, countingJob, keyOf } from '../support/countingJob';
import { RecordingSink } from '../support/RecordingSink';

/** A producer that always has records: it refills its outbox whenever the source signals. */
function fastProducer<T>(system: Ref<unknown>, name: string, total: number, make: (i: number) => T, capacity: number) {
  const seen = { generated: 0, maxInFlight: 0, maxHeld: 0, resumes: [] as number[] };
  const ref = spawn(
    system as Ref<never>,
    (outbox: ActorSourceOutbox<T>, msg: ActorSourceSignal<T>) => {
      if (msg.type === 'source.started') seen.resumes.push(msg.resumeFrom);
      outbox.handle(msg);
      while (seen.generated < total && outbox.hasRoom()) {
        const batch: T[] = [];
        for (let i = seen.generated; i < total && batch.length < capacity - outbox.size; i++) batch.push(make(i));
        seen.generated += outbox.offerBatch(batch);
      }
      if (seen.generated === total) outbox.complete();
      seen.maxInFlight = Math.max(seen.maxInFlight, outbox.inFlight);
      seen.maxHeld = Math.max(seen.maxHeld, outbox.size);
      return outbox;
    },
    name,
    { initialStateFunc: () => new ActorSourceOutbox<T>(capacity) },
  );
  return { ref, seen };
}

describe('connectors/ActorSource', () => {
  let system: Ref<unknown>;
  beforeEach(() => (system = start()));
  afterEach(() => stop(system));

  it('slows a producer faster than the job to the demand it receives, with in-flight records under the credit bound', async () => {
    const bufferSize = 64;
    const total = 5000;
    const producer = fastProducer(system, 'fast', total, (i) => i, 200);
    const sink = new RecordingSink<number>(1);
    let maxAhead = 0;
    sink.onWritten = (written) => (maxAhead = Math.max(maxAhead, producer.seen.generated - written));
    const env = StreamEnvironment.create({ batchSize: 16, channelCapacity: 32 });
    env.fromSource(ActorSource.actorRefWithBackpressure<number>(producer.ref, { bufferSize })).map((n) => n).sinkTo(sink);
    await env.execute('fast producer');
    expect(sink.all()).to.deep.equal(Array.from({ length: total }, (_, i) => i));
    // Records sent and not yet in the job never exceed the credits: the source's buffer.
    expect(producer.seen.maxInFlight).to.be.at.most(bufferSize);
    expect(producer.seen.maxInFlight).to.be.greaterThan(0);
    expect(producer.seen.maxHeld).to.be.at.most(200);
    // The producer was held back: it ran ahead of the sink by its outbox, the source's buffer
    // and what the job's channels hold, never by more.
    expect(maxAhead).to.be.at.most(200 + bufferSize + 32 + 2 * 16 + 16);
  });

  it('fails the job with the reason the producer gives', async () => {
    const env = StreamEnvironment.create();
    const failing = spawnStateless(system, (msg: ActorSourceSignal<number>) => {
      if (msg.type !== 'source.started') return;
      dispatch(msg.inlet, { type: 'source.records', from: 0, records: [1, 2] });
      dispatch(msg.inlet, { type: 'source.fail', reason: 'upstream service went away' });
    });
    env.fromSource(ActorSource.actorRefWithBackpressure<number>(failing)).print();
    const error = await env.execute('failing producer').then(() => undefined, (e) => e as Error);
    expect(error?.message).to.contain('Actor Source: upstream service went away');
  });

  it('fails the job when a producer sends more records than it has credits for', async () => {
    const env = StreamEnvironment.create();
    const greedy = spawnStateless(system, (msg: ActorSourceSignal<number>) => {
      if (msg.type === 'source.started') dispatch(msg.inlet as Ref<ActorSourceMsg<number>>, { type: 'source.records', from: 0, records: Array.from({ length: msg.credits + 1 }, (_, i) => i) });
    });
    env.fromSource(ActorSource.actorRefWithBackpressure<number>(greedy, { bufferSize: 8 })).print();
    const error = await env.execute('greedy producer').then(() => undefined, (e) => e as Error);
    expect(error?.message).to.contain('the producer sent 9 records with 8 credits left');
  });

  it('with exactly-once checkpoints, acknowledges only what a completed checkpoint holds, so resending after crashes loses and repeats nothing', async () => {
    const total = 20_000;
    const seed = 7;
    const keys = 50;
    const producer = fastProducer<Event>(system, 'events', total, (id) => ({ id, key: keyOf(id, seed, keys) }), 5000);
    const env = StreamEnvironment.create({ parallelism: 2, batchSize: 64 });
    env.enableCheckpointing(20, 'exactly-once');
    env.setRestartStrategy({ type: 'fixed-delay', attempts: 5, delayMs: 10 });
    const sink = new CollectSink<Counted>();
    let outputs = 0;
    const crashes = [4000, 11_000];
    let job: { crashTask(v: string, i: number): void } | undefined;
    countingJob(env.fromSource(ActorSource.actorRefWithBackpressure<Event>(producer.ref, { bufferSize: 256 })).name('events'))
      .map((c) => {
        if (crashes.length > 0 && ++outputs >= crashes[0]) {
          crashes.shift();
          job!.crashTask('Process', 1);
        }
        return c;
      })
      .sinkTo(sink);
    const handle = env.execute('actor source exactly once');
    job = handle;
    const result = await handle;
    expect(result.restarts).to.equal(2);
    expect(audit(sink.records(), total, seed, keys)).to.deep.equal({ lost: 0, duplicated: 0, stateOver: 0, stateUnder: 0 });
    // Two restarts: each asked the producer to resend from a checkpoint's position.
    expect(producer.seen.resumes.length).to.equal(3);
    expect(producer.seen.resumes[0]).to.equal(0);
    expect(producer.seen.maxHeld).to.be.at.most(5000);
  });
});
