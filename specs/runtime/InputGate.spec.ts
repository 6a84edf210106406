import { expect } from 'chai';
import { CheckpointId } from '../../src/checkpoint/CheckpointTypes';
import { InputGate, InputItem } from '../../src/runtime/InputGate';
import { TaskMsg } from '../../src/runtime/protocol';
import { Recorder, Recorders } from '../support/recorders';

const records = (channel: number, ...values: number[]): InputItem => ({ type: 'records', channel, records: values, timestamps: values.map(() => NaN) });
const barrier = (channel: number, id: number): InputItem => ({ type: 'barrier', channel, id: id as CheckpointId });
const end = (channel: number): InputItem => ({ type: 'endOfInput', channel });
const demand = (channel: number, credits: number): TaskMsg => ({ type: 'demand', channel, credits });

describe('runtime/InputGate', () => {
  let actors: Recorders;
  let producers: Recorder<TaskMsg>[];
  /** Two channels; channel 0 is channel 3 at its producer, channel 1 is channel 5 at its. */
  let gate: InputGate;

  beforeEach(() => {
    actors = new Recorders();
    producers = [actors.recorder<TaskMsg>(), actors.recorder<TaskMsg>()];
    gate = new InputGate([3, 5], producers.map((p) => p.ref), 10);
  });
  afterEach(() => actors.stop());

  /** Takes items round-robin until none is ready: [channel, item] in the order taken. */
  const takeAll = (): Array<[number, InputItem]> => {
    const taken: Array<[number, InputItem]> = [];
    for (let c = gate.nextReady(); c >= 0; c = gate.nextReady()) taken.push([c, gate.take(c)]);
    return taken;
  };

  it('grants each producer the channel capacity first, on the producer’s own channel index', async () => {
    gate.grantInitial();
    await actors.settle();
    expect(actors.take(...producers)).to.deep.equal([[demand(3, 10)], [demand(5, 10)]]);
  });

  it('takes items round-robin over the channels, each channel in its order of arrival', () => {
    [records(0, 1), records(0, 2), barrier(0, 7), records(1, 10), records(1, 11)].forEach((i) => gate.receive(i));
    expect(takeAll()).to.deep.equal([
      [0, records(0, 1)],
      [1, records(1, 10)],
      [0, records(0, 2)],
      [1, records(1, 11)],
      [0, barrier(0, 7)],
    ]);
    expect(gate.nextReady()).to.equal(-1);
  });

  it('skips a blocked channel until every channel is unblocked', () => {
    [records(0, 1), records(1, 10), records(0, 2)].forEach((i) => gate.receive(i));
    gate.block(0);
    expect(takeAll()).to.deep.equal([[1, records(1, 10)]]);
    gate.unblockAll();
    expect(takeAll()).to.deep.equal([
      [0, records(0, 1)],
      [0, records(0, 2)],
    ]);
  });

  it('grants back exactly what was consumed, once, and nothing on an ended channel', async () => {
    gate.consumed(0, 4);
    gate.consumed(0, 2);
    gate.consumed(1, 3);
    gate.grantConsumed();
    gate.grantConsumed();
    gate.consumed(1, 5);
    gate.markEnded(1);
    gate.grantConsumed();
    await actors.settle();
    expect(actors.take(...producers)).to.deep.equal([[demand(3, 6)], [demand(5, 3)]]);
  });

  it('knows which channels’ end arrived and which were taken, and when all ended', () => {
    gate.receive(end(1));
    expect([...gate.endArrived]).to.deep.equal([1]);
    expect([...gate.ended]).to.deep.equal([]);
    gate.markEnded(1);
    expect(gate.allEnded()).to.equal(false);
    gate.markEnded(0);
    expect(gate.allEnded()).to.equal(true);
  });

  it('gives a restarted producer credit for what its queue does not hold, none once it stopped running', async () => {
    const successor = actors.recorder<TaskMsg>();
    [records(0, 1, 2, 3), barrier(0, 1), records(0, 4)].forEach((i) => gate.receive(i));
    gate.consumed(0, 2);
    gate.replaceProducer(0, successor.ref, true);
    gate.grantConsumed();
    gate.replaceProducer(1, successor.ref, false);
    await actors.settle();
    expect(actors.take(producers[0], successor)).to.deep.equal([[], [demand(3, 10 - 4)]]);
  });

  it('counts and copies the queued records, per channel, for metrics and unaligned channel state', () => {
    [records(0, 1, 2), barrier(0, 1), records(0, 3), records(1, 9)].forEach((i) => gate.receive(i));
    expect(gate.queuedRecords()).to.equal(4);
    expect(gate.queuedByChannel()).to.deep.equal([
      { records: [1, 2, 3], timestamps: [NaN, NaN, NaN] },
      { records: [9], timestamps: [NaN] },
    ]);
    expect(gate.queuedRecords(), 'the copy leaves the queue as it was').to.equal(4);
  });

  it('refuses an item on a channel it does not have, and producers that do not match its channels', () => {
    expect(() => gate.receive(records(2, 1))).to.throw("input gate: 'records' on channel 2, which does not exist (the task has 2)");
    expect(() => new InputGate([0], [], 1)).to.throw('input gate: 0 producers for 1 input channels');
  });
});
