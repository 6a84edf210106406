/**
 * The exactly-once Kafka sink (`KafkaSink.exactlyOnce`): a two-phase-commit sink over Kafka
 * transactions. Each checkpoint interval writes one transaction; the barrier pre-commits it
 * (every send acknowledged by all in-sync replicas, still invisible to read_committed
 * readers); the completed checkpoint commits it. The transaction's producer id and epoch are
 * part of the checkpoint, so a restore commits a pre-committed transaction by sending
 * EndTxn(commit) with them — Flink's "resume the producer" — which kafkajs does not offer
 * publicly; it is done with kafkajs 2.2.4's own eosManager and cluster (kafkajsInternals.ts).
 *
 * Transactional ids are `<prefix>-<instance>-g<generation>-<slot>`, the generation being one
 * more than the checkpoint the job restored from (0 on a fresh start); a transaction takes
 * the lowest free slot of its writer and initializes its id anew (a new epoch). A restored
 * transaction was begun by a writer of a generation no higher than the restored checkpoint,
 * so committing it cannot race with new work, whichever instance the restore hands it to
 * (the operator hands it to the instance of index mod parallelism, see
 * TwoPhaseCommitSinkOperator). Two runs restored from the same checkpoint share a
 * generation, and that is the point: the earlier one completed no checkpoint of its own, so
 * nothing it wrote may become visible, and the later one fences its slots as it opens
 * (Flink's probing of ids by checkpoint, with a fixed number of slots).
 *
 * Over instances (docs/cluster.md) the writer's name carries the job's epoch as well,
 * `<prefix>-<instance>-e<epoch>-g<generation>`: an instance cut off and back (a zombie) runs an
 * older epoch until it notices, and its client may still initialize an id (a retry of a request
 * sent before it stopped); with ids of its own epoch it fences only itself, never the writer
 * of the same generation that took its place (which would abort that writer's pre-committed
 * transaction, and lose its records, once its checkpoint had completed). In turn a writer
 * fences, once it knows the restored transactions (abortLingering, right after open), the slots
 * of its generation's writers of the earlier epochs since the restored checkpoint's (at most
 * MAX_EPOCHS_FENCED of them), as it fenced its own at open.
 *
 * Earlier writers' lingering transactions are fenced at the first commit after a restore
 * (every instance has committed its share of the restored ones by then). Until that scan has
 * finished, every new transaction names those writers (`lingering`), so a failure during the
 * scan hands the work on to the next restore instead of leaving a transaction open until the
 * broker's timeout (which holds back every read_committed reader of its partitions).
 *
 * Why committing an already-finished transaction again is safe: a slot's id is initialized
 * again only after the transaction it held was committed, or when that transaction had not
 * been pre-committed, or (lingering ones) once every instance has recovered. So
 * EndTxn(commit) with the stored epoch answers NONE (committed now, or a retry of a commit
 * that completed), or PRODUCER_FENCED / INVALID_PRODUCER_EPOCH, meaning the id moved on after
 * the commit. The one case this reading gets wrong is a transaction the broker aborted by
 * itself because it stayed open longer than `transactionTimeoutMs` (the job down that long):
 * Flink has the same limit. Keep the timeout above the longest outage (default 15 min, the
 * broker's default `transaction.max.timeout.ms`). See docs/kafka.md, "Limits".
 *
 * Nothing waits on Kafka without a bound (`operationTimeoutMs`, see kafkaClient.ts). Each topic
 * is checked before the sink first writes to it, unless `allowAutoTopicCreation`: kafkajs takes
 * a missing topic for metadata not yet propagated and retries its sends (an exactly-once send
 * for about two minutes), and a job with checkpointing then restarts for ever, so a missing
 * topic is told at open, naming it, and fails the job without restarts.
 *
 * Above ~300 lines for its comments: about 235 lines of code, the rest the protocol above and
 * why each step is safe, which belong beside the code they justify.
 */
import * as t from 'io-ts';
import type { Message, TopicMessages } from 'kafkajs';
import { codecSerializer } from '../../state/Serializer';
import type { SinkContext } from '../../graph/Sink';
import type { TwoPhaseCommitSink, TwoPhaseCommitWriter } from '../../graph/TwoPhaseCommitSink';
import { connectWithin, createKafkaClient, DEFAULT_KAFKA_OPERATION_TIMEOUT_MS, withinKafkaBound } from './kafkaClient';
import { createClusterOf, createTransactionalProducer, endTransaction, TransactionalProducer } from './kafkajsInternals';
import { checkSinkOptions, defaultSerialize, KafkaExactlyOnceOptions, topicGate, topicMessages } from './kafkaSinkOptions';

/** `records`: how many were written, so a restore can tell an empty transaction from a lost one. */
const KafkaTransactionCodec = t.intersection([
  t.type({
    transactionalId: t.string,
    /** `<prefix>-<instance>-g<generation>`: the transactional ids of one writer are this plus `-<slot>`. */
    writer: t.string,
    slot: t.number,
    producerId: t.string,
    producerEpoch: t.number,
    records: t.number,
  }),
  /** Earlier writers whose lingering transactions were not yet fenced when this one began. */
  t.partial({ lingering: t.array(t.string) }),
]);
/** A transaction handle as checkpoints hold it. */
export type KafkaTransaction = t.TypeOf<typeof KafkaTransactionCodec>;

/** Earlier epochs whose writers of the same generation a writer over instances fences as it opens (a lingering transaction beyond them waits for transactionTimeoutMs). */
const MAX_EPOCHS_FENCED = 16;

/** Records a transaction's writes may queue behind the request in flight before a write waits. */
const MAX_QUEUED = 8192;

/** A live transaction's sends: the request in flight, and what waits for the next one. */
interface Sending {
  queued: TopicMessages[][];
  queuedRecords: number;
  /** Settles when nothing is queued or in flight any more (rejects if a send failed). */
  done: Promise<void>;
  /** The request in flight. */
  current: Promise<void>;
  failure: unknown;
  /** No request in flight and none queued: the next write starts one. */
  idle: boolean;
}

/** Batches of topicMessages as one, a topic's messages in the order written. */
function mergeTopicMessages(batches: readonly TopicMessages[][]): TopicMessages[] {
  if (batches.length === 1) return batches[0];
  const byTopic = new Map<string, Message[]>();
  for (const batch of batches) {
    for (const { topic, messages } of batch) {
      const list = byTopic.get(topic);
      if (list === undefined) byTopic.set(topic, [...messages]);
      else for (const m of messages) list.push(m);
    }
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * A writer's name, `<prefix>-<instance>[-e<epoch>]-g<generation>`, read back: the instance
 * index (0 when the name has none) and, over instances, the job's epoch (undefined in one process).
 */
function writerNameParts(writer: string): { readonly index: number; readonly epoch: number | undefined } {
  const parts = /-(\d+)(?:-e(\d+))?-g\d+$/.exec(writer);
  return { index: Number(parts?.[1] ?? 0), epoch: parts?.[2] === undefined ? undefined : Number(parts[2]) };
}

export class KafkaTransactionalSink<T> implements TwoPhaseCommitSink<T, KafkaTransaction> {
  readonly name: string;
  readonly twoPhaseCommit = true;
  readonly transactionSerializer = codecSerializer(KafkaTransactionCodec);

  constructor(private readonly options: KafkaExactlyOnceOptions<T>) {
    checkSinkOptions(options);
    this.name = `Kafka Sink (${options.topic}, exactly-once)`;
  }

  createWriter({ index, parallelism, jobName, restoredCheckpointId, logger, epoch }: SinkContext): TwoPhaseCommitWriter<T, KafkaTransaction> {
    const { brokers, topic, clientId, transactionTimeoutMs = 900_000, lingeringScanSlots = 8, operationTimeoutMs = DEFAULT_KAFKA_OPERATION_TIMEOUT_MS } = this.options;
    const what = `${this.name} (instance ${index})`;
    const serialize = this.options.serialize ?? defaultSerialize;
    const prefix = this.options.transactionalIdPrefix ?? `sluice-${jobName}-${topic}`;
    // The generation follows the restored checkpoint: see the module comment for why restored
    // transactions never share an id with new work, and why a rerun shares its predecessor's.
    const generation = restoredCheckpointId === undefined ? 0 : restoredCheckpointId + 1;
    const writerOf = (ofEpoch: number | undefined) => `${prefix}-${index}${ofEpoch === undefined ? '' : `-e${ofEpoch}`}-g${generation}`;
    const writer = writerOf(epoch);
    const idOf = (slot: number, of = writer) => `${of}-${slot}`;
    /** Writers of restored transactions, whose lingering transactions are aborted once every instance has recovered. */
    let earlierWriters: Set<string> | undefined;
    const kafka = createKafkaClient({ brokers, clientId: clientId ?? 'sluice-sink', operationTimeoutMs, logger });
    const cluster = createClusterOf(kafka, { allowAutoTopicCreation: this.options.allowAutoTopicCreation });
    const checkTopics = topicGate(this.options, what, kafka, logger);
    const producerOptions = { logger, stopped: () => closed };
    /** Live transactions of this writer, by transactional id. */
    const live = new Map<string, TransactionalProducer>();
    /** Slots whose id must not be initialized: they hold a transaction not yet committed or aborted. */
    const busy = new Set<number>();
    const freeSlot = () => {
      let slot = 0;
      while (busy.has(slot)) slot++;
      return slot;
    };
    /** Initializing an id (a new epoch) aborts what an earlier producer of it left open. */
    const fence = async (transactionalId: string) => {
      const producer = createTransactionalProducer(cluster, transactionalId, transactionTimeoutMs, producerOptions);
      await producer.init();
    };
    const fenceSlotsOf = async (of: string) => {
      for (let slot = 0; slot < lingeringScanSlots; slot++) await fence(idOf(slot, of));
    };
    /** Commits a transaction begun by an earlier writer; see the module comment for why each outcome is safe. */
    const commitRecovered = async (txn: KafkaTransaction) => {
      if (txn.records === 0) return;
      const outcome = await endTransaction(cluster, txn, true);
      if (outcome === 'invalidState') {
        throw new Error(
          `Kafka transaction ${txn.transactionalId} (producer ${txn.producerId}, epoch ${txn.producerEpoch}) with ${txn.records} records was aborted before its checkpoint's commit: ` +
            'its records are lost. Was the job down longer than transactionTimeoutMs, or does another job use the same transactionalIdPrefix?',
        );
      }
    };
    /**
     * A task can be stopped while one of its handlers still awaits this writer: after close,
     * no operation may start (it would initialize an id the next incarnation uses), and close
     * waits for those in flight.
     */
    let closed = false;
    const inFlight = new Set<Promise<unknown>>();
    /** Every operation but open (which bounds each of its steps) ends within operationTimeoutMs. */
    const guarded = <A extends unknown[], R>(name: string, op: (...args: A) => Promise<R>, bounded = true) => (...args: A): Promise<R> => {
      if (closed) return Promise.reject(new Error(`${this.name}: writer ${index} is closed; ${name} refused`));
      const p = track(op(...args));
      return bounded ? withinKafkaBound(p, `${what}: ${name}`, brokers, operationTimeoutMs) : p;
    };
    /** Makes close wait for `p` too. */
    const track = <R>(p: Promise<R>): Promise<R> => {
      inFlight.add(p);
      const done = () => inFlight.delete(p);
      p.then(done, done);
      return p;
    };
    /**
     * Each live transaction's sending: one Produce request in flight at a time, in order
     * (kafkajs's idempotent producer keeps a partition's order only so), and the batches
     * written meanwhile queued, to go out together in the next request once it is
     * acknowledged. A write returns at once while fewer than MAX_QUEUED records wait, so the
     * task reads and maps the next batches during the round trip, and requests grow with it
     * (the keyed count's sink sent 1,106 requests for 300,000 records one batch each).
     * Bound: MAX_QUEUED records plus the request in flight. The pre-commit waits until the
     * queue is empty and the last request acknowledged: a checkpoint never holds a
     * transaction with a send that all in-sync replicas have not acknowledged.
     */
    const sendings = new Map<string, Sending>();
    /** Starts sending what is queued, then what is queued by then, until the queue is empty. */
    const pump = (sending: Sending, producer: TransactionalProducer): Promise<void> => {
      const batches = sending.queued;
      sending.queued = [];
      sending.queuedRecords = 0;
      sending.current = track(producer.sendBatch(mergeTopicMessages(batches)));
      // idle turns true in the same callback that finds the queue empty: a write after it starts a new request.
      return sending.current.then(
        () => {
          if (sending.queued.length > 0) return pump(sending, producer);
          sending.idle = true;
          return undefined;
        },
        (e: unknown) => {
          sending.failure = e;
          sending.idle = true;
          throw e;
        },
      );
    };
    /** Waits until everything written in the transaction is acknowledged; a failed send fails here. */
    const acknowledged = async (transactionalId: string): Promise<void> => {
      const sending = sendings.get(transactionalId);
      if (sending === undefined) return;
      do await sending.done;
      while (!sending.idle);
      if (sending.failure !== undefined) throw sending.failure;
    };
    /** Pre-committed transactions: only a commit or a restore ends them, never abort(). */
    const preCommitted = new Set<string>();
    const handleOf = (txn: KafkaTransaction) => `${txn.transactionalId}@${txn.producerEpoch}`;
    /**
     * Ends what earlier writers of restored transactions left open after the checkpoint (their
     * slots, up to lingeringScanSlots): a transaction they pre-committed for a checkpoint that
     * never completed, or one still open when they stopped.
     */
    const abortLingeringOfEarlierWriters = async () => {
      const writers = earlierWriters;
      if (writers === undefined) return;
      for (const of of writers) await fenceSlotsOf(of);
      // Only now: transactions begun before this point carry the writers to the next restore.
      if (earlierWriters === writers) earlierWriters = undefined;
    };
    return {
      open: guarded(
        'open',
        async () => {
          await checkTopics([topic]);
          await connectWithin(() => cluster.connect(), what, brokers, operationTimeoutMs, logger);
          // A run of this generation that failed before completing a checkpoint may have left
          // transactions open: nothing of them may become visible.
          await withinKafkaBound(fenceSlotsOf(writer), `${what}: fencing the transactions of ${writer}`, brokers, operationTimeoutMs);
        },
        false,
      ),
      beginTransaction: guarded('beginTransaction', async () => {
        const slot = freeSlot();
        busy.add(slot);
        const transactionalId = idOf(slot);
        const producer = createTransactionalProducer(cluster, transactionalId, transactionTimeoutMs, producerOptions);
        await producer.init();
        producer.begin();
        live.set(transactionalId, producer);
        const lingering = earlierWriters === undefined ? {} : { lingering: [...earlierWriters] };
        return { transactionalId, writer, slot, producerId: producer.producerId(), producerEpoch: producer.producerEpoch(), records: 0, ...lingering };
      }),
      write: guarded('write', async (txn: KafkaTransaction, records: readonly T[]) => {
        const batch = topicMessages(records, serialize, topic);
        await checkTopics(batch.map((b) => b.topic));
        const producer = live.get(txn.transactionalId);
        if (producer === undefined) throw new Error(`${what}: transaction ${txn.transactionalId} is not open here; write only between beginTransaction and preCommit`);
        let sending = sendings.get(txn.transactionalId);
        if (sending === undefined) sendings.set(txn.transactionalId, (sending = { queued: [], queuedRecords: 0, done: Promise.resolve(), current: Promise.resolve(), failure: undefined, idle: true }));
        if (sending.failure !== undefined) throw sending.failure;
        // The handle is the one the checkpoint stores at pre-commit: the count goes with it.
        txn.records += records.length;
        sending.queued.push(batch);
        sending.queuedRecords += records.length;
        if (sending.idle) {
          const s = sending;
          s.idle = false;
          s.done = pump(s, producer);
          // Its failure is thrown by the next write or the pre-commit, not reported as unhandled meanwhile.
          s.done.catch(() => undefined);
        } else if (sending.queuedRecords >= MAX_QUEUED) {
          // Full: wait for the request in flight; the queue goes out in the next one.
          await sending.current.catch(() => undefined);
          if (sending.failure !== undefined) throw sending.failure;
        }
      }),
      preCommit: guarded('preCommit', async (txn: KafkaTransaction) => {
        // Once the last send is acknowledged (acks=all), every record is durable in the open transaction.
        await acknowledged(txn.transactionalId);
        preCommitted.add(handleOf(txn));
      }),
      commit: guarded('commit', async (txn: KafkaTransaction) => {
        await acknowledged(txn.transactionalId);
        await abortLingeringOfEarlierWriters();
        const producer = live.get(txn.transactionalId);
        if (producer !== undefined && producer.producerEpoch() === txn.producerEpoch) {
          await producer.commit();
          live.delete(txn.transactionalId);
          sendings.delete(txn.transactionalId);
        } else {
          await commitRecovered(txn);
        }
        preCommitted.delete(handleOf(txn));
        busy.delete(txn.slot);
      }),
      abort: guarded('abort', async (txn: KafkaTransaction) => {
        // A pre-committed transaction belongs to a checkpoint: a restore commits or fences it.
        if (preCommitted.has(handleOf(txn))) return;
        // Aborted anyway: what is queued need not go, a failed send changes nothing, but none may still be travelling.
        const sending = sendings.get(txn.transactionalId);
        if (sending !== undefined) sending.queued = [];
        await acknowledged(txn.transactionalId).catch(() => undefined);
        sendings.delete(txn.transactionalId);
        const producer = live.get(txn.transactionalId);
        live.delete(txn.transactionalId);
        try {
          if (producer !== undefined) await producer.abort();
          else await fence(txn.transactionalId);
        } finally {
          busy.delete(txn.slot);
        }
      }),
      recoverAndCommit: guarded('recoverAndCommit', async (txn: KafkaTransaction) => {
        await commitRecovered(txn);
      }),
      recoverAndAbort: guarded('recoverAndAbort', async (txn: KafkaTransaction) => {
        await fence(txn.transactionalId);
      }),
      abortLingering: guarded('abortLingering', async (known: readonly KafkaTransaction[]) => {
        // Not now: another instance may still have to commit a transaction of these writers.
        // The first commit after the restore comes from a checkpoint every instance has
        // acknowledged, so every instance has finished its recovery by then. `known` lists the
        // transactions of every former instance: this one fences the writers of instance
        // indexes j with j mod parallelism = index, so each is fenced once.
        const writers = known.flatMap((k) => [k.writer, ...(k.lingering ?? [])]);
        earlierWriters = new Set(writers.filter((of) => of !== writer && writerNameParts(of).index % parallelism === index));
        // Over instances: this generation's writers of earlier epochs (a restart in a later
        // epoch from the same checkpoint, or a zombie's) completed no checkpoint, so nothing of
        // theirs is committed any more: fenced now, as this writer's own slots were at open.
        if (epoch !== undefined) {
          const since = Math.max(1, epoch - MAX_EPOCHS_FENCED, ...known.map((k) => writerNameParts(k.writer).epoch ?? 1));
          for (let e = since; e < epoch; e++) await withinKafkaBound(fenceSlotsOf(writerOf(e)), `${what}: fencing the transactions of ${writerOf(e)}`, brokers, operationTimeoutMs);
        }
      }),
      async close() {
        closed = true;
        await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, Math.min(30_000, operationTimeoutMs)).unref())]);
        live.clear();
        await cluster.disconnect().catch(() => undefined);
      },
    };
  }
}
