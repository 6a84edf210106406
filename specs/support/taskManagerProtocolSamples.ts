/**
 * One value of every kind of the task manager protocol (src/cluster/taskManagerProtocol.ts),
 * nested kinds included, for specs of what carries it. Keyed by kind: a new kind of command or
 * message does not compile until it has its sample here.
 */
import { TaskManagerCommand, TaskManagerMsg } from '../../src/cluster/taskManagerProtocol';

type Of<U extends { type: string }, K extends U['type']> = Extract<U, { type: K }>;

/** A restore as a memory backend's may hold it: typed arrays, a Buffer, a Map, a bigint. */
const restore = {
  checkpointId: 7,
  nodes: {
    counter: [{ index: 0, parallelism: 2, snapshot: { source: { offsets: new BigInt64Array([5n, 9n]), raw: Buffer.from([0, 1, 254, 255]) }, keyed: { keyGroups: { '3': { count: [['k', '1']] } } } } }],
  },
  weights: new Float64Array([0.5, -1.25, Number.MAX_VALUE]),
  bytes: new Uint8Array([1, 2, 3]),
  byKey: new Map<string, bigint>([['a', 2n ** 70n]]),
};

const deploy: Of<TaskManagerCommand, 'taskManager.deploy'> = {
  type: 'taskManager.deploy',
  attempt: 3,
  jobId: 'job-1',
  tasks: [
    { id: 'counter#0', restore },
    { id: 'sink#0', restore: null },
  ],
  checkpointing: 'exactly-once',
  unaligned: false,
  metrics: true,
  keyedState: { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: 'p', incremental: { checkpointIds: 'p:ids' }, cacheSize: 100 },
  outlets: [],
  inlets: [],
};

const toTask = (msg: Of<TaskManagerCommand, 'taskManager.toTask'>['msg']): TaskManagerCommand => ({ type: 'taskManager.toTask', attempt: 3, task: 'counter#0', msg });
const ask = (request: number, question: Of<TaskManagerCommand, 'taskManager.ask'>['question']): TaskManagerCommand => ({ type: 'taskManager.ask', attempt: 3, task: 'counter#0', request, question });

const commandsByKind: { readonly [K in TaskManagerCommand['type']]: readonly Of<TaskManagerCommand, K>[] } = {
  'taskManager.stop': [{ type: 'taskManager.stop' }],
  'taskManager.ping': [{ type: 'taskManager.ping' }],
  'taskManager.deploy': [
    deploy,
    { ...deploy, checkpointing: null, keyedState: { type: 'memory' }, tasks: [] },
    // Between two task managers of one instance: named by the leader, paired by the instance (LocalChannels).
    { ...deploy, epoch: 4, outlets: [{ task: 'counter#0', channel: 1, name: 'counter/0 -> sink/1', local: { key: 'e4-a3-w1-counter#0/1', epoch: 4, attempt: 3 } }] },
  ],
  'taskManager.toTask': [
    toTask({ type: 'checkpoint.trigger', id: 4 }),
    toTask({ type: 'checkpoint.trigger', id: 5, suspend: true }),
    toTask({ type: 'checkpoint.completed', id: 4, final: false }),
    toTask({ type: 'checkpoint.aborted', id: 5 }),
    toTask({ type: 'source.end' }),
    toTask({ type: 'task.crash', reason: 'injected' }),
  ] as Of<TaskManagerCommand, 'taskManager.toTask'>[],
  'taskManager.ask': [ask(1, { type: 'task.report' }), ask(2, { type: 'task.metrics' }), ask(3, { type: 'task.hotKeys', limit: 10 })] as Of<TaskManagerCommand, 'taskManager.ask'>[],
  'taskManager.stopTask': [{ type: 'taskManager.stopTask', attempt: 3, task: 'sink#0' }],
  'taskManager.fromApplication': [{ type: 'taskManager.fromApplication', attempt: 3, task: 'sink#0', uid: 'sink', message: { ack: new Uint32Array([1, 2]) } }],
  'taskManager.restartTask': [{ type: 'taskManager.restartTask', attempt: 3, task: 'counter#0', incarnation: 1, restore, outlets: [], inlets: [] }],
  'taskManager.rebridge': [{ type: 'taskManager.rebridge', attempt: 3, outlets: [], inlets: [] }],
  'taskManager.progressSaved': [
    { type: 'taskManager.progressSaved', request: 8, error: null },
    { type: 'taskManager.progressSaved', request: 9, error: 'the store is read-only' },
  ],
};

const snapshot = { task: 'counter#0', index: 0, parallelism: 2, nodes: { counter: { keyed: { keyGroups: { '3': { count: [['k', '2']] as [string, string][] } } }, source: { offsets: new BigInt64Array([6n]) } } } };

const messagesByKind: { readonly [K in TaskManagerMsg['type']]: readonly Of<TaskManagerMsg, K>[] } = {
  'taskManager.ready': [
    {
      type: 'taskManager.ready',
      index: 1,
      shape: {
        jobName: 'counts',
        maxParallelism: 128,
        batchSize: 64,
        channelCapacity: 8,
        tasks: [
          {
            id: 'counter#0',
            name: 'counter',
            vertex: 1,
            index: 0,
            parallelism: 2,
            source: null,
            chain: [{ uid: 'counter', name: 'counter', keyed: true, sink: false }],
            inputs: [{ task: 'source#0', channel: 0 }],
            outputs: [{ tag: null, partitioning: 'forward', channels: [{ task: 'sink#0', channel: 0 }] }],
          },
        ],
      },
    },
  ],
  'taskManager.pong': [{ type: 'taskManager.pong' }],
  'taskManager.exited': [{ type: 'taskManager.exited', reason: 'task manager 1 exited with code 1' }],
  'taskManager.refused': [{ type: 'taskManager.refused', index: 1, reason: 'importing job.js failed' }],
  'taskManager.toMaster': [
    { type: 'taskManager.toMaster', msg: { type: 'task.drained', report: { task: 'counter#0', attempt: 3, snapshot } } },
    { type: 'taskManager.toMaster', msg: { type: 'task.drained', report: { task: 'sink#0', attempt: 3, snapshot: undefined } } },
    {
      type: 'taskManager.toMaster',
      msg: {
        type: 'task.finished',
        attempt: 3,
        report: { task: 'sink#0', counters: { task: 'sink#0', operators: { sink: { recordsIn: 10, recordsOut: 0, deadLetters: 1 } } }, metrics: { task: 'sink#0', at: 1700000000000, recordsIn: 10, recordsOut: 0, operators: [{ name: 'sink' }] } },
      },
    },
    { type: 'taskManager.toMaster', msg: { type: 'task.failed', attempt: 3, task: 'counter#0', error: { name: 'UserFunctionFailed', message: 'boom', stack: undefined, operatorUid: 'counter' } } },
    { type: 'taskManager.toMaster', msg: { type: 'task.closed', attempt: 3, task: 'sink#0' } },
  ],
  'taskManager.toCoordinator': [
    { type: 'taskManager.toCoordinator', msg: { type: 'checkpoint.ack', id: 4, attempt: 3, task: 'counter#0', snapshot, alignmentMs: 2.5 } },
    { type: 'taskManager.toCoordinator', msg: { type: 'checkpoint.decline', id: 5, attempt: 3, task: 'counter#0', reason: { _tag: 'subsumed', detail: 'checkpoint 6 came first' } } },
  ],
  'taskManager.answer': [
    { type: 'taskManager.answer', request: 1, answer: { hot: new Map([['k', 3]]) } },
    { type: 'taskManager.answer', request: 2, answer: undefined },
  ],
  'taskManager.saveProgress': [{ type: 'taskManager.saveProgress', request: 8, attempt: 3, task: 'source#0', position: { offsets: new BigInt64Array([11n]) } }],
  'taskManager.toApplication': [{ type: 'taskManager.toApplication', attempt: 3, task: 'sink#0', uid: 'sink', message: Buffer.from('rows') }],
  'taskManager.usage': [{ type: 'taskManager.usage', usage: { index: 1, cpuSeconds: null, peakHeapMb: 40.5, peakExternalMb: 2 } }],
};

/** Every command kind, nested kinds too (deploys and restarts carrying typed arrays and Buffers). */
export const everyCommand: readonly TaskManagerCommand[] = Object.values(commandsByKind).flat();
/** Every message kind, nested kinds too. */
export const everyMessage: readonly TaskManagerMsg[] = Object.values(messagesByKind).flat();
