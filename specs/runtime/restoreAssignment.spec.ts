import { expect } from 'chai';
import { Either } from 'fp-ts/Either';
import { ChannelState, CheckpointId, CompletedCheckpoint, NodeSnapshot, TaskRestore, TaskSnapshot } from '../../src/checkpoint/CheckpointTypes';
import { nonRestoredState, restoreFor, retiredStateIn, retiredStateRefusal, unnamedRetiredStateIn, withoutRetiredState } from '../../src/runtime/restoreAssignment';
import { Source } from '../../src/graph/Source';
import { ChainedNode, ExecutionPlan, TaskPlan } from '../../src/graph/ExecutionPlan';
import { TaskId } from '../../src/checkpoint/TaskId';
import { NodeId } from '../../src/graph/StreamNode';

let nodeIds = 0;
const node = (uid: string, name = uid): ChainedNode => ({
  id: ++nodeIds as NodeId,
  name,
  uid,
  explicitUid: true,
  factory: undefined,
  keySelector: undefined,
  isSink: false,
  supervision: undefined,
});

/** restoreFor reads only the plan's shape; the source itself is never called. */
const unusedSource = { name: 'unused', parallel: true, createReader: () => expect.fail('createReader called') } as Source<unknown>;

/** A task as buildExecutionPlan makes it: its id is `<vertex>-<index>`. */
function plan(vertex: number, index: number, parallelism: number, chain: ChainedNode[], source?: ChainedNode): TaskPlan {
  const name = (source ?? chain[0]).name;
  return {
    id: `${vertex}-${index}` as TaskId,
    actorName: `task/${name.toLowerCase()}/${index}`,
    vertex,
    name,
    index,
    parallelism,
    source: source === undefined ? undefined : { node: source, source: unusedSource },
    chain,
    inputs: [],
    outputs: [],
  };
}

const keyed = (tag: string): NodeSnapshot => ({ keyed: { keyGroups: { '3': { count: [[`"${tag}"`, '1']] } } } });
const operator = (tag: string): NodeSnapshot => ({ operator: { lists: { buffer: [tag] } } });
const position = (offset: number): NodeSnapshot => ({ source: offset });

const taskSnapshot = (vertex: number, index: number, parallelism: number, nodes: Record<string, NodeSnapshot>, channels?: ChannelState): TaskSnapshot => ({
  task: `${vertex}-${index}`,
  index,
  parallelism,
  nodes,
  ...(channels === undefined ? {} : { channels }),
});

const completed = (id: number, tasks: TaskSnapshot[]): CompletedCheckpoint => ({ jobId: 'restore-spec', id: id as CheckpointId, timestamp: 0, tasks });

function expectRight(e: Either<string, TaskRestore>): TaskRestore {
  if (e._tag !== 'Right') return expect.fail(`expected a restore, got: ${e.left}`);
  return e.right;
}

function expectLeft(e: Either<string, TaskRestore>): string {
  if (e._tag !== 'Left') return expect.fail(`expected a refusal, got a restore: ${JSON.stringify(e.right)}`);
  return e.left;
}

describe('runtime/restoreAssignment', () => {
  describe('restoreFor', () => {
    // The job: numbers (source, vertex 0, parallelism 2) → parse, chained; count (keyed, vertex 1, parallelism 3).
    const source = node('numbers-uid', 'Numbers');
    const parse = node('parse-uid', 'Parse');
    const count = node('count-uid', 'Count');
    const checkpoint = completed(12, [
      taskSnapshot(0, 0, 2, { 'numbers-uid': position(40), 'parse-uid': operator('p0') }),
      taskSnapshot(0, 1, 2, { 'numbers-uid': position(41), 'parse-uid': operator('p1') }),
      taskSnapshot(1, 0, 3, { 'count-uid': keyed('c0') }),
      taskSnapshot(1, 1, 3, { 'count-uid': keyed('c1') }),
      taskSnapshot(1, 2, 3, { 'count-uid': keyed('c2') }),
    ]);
    const allCounts = [0, 1, 2].map((i) => ({ index: i, parallelism: 3, snapshot: keyed(`c${i}`) }));

    it("gives a task each of its nodes' snapshots from every former instance, with index and parallelism, and the checkpoint id", () => {
      const restore = expectRight(restoreFor(plan(0, 1, 2, [parse], source), checkpoint));
      expect(restore.checkpointId).to.equal(12);
      expect(restore.nodes).to.deep.equal({
        'numbers-uid': [
          { index: 0, parallelism: 2, snapshot: position(40) },
          { index: 1, parallelism: 2, snapshot: position(41) },
        ],
        'parse-uid': [
          { index: 0, parallelism: 2, snapshot: operator('p0') },
          { index: 1, parallelism: 2, snapshot: operator('p1') },
        ],
      });
      expect(restore.channels, 'an aligned checkpoint has no records in flight').to.equal(undefined);
    });

    it('hands keyed state of all former instances to a rescaled operator (the backend keeps the key groups it owns)', () => {
      for (const index of [0, 1]) {
        expect(expectRight(restoreFor(plan(1, index, 2, [count]), checkpoint)).nodes).to.deep.equal({ 'count-uid': allCounts });
      }
    });

    it('gives only its own nodes: snapshots of other operators are left out', () => {
      expect(Object.keys(expectRight(restoreFor(plan(1, 0, 3, [count]), checkpoint)).nodes)).to.deep.equal(['count-uid']);
    });

    it('gives an empty list for a node the checkpoint does not know (an operator added since)', () => {
      const enrich = node('enrich-uid');
      expect(expectRight(restoreFor(plan(1, 0, 3, [count, enrich]), checkpoint)).nodes).to.deep.equal({
        'count-uid': allCounts,
        'enrich-uid': [],
      });
    });

    it('restores a source that is new in the job with any parallelism', () => {
      const fresh = node('fresh-uid', 'Fresh');
      expect(expectRight(restoreFor(plan(2, 0, 4, [], fresh), checkpoint)).nodes).to.deep.equal({ 'fresh-uid': [] });
    });

    it('refuses a source restored with another parallelism, naming the source, both parallelisms and the checkpoint', () => {
      expect(restoreFor(plan(0, 0, 3, [parse], source), checkpoint)).to.deep.equal({
        _tag: 'Left',
        left:
          "source 'Numbers' ran with parallelism 2 in checkpoint 12 and cannot be restored with parallelism 3; " +
          "keep a source's parallelism when rescaling",
      });
    });

    it('does not mistake a uid named like an Object property for a node of the task', () => {
      // uids are the user's own strings: 'constructor' and 'toString' are as valid as any.
      const odd = completed(3, [
        taskSnapshot(0, 0, 1, { constructor: operator('ctor'), toString: operator('str') }),
        taskSnapshot(1, 0, 1, { 'count-uid': keyed('c0') }),
      ]);
      expect(expectRight(restoreFor(plan(1, 0, 1, [count]), odd)).nodes).to.deep.equal({
        'count-uid': [{ index: 0, parallelism: 1, snapshot: keyed('c0') }],
      });
      expect(expectRight(restoreFor(plan(0, 0, 1, [node('constructor'), node('toString')]), odd)).nodes).to.deep.equal({
        constructor: [{ index: 0, parallelism: 1, snapshot: operator('ctor') }],
        toString: [{ index: 0, parallelism: 1, snapshot: operator('str') }],
      });
    });

    describe('nonRestoredState: state the new job has no operator for', () => {
      const job = (...tasks: TaskPlan[]): ExecutionPlan => ({ jobName: 'restore-spec', maxParallelism: 128, batchSize: 16, channelCapacity: 32, tasks });
      const same = job(plan(0, 0, 2, [parse], source), plan(0, 1, 2, [parse], source), plan(1, 0, 3, [count]));

      it('finds none when every uid with state is in the job', () => {
        expect(nonRestoredState(same, checkpoint, false)).to.deep.equal({ _tag: 'Right', right: [] });
      });

      it('refuses a renamed keyed operator and a renamed operator with list entries, naming both uids', () => {
        const renamed = job(plan(0, 0, 2, [node('parse-v2', 'Parse')], source), plan(1, 0, 3, [node('count-v2', 'Count')]));
        expect(nonRestoredState(renamed, checkpoint, false)).to.deep.equal({
          _tag: 'Left',
          left:
            "checkpoint 12 holds state of operators this job does not have: uid 'count-uid', 'parse-uid'. " +
            'Give the operators back their former uids with .uid(...), or pass allowNonRestoredState: true to StreamEnvironment.create to drop that state',
        });
      });

      it('with allowNonRestoredState, names the uids whose state is dropped', () => {
        const withoutCount = job(plan(0, 0, 2, [parse], source));
        expect(nonRestoredState(withoutCount, checkpoint, true)).to.deep.equal({ _tag: 'Right', right: ['count-uid'] });
      });

      it('lets an operator go whose snapshots hold nothing (a stateless map, an empty list, keyed state without entries)', () => {
        const empty = completed(5, [
          taskSnapshot(0, 0, 1, { 'numbers-uid': position(3), 'map-uid': { operator: { lists: {} } }, 'buffer-uid': { operator: { lists: { buffer: [] } } } }),
          taskSnapshot(1, 0, 1, { 'count-uid': { keyed: { keyGroups: { '4': { count: [] } }, redis: { space: 's', chains: {} } } } }),
        ]);
        expect(nonRestoredState(job(plan(0, 0, 1, [], source)), empty, false)).to.deep.equal({ _tag: 'Right', right: [] });
      });

      it('counts keyed state held in Redis pieces as state', () => {
        const inRedis = completed(6, [taskSnapshot(1, 0, 1, { 'count-uid': { keyed: { keyGroups: {}, redis: { space: 's', chains: { '4': ['6'] } } } } })]);
        expect(nonRestoredState(job(), inRedis, true)).to.deep.equal({ _tag: 'Right', right: ['count-uid'] });
      });
    });

    describe('an unaligned checkpoint, with records in flight', () => {
      /** Records of one channel, without timestamps. */
      const ch = (...records: string[]) => ({ records, timestamps: records.map(() => null) });
      const inFlight = (tag: string): ChannelState => ({ inputs: [ch(`${tag}-in`), ch()], outputs: [ch(`${tag}-out`)] });
      const unaligned = completed(20, [
        taskSnapshot(0, 0, 2, { 'numbers-uid': position(7), 'parse-uid': operator('p0') }, { inputs: [], outputs: [ch('n0'), ch()] }),
        taskSnapshot(0, 1, 2, { 'numbers-uid': position(8), 'parse-uid': operator('p1') }, { inputs: [], outputs: [ch(), ch()] }),
        taskSnapshot(1, 0, 2, { 'count-uid': keyed('c0') }, inFlight('c0')),
        taskSnapshot(1, 1, 2, { 'count-uid': keyed('c1') }, inFlight('c1')),
      ]);

      it('gives each task back the records that were in flight at it, and only those', () => {
        expect(expectRight(restoreFor(plan(1, 1, 2, [count]), unaligned)).channels).to.deep.equal(inFlight('c1'));
        expect(expectRight(restoreFor(plan(0, 0, 2, [parse], source), unaligned)).channels).to.deep.equal({ inputs: [], outputs: [ch('n0'), ch()] });
      });

      it('refuses another parallelism, naming the task and both parallelisms', () => {
        for (const index of [0, 1]) {
          const error = expectLeft(restoreFor(plan(1, index, 3, [count]), unaligned));
          expect(error).to.include('checkpoint 20 is unaligned').and.to.include("'Count'").and.to.include('had 2, now 3');
        }
      });

      it('allows another parallelism when no channel held a record', () => {
        const drained = completed(21, [
          taskSnapshot(1, 0, 2, { 'count-uid': keyed('c0') }, { inputs: [ch(), ch()], outputs: [ch()] }),
          taskSnapshot(1, 1, 2, { 'count-uid': keyed('c1') }, { inputs: [ch(), ch()], outputs: [ch()] }),
        ]);
        expect(expectRight(restoreFor(plan(1, 0, 3, [count]), drained)).nodes['count-uid']).to.have.lengthOf(2);
      });

      it('gives the records in flight to the task running the same operators when an operator added before it changed task ids', () => {
        // The new job has a filter in vertex 1: count moved to vertex 2, and task id 1-0 is the filter's now.
        const filter = node('filter-uid', 'Filter');
        expect(expectRight(restoreFor(plan(2, 0, 2, [count]), unaligned)).channels, 'count keeps its records').to.deep.equal(inFlight('c0'));
        expect(expectRight(restoreFor(plan(1, 0, 2, [filter]), unaligned)).channels, "the filter gets none of count's").to.equal(undefined);
      });
    });
  });
});

describe('runtime/restoreAssignment: state of an earlier shape (RetiredState)', () => {
  const retiredState = { names: ['rows'], why: 'rows were whole' };
  const join = { ...node('join', 'Join INNER'), retiredState };
  const job: ExecutionPlan = { jobName: 'restore-spec', maxParallelism: 128, batchSize: 16, channelCapacity: 32, tasks: [plan(0, 0, 2, [join]), plan(0, 1, 2, [join])] };
  const rows = (name: string, kg: string): NodeSnapshot => ({ keyed: { keyGroups: { [kg]: { [name]: [['"k"', '[1]']] } } } });

  it('finds entries under a retired name in a full copy or in a delta, once per operator', () => {
    const inDelta: NodeSnapshot = { keyed: { keyGroups: {}, increments: [{ keyGroups: { '5': { rows: [['"k"', '[1]']] } }, removed: {} }] } };
    const checkpoint = completed(4, [taskSnapshot(0, 0, 2, { join: rows('rows', '3') }), taskSnapshot(0, 1, 2, { join: inDelta })]);
    const found = retiredStateIn(job, checkpoint);
    expect(found.map((f) => [f.node.uid, f.names])).to.deep.equal([['join', ['rows']]]);
    expect(retiredStateRefusal(checkpoint, found)).to.equal(
      "checkpoint 4 cannot be restored: operator 'Join INNER' (uid 'join') holds state 'rows' of an earlier shape: rows were whole. " +
        'Start the job afresh (without restoreFrom and without its former checkpoints), or pass allowNonRestoredState: true to StreamEnvironment.create to drop that state (those operators then start empty)',
    );
  });

  it('finds nothing where the names hold no entries, or only the current names do', () => {
    const empty: NodeSnapshot = { keyed: { keyGroups: { '3': { rows: [] } } } };
    expect(retiredStateIn(job, completed(4, [taskSnapshot(0, 0, 2, { join: empty }), taskSnapshot(0, 1, 2, { join: rows('rows-kept', '3') })]))).to.deep.equal([]);
  });

  it('drops only the retired names, from full copies and deltas, when allowed', () => {
    const both: NodeSnapshot = {
      keyed: {
        keyGroups: { '3': { rows: [['"k"', '[1]']], 'rows-kept': [['"k"', '[2]']] } },
        increments: [{ keyGroups: { '3': { rows: [['"j"', '[1]']] } }, removed: { '3': { rows: ['"k"'], 'rows-kept': ['"j"'] } } }],
      },
    };
    const checkpoint = completed(4, [taskSnapshot(0, 0, 2, { join: both, other: rows('rows', '7') })]);
    const stripped = withoutRetiredState(checkpoint, retiredStateIn(job, checkpoint));
    expect(stripped.tasks[0].nodes.join).to.deep.equal({
      keyed: { keyGroups: { '3': { 'rows-kept': [['"k"', '[2]']] } }, increments: [{ keyGroups: { '3': {} }, removed: { '3': { 'rows-kept': ['"j"'] } } }] },
    });
    expect(stripped.tasks[0].nodes.other, "another operator's state of that name is its own").to.deep.equal(rows('rows', '7'));
    expect(retiredStateIn(job, stripped)).to.deep.equal([]);
  });

  describe('a Redis incremental checkpoint, whose chains hold the entries in Redis', () => {
    const inRedis = (states?: string[]): NodeSnapshot => ({ keyed: { keyGroups: {}, redis: { space: 's', chains: { '3': ['4'] }, ...(states === undefined ? {} : { states }) } } });

    it('finds a retired name among the states it says its chains hold', () => {
      const checkpoint = completed(4, [taskSnapshot(0, 0, 2, { join: inRedis(['rows-kept']) }), taskSnapshot(0, 1, 2, { join: inRedis(['rows', 'rows-kept']) })]);
      expect(retiredStateIn(job, checkpoint).map((f) => [f.node.uid, f.names])).to.deep.equal([['join', ['rows']]]);
    });

    it('sees nothing in one taken before checkpoints named their states (its states are unknown)', () => {
      expect(retiredStateIn(job, completed(4, [taskSnapshot(0, 0, 2, { join: inRedis() })]))).to.deep.equal([]);
    });

    it('when allowed, keeps its chains and tells the restore to delete the retired states from the hashes it rebuilds', () => {
      const checkpoint = completed(4, [taskSnapshot(0, 0, 2, { join: inRedis(['rows', 'rows-kept']), other: inRedis(['rows']) })]);
      const stripped = withoutRetiredState(checkpoint, retiredStateIn(job, checkpoint));
      expect(stripped.tasks[0].nodes.join).to.deep.equal({ keyed: { keyGroups: {}, redis: { space: 's', chains: { '3': ['4'] }, states: ['rows-kept'], dropOnRestore: ['rows'] } } });
      expect(stripped.tasks[0].nodes.other, "another operator's state of that name is its own").to.deep.equal(inRedis(['rows']));
      expect(retiredStateIn(job, stripped)).to.deep.equal([]);
    });

    it('of one taken before, tells each operator with retired names, all of them, for a restore allowed to drop them anyway', () => {
      const before = completed(4, [taskSnapshot(0, 0, 2, { join: inRedis(), other: inRedis() }), taskSnapshot(0, 1, 2, { join: { keyed: { keyGroups: {}, redis: { space: 's', chains: {} } } } })]);
      const unnamed = unnamedRetiredStateIn(job, before);
      expect(unnamed.map((f) => [f.node.uid, f.names])).to.deep.equal([['join', ['rows']]]);
      expect(withoutRetiredState(before, unnamed).tasks[0].nodes.join).to.deep.equal({ keyed: { keyGroups: {}, redis: { space: 's', chains: { '3': ['4'] }, dropOnRestore: ['rows'] } } });
      expect(unnamedRetiredStateIn(job, completed(4, [taskSnapshot(0, 0, 2, { join: inRedis(['rows-kept']) })])), 'a handle that names its states').to.deep.equal([]);
    });
  });
});
