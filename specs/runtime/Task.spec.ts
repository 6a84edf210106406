import { expect } from 'chai';
import { dispatch } from 'nact';
import pino from 'pino';
import { CheckpointId, CheckpointingMode, TaskSnapshot } from '../../src/checkpoint/CheckpointTypes';
import { CoordinatorMsg, CoordinatorRef } from '../../src/checkpoint/coordinatorProtocol';
import { CollectionSource } from '../../src/connectors/CollectionSource';
import { ChainedNode, ExecutionPlan, TaskPlan } from '../../src/graph/ExecutionPlan';
import { TaskId } from '../../src/checkpoint/TaskId';
import { NodeId } from '../../src/graph/StreamNode';
import { Output, StreamOperator } from '../../src/graph/StreamOperator';
import { MasterMsg, MasterRef, TaskMsg, TaskRef } from '../../src/runtime/protocol';
import { TaskDeps } from '../../src/runtime/TaskDeps';
import { spawnTask } from '../../src/runtime/taskActor';
import { MemoryKeyedStateBackend } from '../../src/state/MemoryKeyedStateBackend';
import { OperatorStateStore } from '../../src/state/OperatorStateStore';
import { Recorder, Recorders } from '../support/recorders';

// --- a task between recording peers: producers, one consumer, the master, the coordinator -----

const cid = (n: number) => n as CheckpointId;
const TASK = 'times-ten#0' as TaskId;
/** The consumer's input channel this task writes to, and the producers' output channels. */
const DOWN_CHANNEL = 1;
const UP_CHANNEL = 0;

/** Multiplies by ten; its operator state store stays empty. */
const timesTen: ChainedNode = {
  id: 1 as NodeId,
  name: 'times ten',
  uid: 'times-ten',
  explicitUid: true,
  factory: (): StreamOperator<number, number> => {
    let out: Output<number> | undefined;
    return {
      open: (_ctx, output) => void (out = output),
      processElement: (x) => out?.collect(x * 10),
    };
  },
  keySelector: undefined,
  isSink: false,
  supervision: undefined,
};

interface Setup {
  readonly inputs: number;
  readonly checkpointing: CheckpointingMode | undefined;
  readonly unaligned?: boolean;
  readonly source?: readonly number[];
}

function planOf(setup: Setup): { plan: ExecutionPlan; task: TaskPlan } {
  const sourceNode: ChainedNode = { ...timesTen, id: 0 as NodeId, name: 'numbers', uid: 'numbers', factory: undefined };
  const task: TaskPlan = {
    id: TASK,
    actorName: `times-ten-${Math.random().toString(36).slice(2, 8)}`,
    vertex: 0,
    name: 'times ten',
    index: 0,
    parallelism: 1,
    source: setup.source === undefined ? undefined : { node: sourceNode, source: new CollectionSource(setup.source) },
    chain: [timesTen],
    inputs: Array.from({ length: setup.inputs }, (_, c) => ({ task: `up#${c}` as TaskId, channel: UP_CHANNEL })),
    outputs: [{ tag: undefined, partitioning: { kind: 'forward' }, keyedConsumer: false, channels: [{ task: 'down#0' as TaskId, channel: DOWN_CHANNEL }] }],
  };
  return { plan: { jobName: 'spec', maxParallelism: 128, batchSize: 4, channelCapacity: 8, tasks: [task] }, task };
}

function depsOf(setup: Setup, master: MasterRef, coordinator: CoordinatorRef | undefined): TaskDeps {
  const { plan, task } = planOf(setup);
  return {
    plan,
    task,
    attempt: 0,
    incarnation: 0,
    master,
    coordinator: setup.checkpointing === undefined ? undefined : coordinator,
    checkpointing: setup.checkpointing,
    unaligned: setup.unaligned ?? false,
    restore: undefined,
    createKeyedStateBackend: (range, maxParallelism) => new MemoryKeyedStateBackend(range, maxParallelism),
    logger: pino({ level: 'silent' }),
    saveSourceProgress: undefined,
  };
}

// What the peers see, as the task sends it.
const records = (...values: number[]): TaskMsg => ({ type: 'records', channel: DOWN_CHANNEL, records: values, timestamps: values.map(() => NaN) });
const watermark = (w: number): TaskMsg => ({ type: 'watermark', channel: DOWN_CHANNEL, watermark: w });
const barrier = (id: number): TaskMsg => ({ type: 'barrier', channel: DOWN_CHANNEL, id: cid(id) });
const endOfInput: TaskMsg = { type: 'endOfInput', channel: DOWN_CHANNEL };
const credit = (credits: number): TaskMsg => ({ type: 'demand', channel: UP_CHANNEL, credits });

// What the producers send the task, on its input channel `c`.
const input = {
  records: (c: number, ...values: number[]): TaskMsg => ({ type: 'records', channel: c, records: values, timestamps: values.map(() => NaN) }),
  watermark: (c: number, w: number): TaskMsg => ({ type: 'watermark', channel: c, watermark: w }),
  barrier: (c: number, id: number): TaskMsg => ({ type: 'barrier', channel: c, id: cid(id) }),
  end: (c: number): TaskMsg => ({ type: 'endOfInput', channel: c }),
};

/** The task's snapshot: only its operator's (empty) store, plus what a test adds. */
const snapshotOf = (extra: Partial<TaskSnapshot> & { source?: unknown } = {}): TaskSnapshot => {
  const { source, ...rest } = extra;
  return {
    task: TASK,
    index: 0,
    parallelism: 1,
    nodes: { 'times-ten': { operator: new OperatorStateStore().snapshot() }, ...(source === undefined ? {} : { numbers: { source } }) },
    ...rest,
  };
};

describe('runtime/Task (driven by recording peers)', () => {
  let actors: Recorders;
  let producers: Recorder<TaskMsg>[];
  let consumer: Recorder<TaskMsg>;
  let master: Recorder<MasterMsg>;
  let coordinator: Recorder<CoordinatorMsg>;
  let task: TaskRef;

  afterEach(() => actors.stop());

  async function deploy(setup: Setup): Promise<void> {
    actors = new Recorders();
    producers = Array.from({ length: setup.inputs }, () => actors.recorder<TaskMsg>());
    consumer = actors.recorder<TaskMsg>();
    master = actors.recorder<MasterMsg>();
    coordinator = actors.recorder<CoordinatorMsg>();
    task = spawnTask(actors.system, depsOf(setup, master.ref, coordinator.ref));
    send({ type: 'task.wire', inputs: producers.map((p) => p.ref), outputs: [consumer.ref] });
    await actors.settle();
  }

  const send = (...msgs: TaskMsg[]) => msgs.forEach((m) => dispatch(task, m));
  /** Sends, lets everything arrive, and takes what each peer got: producers first, then consumer, master, coordinator. */
  async function step(...msgs: TaskMsg[]): Promise<unknown[][]> {
    send(...msgs);
    await actors.settle();
    return actors.take(...producers, consumer, master, coordinator);
  }

  /** An ack with its alignment time checked apart, as it is measured on the clock. */
  function expectAck(message: unknown, id: number, snapshot: TaskSnapshot): void {
    const { alignmentMs, ...rest } = message as { alignmentMs: number };
    expect(rest).to.deep.equal({ type: 'checkpoint.ack', id, attempt: 0, task: TASK, snapshot });
    expect(alignmentMs).to.be.a('number').and.at.least(0);
  }

  describe('exactly-once, aligned, two input channels', () => {
    beforeEach(() => deploy({ inputs: 2, checkpointing: 'exactly-once' }));

    it('grants each producer the channel capacity once wired, and sends nothing before its consumer grants credit', async () => {
      expect(actors.take(...producers, consumer, master, coordinator)).to.deep.equal([[credit(8)], [credit(8)], [], [], []]);
      expect(await step(input.records(0, 1, 2))).to.deep.equal([[credit(2)], [], [], [], []]);
      expect(await step({ type: 'demand', channel: 0, credits: 100 })).to.deep.equal([[], [], [records(10, 20)], [], []]);
    });

    it('holds a channel that delivered the barrier until both did, then acknowledges, forwards the barrier and takes the held input', async () => {
      await step({ type: 'demand', channel: 0, credits: 100 });
      expect(await step(input.records(0, 1, 2))).to.deep.equal([[credit(2)], [], [records(10, 20)], [], []]);
      expect(await step(input.barrier(0, 1), input.records(0, 3))).to.deep.equal([[], [], [], [], []]);
      expect(await step(input.records(1, 5))).to.deep.equal([[], [credit(1)], [records(50)], [], []]);
      const [up0, up1, down, toMaster, toCoordinator] = await step(input.barrier(1, 1));
      expect([up0, up1, down, toMaster]).to.deep.equal([[credit(1)], [], [barrier(1), records(30)], []]);
      expect(toCoordinator).to.have.length(1);
      expectAck(toCoordinator[0], 1, snapshotOf());
    });

    it('sends on the minimum watermark over its channels, then the end of time and end of input, and finishes on the final checkpoint', async () => {
      await step({ type: 'demand', channel: 0, credits: 100 });
      expect(await step(input.watermark(0, 100))).to.deep.equal([[], [], [], [], []]);
      expect(await step(input.watermark(1, 50))).to.deep.equal([[], [], [watermark(50)], [], []]);
      expect(await step(input.end(0))).to.deep.equal([[], [], [], [], []]);
      expect(await step(input.end(1))).to.deep.equal([
        [],
        [],
        [watermark(Infinity), endOfInput],
        [{ type: 'task.drained', report: { task: TASK, attempt: 0, snapshot: snapshotOf() } }],
        [],
      ]);
      const [, , down, toMaster] = await step({ type: 'checkpoint.completed', id: cid(3), final: true });
      expect(down).to.deep.equal([]);
      expect(toMaster).to.have.length(1);
      const finished = toMaster[0] as Extract<MasterMsg, { type: 'task.finished' }>;
      expect(finished.type).to.equal('task.finished');
      expect(finished.report.counters).to.deep.equal({ task: TASK, operators: { 'times ten': { recordsIn: 0, recordsOut: 0 } } });
      expect(finished.report.metrics.inputWatermark).to.equal(Infinity);
    });

    it('declines a checkpoint a newer barrier subsumed, and forwards its cancellation once', async () => {
      await step({ type: 'demand', channel: 0, credits: 100 });
      await step(input.barrier(0, 1));
      const [, , down, , toCoordinator] = await step(input.barrier(1, 2));
      expect(toCoordinator).to.deep.equal([{ type: 'checkpoint.decline', id: 1, attempt: 0, task: TASK, reason: { _tag: 'subsumed', detail: 'subsumed by a newer checkpoint before it was aligned' } }]);
      expect(down).to.deep.equal([{ type: 'barrier.cancel', channel: DOWN_CHANNEL, id: 1 }]);
      expect(await step({ type: 'barrier.cancel', channel: 0, id: cid(1) })).to.deep.equal([[], [], [], [], []]);
    });
  });

  describe('exactly-once, unaligned, two input channels', () => {
    beforeEach(() => deploy({ inputs: 2, checkpointing: 'exactly-once', unaligned: true }));

    it('sends the barrier ahead of the buffered output and acknowledges with the overtaken records and the input owed to the checkpoint', async () => {
      actors.take(...producers);
      // No credit downstream: a full batch stays in the gate, and the next batch waits at the input.
      expect(await step(input.records(0, 1, 2, 3, 4), input.records(0, 5))).to.deep.equal([[credit(4)], [], [], [], []]);
      expect(await step(input.barrier(1, 1))).to.deep.equal([[], [], [barrier(1)], [], []]);
      expect(await step(input.records(0, 6), input.records(1, 7))).to.deep.equal([[], [], [], [], []]);
      const [, , down, , toCoordinator] = await step(input.barrier(0, 1));
      expect(down).to.deep.equal([]);
      const channels = {
        inputs: [
          { records: [5, 6], timestamps: [null, null] },
          { records: [], timestamps: [] },
        ],
        outputs: [{ records: [10, 20, 30, 40], timestamps: [null, null, null, null] }],
      };
      expect(toCoordinator).to.deep.equal([{ type: 'checkpoint.ack', id: 1, attempt: 0, task: TASK, snapshot: snapshotOf({ channels }), alignmentMs: 0 }]);
      expect(await step({ type: 'demand', channel: 0, credits: 100 })).to.deep.equal([[credit(2)], [credit(1)], [records(10, 20, 30, 40), records(70, 50, 60)], [], []]);
    });

    it('drops the pending checkpoint when it is aborted, and forwards the cancellation', async () => {
      await step(input.barrier(1, 1));
      const [, , down, , toCoordinator] = await step({ type: 'checkpoint.aborted', id: cid(1) });
      expect(down).to.deep.equal([{ type: 'barrier.cancel', channel: DOWN_CHANNEL, id: 1 }]);
      expect(toCoordinator).to.deep.equal([]);
      expect(await step(input.barrier(0, 1))).to.deep.equal([[], [], [], [], []]);
    });
  });

  describe('a source task', () => {
    beforeEach(() => deploy({ inputs: 0, checkpointing: 'exactly-once', source: [1, 2, 3, 4, 5, 6] }));

    it('reads while its consumer has credit, puts the barrier between the records read before and after, and ends its input', async () => {
      // The first read filled the gate: one batch waits for credit.
      expect(actors.take(consumer, master, coordinator)).to.deep.equal([[], [], []]);
      const [down, , toCoordinator] = (await step({ type: 'checkpoint.trigger', id: cid(1) })).slice(-3);
      expect(down).to.deep.equal([]);
      expect(toCoordinator).to.deep.equal([{ type: 'checkpoint.ack', id: 1, attempt: 0, task: TASK, snapshot: snapshotOf({ source: 4 }), alignmentMs: 0 }]);
      const [afterCredit, toMaster] = (await step({ type: 'demand', channel: 0, credits: 100 })).slice(-3, -1);
      expect(afterCredit).to.deep.equal([records(10, 20, 30, 40), barrier(1), records(50, 60), watermark(Infinity), endOfInput]);
      expect(toMaster).to.deep.equal([{ type: 'task.drained', report: { task: TASK, attempt: 0, snapshot: snapshotOf({ source: 6 }) } }]);
    });

    it('finishes on the final checkpoint, with the counts of its source and its operators', async () => {
      await step({ type: 'demand', channel: 0, credits: 100 });
      const toMaster = (await step({ type: 'checkpoint.completed', id: cid(9), final: true })).slice(-2, -1)[0] as MasterMsg[];
      expect(toMaster.map((m) => m.type)).to.deep.equal(['task.finished']);
      expect((toMaster[0] as Extract<MasterMsg, { type: 'task.finished' }>).report.counters).to.deep.equal({
        task: TASK,
        operators: { 'times ten': { recordsIn: 6, recordsOut: 6 }, numbers: { recordsIn: 0, recordsOut: 6 } },
      });
    });
  });

  describe('without checkpointing', () => {
    beforeEach(() => deploy({ inputs: 1, checkpointing: undefined }));

    it('finishes as soon as its input ended, with its counters', async () => {
      await step({ type: 'demand', channel: 0, credits: 100 }, input.records(0, 1, 2, 3));
      const [, down, toMaster] = await step(input.end(0));
      expect(down).to.deep.equal([watermark(Infinity), endOfInput]);
      expect(toMaster.map((m) => (m as MasterMsg).type)).to.deep.equal(['task.finished']);
      expect((toMaster[0] as Extract<MasterMsg, { type: 'task.finished' }>).report.counters.operators).to.deep.equal({ 'times ten': { recordsIn: 3, recordsOut: 3 } });
    });
  });

  it('refuses input that arrives before it is wired: the master hears of the failure', async () => {
    actors = new Recorders();
    master = actors.recorder<MasterMsg>();
    task = spawnTask(actors.system, depsOf({ inputs: 1, checkpointing: undefined }, master.ref, undefined));
    dispatch(task, input.records(0, 1));
    await actors.settle();
    const failed = master.messages.find((m) => m.type === 'task.failed') as Extract<MasterMsg, { type: 'task.failed' }>;
    expect(failed.error.message).to.equal(`task '${TASK}' got 'records' before 'task.wire': the job master must wire a task before anything else reaches it`);
    expect(master.messages.map((m) => m.type)).to.deep.equal(['task.failed', 'task.closed']);
  });
});
