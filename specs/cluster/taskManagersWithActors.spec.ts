import { expect } from 'chai';
import { Ref, spawn, spawnStateless, start, stop } from 'nact';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { ActorSinkMsg, acknowledge } from '../../src/connectors/ActorSink';
import { ActorSourceOutbox } from '../../src/connectors/ActorSourceOutbox';
import { ActorSourceSignal } from '../../src/connectors/actorSourceProtocol';
import { Counted } from '../support/countingJob';
import { ActorBridgeParams, actorBridgeJob } from './fixtures/actorBridgeJob';

const RECORDS = 6000;
const KEYS = 12;

describe('cluster/taskManagers: an actor source and an actor sink of the application, the job on task managers', function () {
  this.timeout(60_000);
  let system: ReturnType<typeof start>;
  beforeEach(() => (system = start()));
  afterEach(() => stop(system));

  /** The producer (an outbox holding every number) and the consumer (recording every message) of the application. */
  function actors() {
    let outbox!: ActorSourceOutbox<number>;
    const started: number[] = [];
    const producer = spawn(
      system,
      (box: ActorSourceOutbox<number>, msg: ActorSourceSignal<number>) => {
        if (msg.type === 'source.started') started.push(msg.resumeFrom);
        box.handle(msg);
        return box;
      },
      'numbers',
      { initialStateFunc: () => (outbox = new ActorSourceOutbox<number>(RECORDS)) },
    ) as Ref<ActorSourceSignal<number>>;
    const received: Counted[] = [];
    const events: string[] = [];
    const consumer = spawnStateless(system, (msg: ActorSinkMsg<Counted>) => {
      if (msg.type === 'sink.batch') received.push(...msg.records);
      else events.push(`${msg.type} ${msg.index}`);
      acknowledge(msg);
    }, 'results');
    return { producer, consumer, received, events, started, outbox: () => outbox };
  }

  /** The counting job's keys are `n % KEYS`: these are the final counts per key. */
  const exactCounts = () => {
    const counts = new Map<number, number>();
    for (let n = 0; n < RECORDS; n++) counts.set(n % KEYS, (counts.get(n % KEYS) ?? 0) + 1);
    return counts;
  };
  const finalCounts = (received: readonly Counted[]) => {
    const counts = new Map<number, number>();
    for (const r of received) counts.set(r.key, Math.max(counts.get(r.key) ?? 0, r.count));
    return counts;
  };
  it('the producer and the consumer stay in the application\'s thread: every number reaches the job once, every count reaches the consumer once, through both sink instances', async () => {
    const a = actors();
    const params: ActorBridgeParams = { producer: a.producer, consumer: a.consumer, keys: KEYS, checkpoints: false };
    const job = StreamEnvironment.create({ parallelism: 2, batchSize: 64, taskManagers: 2 }).executeJob(actorBridgeJob, params, 'actors');
    while (a.started.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    for (let n = 0; n < RECORDS; n++) expect(a.outbox().offer(n)).to.equal(true);
    a.outbox().complete();
    const result = await job;
    expect(result.status).to.equal('finished');
    expect(a.received.map((r) => r.id).sort((x, y) => x - y)).to.deep.equal(Array.from({ length: RECORDS }, (_, n) => n));
    expect(finalCounts(a.received)).to.deep.equal(exactCounts());
    expect([...a.events].sort()).to.deep.equal(['sink.complete 0', 'sink.complete 1', 'sink.init 0', 'sink.init 1']);
    expect(a.started).to.deep.equal([0]);
  });

  it('a task manager terminated mid-stream: the source restarts from its checkpoint and the producer resends from there; the counts are exact, every number reaches the consumer (at least once)', async () => {
    const a = actors();
    const params: ActorBridgeParams = { producer: a.producer, consumer: a.consumer, keys: KEYS, checkpoints: true };
    const job = StreamEnvironment.create({ parallelism: 2, batchSize: 64, taskManagers: 2 }).executeJob(actorBridgeJob, params, 'actors');
    while (a.started.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    for (let n = 0; n < RECORDS; n++) expect(a.outbox().offer(n)).to.equal(true);
    a.outbox().complete();
    while (a.received.length < RECORDS / 3) await new Promise((resolve) => setTimeout(resolve, 2));
    await job.taskManagers!.terminate(0);
    const result = await job;
    expect(result.status).to.equal('finished');
    expect(result.restarts).to.be.at.least(1);
    expect(new Set(a.received.map((r) => r.id)).size).to.equal(RECORDS);
    expect(finalCounts(a.received)).to.deep.equal(exactCounts());
    // Once per reader start: the first, and one per restart from the checkpoint's position.
    expect(a.started.length).to.equal(result.restarts + 1);
    expect(a.events.filter((e) => e.startsWith('sink.complete')).sort()).to.deep.equal(['sink.complete 0', 'sink.complete 1']);
    // Every writer that started ended once, as in one thread: completed, or stopped — also the one
    // whose thread was terminated (its close never ran; the sink object in this thread says it).
    const times = (event: string) => a.events.filter((e) => e === event).length;
    const ends = [0, 1].map((i) => ({ init: times(`sink.init ${i}`), ended: times(`sink.complete ${i}`) + times(`sink.stopped ${i}`) }));
    expect(ends.map((e) => e.ended)).to.deep.equal(ends.map((e) => e.init));
    expect(times('sink.stopped 0'), 'the writer on the terminated task manager').to.be.at.least(1);
  });
});
