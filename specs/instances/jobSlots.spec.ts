import { expect } from 'chai';
import * as t from 'io-ts';
import { StreamEnvironment } from '../../src/api/StreamEnvironment';
import { fromKafka } from '../../src/api/fromKafka';
import { KafkaSource } from '../../src/connectors/kafka/KafkaSource';
import { nextAssignment, ownershipLine, ownershipOf } from '../../src/instances/Assignment';
import { jobSlots, slotCount, sourceTopicsOf } from '../../src/instances/jobSlots';

/** A keyed count at parallelism 4 from topic `in` (12 partitions) and `more` (2). */
function plan() {
  const env = StreamEnvironment.create({ parallelism: 4 });
  fromKafka(env, new KafkaSource({ brokers: ['127.0.0.1:9092'], topics: ['more', 'in'], format: { codec: t.type({ key: t.number }) } }), 'in')
    .keyBy((e) => e.key)
    .map((e) => e)
    .print();
  return env.plan('slots');
}

const splits = [...Array.from({ length: 12 }, (_, p) => `in-${p}`), 'more-0', 'more-1'];

describe('instances/jobSlots: a job\'s slots and what they mean (docs/cluster.md, "Assignment")', () => {
  it('has one slot per subtask index, the source topics, and per slot the partitions and key groups of its subtasks', () => {
    const p = plan();
    const slots = jobSlots(p);
    expect([slotCount(p), slots.count]).to.deep.equal([4, 4]);
    expect(sourceTopicsOf(p)).to.deep.equal(['in', 'more']);
    // Partitions sorted by topic then partition, dealt round robin: in-0..11, more-0, more-1.
    expect(slots.splitsOf(0, splits)).to.deep.equal(['in-0', 'in-4', 'in-8', 'more-0']);
    expect(slots.splitsOf(1, splits)).to.deep.equal(['in-1', 'in-5', 'in-9', 'more-1']);
    expect(slots.splitsOf(3, splits)).to.deep.equal(['in-3', 'in-7', 'in-11']);
    expect(slots.keyGroupsOf(0)).to.deep.equal(Array.from({ length: 32 }, (_, g) => g));
    expect(slots.keyGroupsOf(3)).to.deep.equal(Array.from({ length: 32 }, (_, g) => 96 + g));
  });

  it('assigns slots sticky and balanced, each instance owning its slots\' splits and key groups', () => {
    const work = { splits, maxParallelism: 128, slots: jobSlots(plan()) };
    const three = nextAssignment(undefined, ['i-3', 'i-1', 'i-2'], work);
    expect(three.slots).to.deep.equal({ 'i-1': [0, 1], 'i-2': [2], 'i-3': [3] });
    expect(three.splits['i-1']).to.deep.equal(['in-0', 'in-1', 'in-4', 'in-5', 'in-8', 'in-9', 'more-0', 'more-1']);
    expect(three.keyGroups['i-2']).to.deep.equal(Array.from({ length: 32 }, (_, g) => 64 + g));
    // i-1 dies: its two slots go to the others, which keep theirs.
    const two = nextAssignment(three, ['i-2', 'i-3'], work);
    expect(two.slots).to.deep.equal({ 'i-2': [0, 2], 'i-3': [1, 3] });
    const line = ownershipLine(ownershipOf('i-3', 7, 'i-2', two));
    expect(line).to.equal('instance i-3 (epoch 7, leader i-2) owns slots 1, 3: splits in-1, in-3, in-5, in-7, in-9, in-11, more-1 and key groups 32-63, 96-127');
  });
});
