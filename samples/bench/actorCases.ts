/**
 * The actor benchmark: records per second from an application actor, through an actor source,
 * a keyed count and an actor sink back to an application actor, beside the same keyed count
 * between a generator source and a discarding sink, in the same run.
 */
import { Ref, spawn, spawnStateless, start, stop } from 'nact';
import { ActorSink, ActorSinkMsg, ActorSource, ActorSourceOutbox, ActorSourceSignal, StreamEnvironment, acknowledge } from '../../src';
import { Benchmark, CountPerKey } from './cases';
import { DiscardingSink } from './DiscardingSink';
import { Tally, Trade, accountOf, emptyTally, trade } from './workloads';

const CHUNK = 1024;

/** A producer that generates `events` trades as fast as the source's credits let it. */
function spawnProducer(system: Ref<unknown>, events: number): Ref<ActorSourceSignal<Trade>> {
  let next = 0;
  return spawn(
    system as Ref<never>,
    (outbox: ActorSourceOutbox<Trade>, msg: ActorSourceSignal<Trade>) => {
      outbox.handle(msg);
      while (next < events && outbox.hasRoom()) {
        const chunk: Trade[] = [];
        for (let i = next; i < events && chunk.length < CHUNK; i++) chunk.push(trade(i));
        next += outbox.offerBatch(chunk);
      }
      if (next === events) outbox.complete();
      return outbox;
    },
    'producer',
    { initialStateFunc: () => new ActorSourceOutbox<Trade>(8 * CHUNK) },
  ) as Ref<ActorSourceSignal<Trade>>;
}

/** A consumer that tallies what it receives (as DiscardingSink does) and acknowledges each batch at once. */
function spawnConsumer(system: Ref<unknown>, tally: Tally): Ref<ActorSinkMsg<number>> {
  return spawnStateless(system as Ref<never>, (msg: ActorSinkMsg<number>) => {
    if (msg.type === 'sink.batch') {
      const records = msg.records;
      let checksum = 0;
      for (let i = 0; i < records.length; i++) checksum += records[i];
      tally.count += records.length;
      tally.checksum += checksum;
    }
    acknowledge(msg);
  }, 'consumer') as Ref<ActorSinkMsg<number>>;
}

async function throughActors(events: number): Promise<Tally> {
  const system = start();
  try {
    const tally = emptyTally();
    const env = StreamEnvironment.create({ parallelism: 2 });
    env
      .fromSource(ActorSource.actorRefWithBackpressure<Trade>(spawnProducer(system, events), { bufferSize: 4 * CHUNK }))
      .keyBy(accountOf)
      .process(new CountPerKey())
      .sinkTo(ActorSink.actorRefWithBackpressure<number>(spawnConsumer(system, tally)));
    await env.executeIn(system, 'bench');
    return tally;
  } finally {
    stop(system);
  }
}

async function throughGenerator(events: number): Promise<Tally> {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const sink = new DiscardingSink();
  env.fromGenerator(events, trade).keyBy(accountOf).process(new CountPerKey()).sinkTo(sink);
  await env.execute('bench');
  return sink.total();
}

export const actorBenchmarks: readonly Benchmark[] = [
  {
    id: 'actors',
    sluiceName: 'actor source -> keyed count -> actor sink, p=2',
    baselineName: 'generator -> keyed count -> discarding sink',
    parallelism: 2,
    events: 3_000_000,
    // Our aim: the actor edges (messages to and from the application's actors) cost at most half.
    aim: 0.5,
    sluice: throughActors,
    baseline: throughGenerator,
  },
];

