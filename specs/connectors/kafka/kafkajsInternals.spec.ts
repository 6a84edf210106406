import { expect } from 'chai';
import { commitGroupOffsets, createTransactionalProducer, endTransaction, fetchPartitions, kafkajsInternalsProblems } from '../../../src/connectors/kafka/kafkajsInternals';
import { connectedBrokerCluster } from '../../support/brokerCluster';
import { createTopic, groupOffsets, produce, uniqueTopic, waitForStableOffset } from '../../support/kafkaTopics';

/**
 * What Sluice relies on in kafkajs's private modules (src/connectors/kafka/kafkajsInternals.ts).
 * A kafkajs update that breaks one of them fails here, saying what changed, before any Kafka
 * scenario fails for a reason that is hard to see.
 */
const BROKEN = 'an update of kafkajs broke what src/connectors/kafka/kafkajsInternals.ts relies on';

describe('connectors/kafka/kafkajsInternals: what Sluice relies on in kafkajs', function () {
  this.timeout(60_000);

  it('finds every private module, factory and member it uses in the installed kafkajs', () => {
    const problems = kafkajsInternalsProblems();
    expect(problems, `${BROKEN}: ${problems.join('; ')}`).to.deep.equal([]);
  });

  describe('on a real broker', () => {
    const broker = connectedBrokerCluster();

    it('fetches through kafkajs\'s Fetch request and connection, decoded read_committed by fetchResponse.ts', async () => {
      const topic = uniqueTopic('internals-fetch');
      await createTopic(broker.bootstrap, topic, 1);
      await produce(broker.bootstrap, topic, [{ key: 'k', value: 'plain' }]);
      const producer = broker.kafka.producer({ transactionalId: `${topic}-txn`, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const txn = await producer.transaction();
      await txn.send({ topic, messages: [{ value: 'aborted' }] });
      await txn.abort();
      await producer.disconnect();
      // The plain record, the aborted one and its marker.
      await waitForStableOffset(broker.bootstrap, topic, 3);
      const [fetched] = await fetchPartitions(broker.cluster, [{ topic, partition: 0, offset: 0 }], { maxWaitMs: 100, maxBytesPerPartition: 64 * 1024 });
      expect({ topic: fetched.topic, partition: fetched.partition, fetchOffset: fetched.fetchOffset, nextOffset: fetched.nextOffset }, BROKEN).to.deep.equal({ topic, partition: 0, fetchOffset: 0, nextOffset: 3 });
      const { records } = fetched;
      expect(Array.from({ length: records.length }, (_, i) => records.offset(i)), `${BROKEN}: the aborted record was not filtered`).to.deep.equal([0]);
      expect([records.key(0)?.toString(), records.valueText(0), records.headers(0)]).to.deep.equal(['k', 'plain', {}]);
    });

    it('reads a transaction\'s producer id and epoch, and commits it by them from another producer (EndTxn)', async () => {
      const topic = uniqueTopic('internals-txn');
      await createTopic(broker.bootstrap, topic, 1);
      const producer = createTransactionalProducer(broker.cluster, `${topic}-0`, 60_000);
      await producer.init();
      producer.begin();
      await producer.sendBatch([{ topic, messages: [{ value: 'in a transaction' }] }]);
      expect(producer.producerId(), `${BROKEN}: the producer id`).to.match(/^\d+$/);
      expect(producer.producerEpoch(), `${BROKEN}: the producer epoch`).to.be.a('number');
      const outcome = await endTransaction(broker.cluster, { transactionalId: `${topic}-0`, producerId: producer.producerId(), producerEpoch: producer.producerEpoch() }, true);
      expect(outcome, BROKEN).to.equal('ended');
      // The record and the commit marker: the transaction is decided.
      await waitForStableOffset(broker.bootstrap, topic, 2);
      const [fetched] = await fetchPartitions(broker.cluster, [{ topic, partition: 0, offset: 0 }], { maxWaitMs: 100, maxBytesPerPartition: 64 * 1024 });
      expect([fetched.records.length, fetched.records.valueText(0)]).to.deep.equal([1, 'in a transaction']);
    });

    it("commits a consumer group's offsets from outside the group (OffsetCommit, generation -1)", async () => {
      const topic = uniqueTopic('internals-commit');
      await createTopic(broker.bootstrap, topic, 2);
      const groupId = `${topic}-group`;
      await commitGroupOffsets(broker.cluster, groupId, [
        { topic, partition: 0, offset: 5 },
        { topic, partition: 1, offset: 7 },
      ]);
      expect(await groupOffsets(broker.bootstrap, groupId, topic), BROKEN).to.deep.equal([5, 7]);
    });
  });
});
