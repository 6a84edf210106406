import { expect } from 'chai';
import { Ref, spawnStateless, start, stop } from 'nact';
import { ActorSink, ActorSinkMsg, StreamEnvironment, acknowledge } from '../../src';

/** A consumer that acknowledges each message after `delayMs`, and checks it never holds two unacknowledged. */
function slowConsumer(system: Ref<unknown>, delayMs: number) {
  const seen = { kinds: [] as string[], records: [] as number[], overlapping: 0, unacked: 0 };
  const ref = spawnStateless(system as Ref<never>, (msg: ActorSinkMsg<number>) => {
    seen.kinds.push(msg.type);
    if (msg.type === 'sink.batch') seen.records.push(...msg.records);
    if (msg.type !== 'sink.init' && msg.type !== 'sink.batch') return;
    if (++seen.unacked > 1) seen.overlapping++;
    setTimeout(() => {
      seen.unacked--;
      acknowledge(msg);
    }, delayMs);
  });
  return { ref, seen };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 2));
}

describe('connectors/ActorSink', () => {
  let system: Ref<unknown>;
  beforeEach(() => (system = start()));
  afterEach(() => stop(system));

  it('delivers a bounded stream in order, one acknowledged batch at a time, then completes', async () => {
    const consumer = slowConsumer(system, 0);
    const env = StreamEnvironment.create({ batchSize: 10 });
    env.fromCollection(Array.from({ length: 95 }, (_, i) => i)).sinkTo(ActorSink.actorRefWithBackpressure<number>(consumer.ref));
    await env.execute('to an actor');
    expect(consumer.seen.records).to.deep.equal(Array.from({ length: 95 }, (_, i) => i));
    expect(consumer.seen.kinds[0]).to.equal('sink.init');
    expect(consumer.seen.kinds.filter((k) => k === 'sink.batch').length).to.equal(10);
    expect(consumer.seen.kinds[consumer.seen.kinds.length - 1]).to.equal('sink.complete');
    expect(consumer.seen.overlapping).to.equal(0);
  });

  it('holds the job back to the consumer\'s speed, with records in flight under the same bound however long it runs', async () => {
    const consumer = slowConsumer(system, 2);
    const batchSize = 16;
    const channelCapacity = 32;
    let produced = 0;
    const env = StreamEnvironment.create({ batchSize, channelCapacity });
    env
      .fromGenerator(Infinity, (i) => (produced++, i))
      .map((n) => n)
      .rebalance()
      .sinkTo(ActorSink.actorRefWithBackpressure<number>(consumer.ref))
      .setParallelism(1);
    const job = env.execute('slow consumer');
    const aheadAt = async (delivered: number) => {
      await until(() => consumer.seen.records.length >= delivered);
      return produced - consumer.seen.records.length;
    };
    const early = await aheadAt(300);
    const late = await aheadAt(1500);
    expect((await job.cancel()).status).to.equal('cancelled');
    // Granted credit, one batch awaiting its ack and a source batch: the same bound early and late.
    const bound = channelCapacity + 3 * batchSize;
    expect(early).to.be.at.most(bound);
    expect(late).to.be.at.most(bound);
    expect(consumer.seen.overlapping).to.equal(0);
    expect(consumer.seen.kinds[consumer.seen.kinds.length - 1]).to.equal('sink.stopped');
  });

  it('fails the job, naming the consumer, when it never acknowledges: a restart would wait for it again', async () => {
    const deaf = spawnStateless(system as Ref<never>, () => undefined, 'deaf-consumer');
    const env = StreamEnvironment.create({});
    env.enableCheckpointing(50);
    env.fromGenerator(Infinity, (i) => i).sinkTo(ActorSink.actorRefWithBackpressure<number>(deaf, { ackTimeoutMs: 200 }));
    const started = Date.now();
    const error = await env.execute('deaf consumer').then(() => undefined, (e: unknown) => e as Error);
    expect(Date.now() - started).to.be.below(5000);
    expect(error?.message).to.include("the consumer actor 'deaf-consumer' did not acknowledge sink.init within 200 ms");
  });
});
