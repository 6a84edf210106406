import { expect } from 'chai';
import { OutputEdgePlan } from '../../src/graph/ExecutionPlan';
import { TaskId } from '../../src/checkpoint/TaskId';
import { CheckpointId } from '../../src/checkpoint/CheckpointTypes';
import { OutputGate } from '../../src/runtime/OutputGate';
import { RecordTime } from '../../src/graph/StreamOperator';
import { TaskMsg } from '../../src/runtime/protocol';
import { keyGroupOf, operatorIndexForKeyGroup } from '../../src/state/keyGroups';
import { Recorder, Recorders } from '../support/recorders';

const consumerTask = 'consumer' as TaskId;
/** An edge to `n` consumers, whose ends are channel 2 at each of them. */
const edge = (partitioning: OutputEdgePlan['partitioning'], n: number, tag?: string): OutputEdgePlan => ({
  tag,
  partitioning,
  keyedConsumer: true,
  channels: Array.from({ length: n }, () => ({ task: consumerTask, channel: 2 })),
});
const batch = (values: readonly unknown[], timestamps: readonly number[] = values.map(() => NaN)): TaskMsg => ({ type: 'records', channel: 2, records: [...values], timestamps: [...timestamps] });
const barrier = (id: number): TaskMsg => ({ type: 'barrier', channel: 2, id: id as CheckpointId });

describe('runtime/OutputGate', () => {
  let actors: Recorders;
  let consumers: Recorder<TaskMsg>[];
  const time: RecordTime = { timestamp: NaN };

  beforeEach(() => {
    actors = new Recorders();
    consumers = [actors.recorder<TaskMsg>(), actors.recorder<TaskMsg>(), actors.recorder<TaskMsg>()];
    time.timestamp = NaN;
  });
  afterEach(() => actors.stop());

  const gateOf = (edges: readonly OutputEdgePlan[], batchSize: number, taskIndex = 0) => new OutputGate(edges, consumers.map((c) => c.ref), batchSize, 128, taskIndex, time);
  const emit = (gate: OutputGate, ...values: number[]) => values.forEach((v) => gate.collect(v));

  describe('credits', () => {
    it('sends nothing without credit and stops taking input once a channel holds a full batch', async () => {
      const gate = gateOf([edge({ kind: 'forward' }, 1)], 3);
      emit(gate, 1, 2);
      expect(gate.hasRoom()).to.equal(true);
      emit(gate, 3);
      expect(gate.hasRoom()).to.equal(false);
      expect(gate.bufferedRecords()).to.equal(3);
      gate.flushAll();
      await actors.settle();
      expect(consumers[0].messages).to.deep.equal([]);
    });

    it('sends what was granted, in batches of at most batchSize, and keeps the rest', async () => {
      const gate = gateOf([edge({ kind: 'forward' }, 1)], 2);
      emit(gate, 1, 2, 3, 4, 5);
      gate.grant(0, 3);
      await actors.settle();
      expect(actors.take(consumers[0])).to.deep.equal([[batch([1, 2]), batch([3])]]);
      expect(gate.bufferedRecords()).to.equal(2);
      gate.grant(0, 10);
      await actors.settle();
      expect(actors.take(consumers[0])).to.deep.equal([[batch([4, 5])]]);
      expect(gate.recordsOut).to.equal(5);
    });

    it('sends a full batch as soon as it has credit, a partial one only on flushAll', async () => {
      const gate = gateOf([edge({ kind: 'forward' }, 1)], 2);
      gate.grant(0, 10);
      emit(gate, 1, 2, 3);
      await actors.settle();
      expect(actors.take(consumers[0])).to.deep.equal([[batch([1, 2])]]);
      gate.flushAll();
      await actors.settle();
      expect(actors.take(consumers[0])).to.deep.equal([[batch([3])]]);
    });

    it("carries each record's timestamp from the task's record time", async () => {
      const gate = gateOf([edge({ kind: 'forward' }, 1)], 10);
      time.timestamp = 100;
      gate.collect('a');
      time.timestamp = NaN;
      gate.collect('b');
      gate.grant(0, 10);
      await actors.settle();
      expect(consumers[0].messages).to.deep.equal([batch(['a', 'b'], [100, NaN])]);
    });
  });

  describe('events (docs/internals.md, invariant 1)', () => {
    it('sends an event after every record emitted before it, even when those wait for credit', async () => {
      const gate = gateOf([edge({ kind: 'forward' }, 1)], 10);
      emit(gate, 1, 2);
      gate.emitWatermark(50);
      emit(gate, 3);
      gate.emitEvent({ type: 'endOfInput' });
      await actors.settle();
      expect(consumers[0].messages).to.deep.equal([]);
      gate.grant(0, 1);
      await actors.settle();
      expect(actors.take(consumers[0])).to.deep.equal([[batch([1])]]);
      gate.grant(0, 5);
      await actors.settle();
      expect(actors.take(consumers[0])).to.deep.equal([[batch([2]), { type: 'watermark', channel: 2, watermark: 50 }, batch([3]), { type: 'endOfInput', channel: 2 }]]);
      expect(gate.lastWatermark).to.equal(50);
    });

    it('sends an unaligned barrier ahead of the buffered records, returns copies of them, and still sends them after', async () => {
      const gate = gateOf([edge({ kind: 'forward' }, 1)], 10);
      emit(gate, 1);
      gate.emitIdle();
      emit(gate, 2);
      const overtaken = gate.emitPriorityEvent({ type: 'barrier', id: 4 as CheckpointId });
      expect(overtaken).to.deep.equal([{ records: [1, 2], timestamps: [NaN, NaN] }]);
      await actors.settle();
      expect(actors.take(consumers[0])).to.deep.equal([[barrier(4)]]);
      gate.grant(0, 10);
      await actors.settle();
      expect(actors.take(consumers[0])).to.deep.equal([[batch([1]), { type: 'idle', channel: 2 }, batch([2])]]);
    });

    it('puts restored channel state back in front of what is buffered', async () => {
      const gate = gateOf([edge({ kind: 'forward' }, 1)], 10);
      emit(gate, 3);
      gate.restoreBuffered([{ records: [1, 2], timestamps: [10, 20] }]);
      gate.grant(0, 10);
      await actors.settle();
      expect(consumers[0].messages).to.deep.equal([batch([1, 2, 3], [10, 20, NaN])]);
    });
  });

  describe('partitioning', () => {
    it('rebalances round-robin, starting at the task index', async () => {
      const gate = gateOf([edge({ kind: 'rebalance' }, 3)], 10, 1);
      emit(gate, 1, 2, 3, 4);
      [0, 1, 2].forEach((c) => gate.grant(c, 10));
      gate.flushAll();
      await actors.settle();
      expect(actors.take(...consumers)).to.deep.equal([[batch([3])], [batch([1, 4])], [batch([2])]]);
    });

    it('broadcasts every record to every channel', async () => {
      const gate = gateOf([edge({ kind: 'broadcast' }, 2)], 10);
      emit(gate, 1, 2);
      [0, 1].forEach((c) => gate.grant(c, 10));
      gate.flushAll();
      await actors.settle();
      expect(actors.take(consumers[0], consumers[1])).to.deep.equal([[batch([1, 2])], [batch([1, 2])]]);
    });

    it('sends each key to the instance owning its key group, and a record without key to the first', async () => {
      const gate = gateOf([edge({ kind: 'hash', keySelector: (r) => (r as { k: string }).k }, 3)], 10);
      const keyed = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => ({ k }));
      keyed.forEach((r) => gate.collect(r));
      gate.collect({});
      [0, 1, 2].forEach((c) => gate.grant(c, 10));
      gate.flushAll();
      await actors.settle();
      const expected: unknown[][] = [[], [], []];
      for (const r of keyed) expected[operatorIndexForKeyGroup(keyGroupOf(r.k, 128), 3, 128)].push(r);
      expected[0].push({});
      expect(actors.take(...consumers)).to.deep.equal(expected.map((records) => (records.length === 0 ? [] : [batch(records)])));
    });

    it('routes a side output only to the edges of its tag', async () => {
      const gate = gateOf([edge({ kind: 'forward' }, 1), edge({ kind: 'forward' }, 1, 'late')], 10);
      gate.collect(1);
      gate.collectSide('late', 2);
      gate.collectSide('unknown', 3);
      [0, 1].forEach((c) => gate.grant(c, 10));
      gate.flushAll();
      await actors.settle();
      expect(actors.take(consumers[0], consumers[1])).to.deep.equal([[batch([1])], [batch([2])]]);
      expect(gate.recordsOut, 'side outputs are not counted as records out').to.equal(1);
    });
  });

  it('sends to a restarted consumer what is buffered, once it grants its own credit', async () => {
    const gate = gateOf([edge({ kind: 'forward' }, 1)], 10);
    gate.grant(0, 1);
    emit(gate, 1, 2);
    const successor = actors.recorder<TaskMsg>();
    gate.replaceConsumer(0, successor.ref);
    gate.flushAll();
    await actors.settle();
    expect(actors.take(consumers[0], successor)).to.deep.equal([[], []]);
    gate.grant(0, 5);
    await actors.settle();
    expect(actors.take(consumers[0], successor)).to.deep.equal([[], [batch([1, 2])]]);
  });
});
