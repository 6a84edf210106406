import { expect } from 'chai';
import { StreamEnvironment } from '../../../src';
import { KafkaSink } from '../../../src/connectors/kafka/KafkaSink';
import { KafkaTransaction } from '../../../src/connectors/kafka/KafkaTransactionalSink';
import { kafkaBootstrap } from '../../support/kafkaService';
import { createTopic, readCommitted, uniqueTopic } from '../../support/kafkaTopics';

describe('connectors/kafka/KafkaSink (real broker)', function () {
  this.timeout(120_000);
  let bootstrap: string;
  before(async function () {
    this.timeout(600_000);
    bootstrap = await kafkaBootstrap(this);
  });

  /** A sink writer as a task creates it, fresh (no checkpoint) or restored from checkpoint `restoredCheckpointId`. */
  const writerOf = (topic: string, prefix: string, restoredCheckpointId?: number, epoch?: number) =>
    KafkaSink.exactlyOnce<number>({ brokers: [bootstrap], topic, transactionalIdPrefix: prefix, serialize: (n) => ({ key: String(n), value: String(n) }) }).createWriter({
      index: 0,
      parallelism: 1,
      jobName: 'spec',
      restoredCheckpointId,
      ...(epoch === undefined ? {} : { epoch }),
    });
  const values = async (topic: string) => (await readCommitted(bootstrap, topic)).map((r) => Number(r.value)).sort((a, b) => a - b);

  describe('exactly-once, without checkpointing', () => {
    it('commits the one transaction at end of input: a read_committed reader sees every record once', async () => {
      const topic = uniqueTopic('sink-eo');
      await createTopic(bootstrap, topic, 2);
      const env = StreamEnvironment.create({ parallelism: 2 });
      env.fromGenerator(3000, (i) => i).sinkTo(KafkaSink.exactlyOnce<number>({ brokers: [bootstrap], topic, transactionalIdPrefix: topic, serialize: (n) => ({ value: String(n) }) }));
      await env.execute('kafka-sink-eo');
      expect(await values(topic)).to.deep.equal(Array.from({ length: 3000 }, (_, i) => i));
    });
  });

  describe('at-least-once', () => {
    it('writes every record, keys and topic per record', async () => {
      const topic = uniqueTopic('sink-alo');
      const other = uniqueTopic('sink-alo-other');
      await createTopic(bootstrap, topic, 2);
      await createTopic(bootstrap, other, 1);
      const env = StreamEnvironment.create({ parallelism: 2 });
      env
        .fromGenerator(1000, (i) => i)
        .sinkTo(KafkaSink.atLeastOnce<number>({ brokers: [bootstrap], topic, serialize: (n) => ({ key: `k${n % 10}`, value: String(n), topic: n % 100 === 0 ? other : undefined }) }));
      await env.execute('kafka-sink-alo');
      const main = await readCommitted(bootstrap, topic);
      expect(main.length).to.equal(990);
      expect(main.every((r) => r.key === `k${Number(r.value) % 10}`)).to.equal(true);
      expect(await values(other)).to.deep.equal(Array.from({ length: 10 }, (_, i) => i * 100));
    });
  });

  describe('recovery of transactions begun by an earlier writer', () => {
    it('commits a pre-committed transaction by its stored producer id and epoch, once, however often asked', async () => {
      const topic = uniqueTopic('sink-recover');
      await createTopic(bootstrap, topic, 1);
      const before = writerOf(topic, topic);
      await before.open?.();
      const txn = await before.beginTransaction();
      await before.write(txn, [1, 2, 3]);
      await before.preCommit(txn);
      // The writer's task dies here: no commit.
      await before.close?.();
      expect(await values(topic), 'invisible before commit').to.deep.equal([]);

      const after = writerOf(topic, topic, 1);
      await after.open?.();
      const stored = JSON.parse(JSON.stringify(txn)) as KafkaTransaction;
      await after.recoverAndCommit!(stored);
      await after.recoverAndCommit!(stored);
      expect(await values(topic)).to.deep.equal([1, 2, 3]);
      // A later writer uses ids of its own: committing the old handle again is still a no-op.
      const next = await after.beginTransaction();
      expect(next.transactionalId).not.to.equal(stored.transactionalId);
      await after.write(next, [4]);
      await after.preCommit(next);
      await after.commit(next);
      await after.recoverAndCommit!(stored);
      await after.close?.();
      expect(await values(topic)).to.deep.equal([1, 2, 3, 4]);
    });

    it('aborts the transaction that was in progress and lingering ones no checkpoint knows of', async () => {
      const topic = uniqueTopic('sink-abort');
      await createTopic(bootstrap, topic, 1);
      const before = writerOf(topic, topic);
      await before.open?.();
      const promised = await before.beginTransaction();
      await before.write(promised, [1]);
      await before.preCommit(promised);
      const inProgress = await before.beginTransaction();
      await before.write(inProgress, [2]);
      const unknown = await before.beginTransaction();
      await before.write(unknown, [3]);
      expect([promised.slot, inProgress.slot, unknown.slot]).to.deep.equal([0, 1, 2]);
      await before.close?.();

      const after = writerOf(topic, topic, 1);
      await after.open?.();
      await after.recoverAndCommit!(promised);
      await after.recoverAndAbort!(inProgress);
      await after.abortLingering!([promised, inProgress]);
      // Lingering transactions end with the first commit after the restore, when every
      // instance has recovered.
      const next = await after.beginTransaction();
      await after.write(next, [4]);
      await after.preCommit(next);
      await after.commit(next);
      await after.close?.();
      expect(await values(topic)).to.deep.equal([1, 4]);
    });

    it('a rerun restored from the same checkpoint aborts what its predecessor left open before completing a checkpoint', async () => {
      const topic = uniqueTopic('sink-rerun');
      await createTopic(bootstrap, topic, 1);
      const failed = writerOf(topic, topic, 3);
      await failed.open?.();
      const first = await failed.beginTransaction();
      await failed.write(first, [1]);
      await failed.preCommit(first);
      const second = await failed.beginTransaction();
      await failed.write(second, [2]);
      // The process dies before checkpoint 4 completes: no close, nothing of it may show.
      const rerun = writerOf(topic, topic, 3);
      await rerun.open?.();
      const next = await rerun.beginTransaction();
      await rerun.write(next, [5]);
      await rerun.preCommit(next);
      await rerun.commit(next);
      await rerun.close?.();
      // read_committed readers end at the last stable offset: an open transaction would hide [5].
      expect(await values(topic)).to.deep.equal([5]);
      await failed.close?.();
    });

    it('hands the writers still to fence on to the next restore when it fails before fencing them', async () => {
      const topic = uniqueTopic('sink-handover');
      await createTopic(bootstrap, topic, 1);
      const first = writerOf(topic, topic);
      await first.open?.();
      const promised = await first.beginTransaction();
      await first.write(promised, [1]);
      await first.preCommit(promised);
      const lingering = await first.beginTransaction();
      await first.write(lingering, [2]);
      // Checkpoint 1 holds `promised`; the process dies with `lingering` open.
      const second = writerOf(topic, topic, 1);
      await second.open?.();
      await second.recoverAndCommit!(promised);
      await second.abortLingering!([promised]);
      const carried = await second.beginTransaction();
      expect(carried.lingering, 'the first writer is still to fence').to.deep.equal([promised.writer]);
      await second.write(carried, [3]);
      await second.preCommit(carried);
      // Checkpoint 2 holds `carried`; the process dies before its first commit fenced anything.
      const third = writerOf(topic, topic, 2);
      await third.open?.();
      await third.recoverAndCommit!(carried);
      await third.abortLingering!([carried]);
      const next = await third.beginTransaction();
      await third.write(next, [4]);
      await third.preCommit(next);
      await third.commit(next);
      expect(await values(topic)).to.deep.equal([1, 3, 4]);
      await third.close?.();
      // The "dead" writers still hold their connections in this process.
      await second.close?.();
      await first.close?.();
    });

    it('over instances, a zombie of an older epoch that begins a transaction fences only itself, never the writer of the same generation that took its place', async () => {
      const topic = uniqueTopic('sink-epochs');
      await createTopic(bootstrap, topic, 1);
      // Epoch 3 ran from checkpoint 2 and was cut off with a transaction open; epoch 5 restarted from the same checkpoint.
      const zombie = writerOf(topic, topic, 2, 3);
      await zombie.open?.();
      const left = await zombie.beginTransaction();
      await zombie.write(left, [1]);
      const successor = writerOf(topic, topic, 2, 5);
      await successor.open?.();
      // Its opening (restore) fences the generation's writers of the epochs before it: the zombie's open transaction is aborted.
      await successor.abortLingering!([]);
      const earlier = await successor.beginTransaction();
      await successor.write(earlier, [2]);
      await successor.preCommit(earlier);
      const promised = await successor.beginTransaction();
      expect(promised.transactionalId).to.match(/-0-e5-g3-1$/);
      await successor.write(promised, [3]);
      await successor.preCommit(promised);
      // The zombie comes back and begins a transaction: its slot 1 (slot 0 still holds what it left),
      // the slot of the successor's pre-committed one, initialized anew on the zombie's own id only.
      const again = await zombie.beginTransaction();
      expect(again.transactionalId).to.match(/-0-e3-g3-1$/);
      await zombie.write(again, [4]);
      await zombie.preCommit(again);
      // The checkpoints complete: the successor's commits are not fenced by the zombie's initialization.
      await successor.commit(earlier);
      await successor.commit(promised);
      await zombie.abort(again);
      expect(await values(topic)).to.deep.equal([2, 3]);
      await zombie.close?.();
      await successor.close?.();
    });

    it('fences a zombie writer of the same transactional id', async () => {
      const topic = uniqueTopic('sink-zombie');
      await createTopic(bootstrap, topic, 1);
      const zombie = writerOf(topic, topic);
      await zombie.open?.();
      const old = await zombie.beginTransaction();
      await zombie.write(old, [1]);
      const successor = writerOf(topic, topic, 1);
      await successor.open?.();
      await successor.abortLingering!([old]);
      const next = await successor.beginTransaction();
      await successor.preCommit(next);
      await successor.commit(next);
      let error: unknown;
      try {
        await zombie.write(old, [2]);
        await zombie.commit(old);
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(/fenced|epoch/i);
      await zombie.close?.();
      await successor.close?.();
      expect(await values(topic)).to.deep.equal([]);
    });
  });
});
