import { expect } from 'chai';
import { initialTransition, transition } from 'xstate';
import { CheckpointId, TaskSnapshot } from '../../src/checkpoint/CheckpointTypes';
import { CheckpointLifecycleContext, CheckpointLifecycleEvent, CheckpointStatus, checkpointLifecycle, countsAsFailure } from '../../src/checkpoint/checkpointLifecycle';
import { TaskId } from '../../src/checkpoint/TaskId';

// --- one checkpoint's lifecycle driven event by event: states, answers and effects as values ----

const task = (name: string) => name as TaskId;
const snapshotOf = (name: string): TaskSnapshot => ({ task: name, index: 0, parallelism: 1, nodes: {} });

const ack = (name: string): CheckpointLifecycleEvent => ({ type: 'ack', task: task(name), snapshot: snapshotOf(name) });
const subsumedAt = (name: string): CheckpointLifecycleEvent => ({ type: 'decline', task: task(name), reason: { _tag: 'subsumed', detail: 'subsumed by a newer checkpoint before it was aligned' } });
const failedAt = (name: string): CheckpointLifecycleEvent => ({ type: 'decline', task: task(name), reason: { _tag: 'taskCheckpointFailed', detail: 'the sink could not pre-commit' } });
const timeout: CheckpointLifecycleEvent = { type: 'timeout' };
const persisted: CheckpointLifecycleEvent = { type: 'persisted' };

/** What a step shows: the state, what the last ack was answered, the effects, and why it failed once it did. */
interface Seen {
  readonly status: CheckpointStatus;
  readonly effects: readonly string[];
  readonly lastAck?: CheckpointLifecycleContext['lastAck'];
  readonly failure?: string;
}
type Step = readonly [event: CheckpointLifecycleEvent, seen: Seen];

const effectsOf = (actions: ReadonlyArray<{ type: string }>) => actions.map((a) => a.type).filter((t) => !t.startsWith('xstate.') && t !== 'answer' && t !== 'keepSnapshot' && t !== 'keepFailure');
const failureOf = (context: CheckpointLifecycleContext) =>
  context.failure === undefined ? undefined : `${context.failure.reason}${context.failure.detail ? `: ${context.failure.detail}` : ''}${context.failure.cause ? `: ${context.failure.cause.message}` : ''}`;

/** Triggers checkpoint 7 over `tasks` and plays the steps, checking each; returns the last context. */
function play(tasks: readonly string[], steps: readonly Step[]): CheckpointLifecycleContext {
  let [snapshot, triggered] = initialTransition(checkpointLifecycle, { id: 7 as CheckpointId, startedAt: 1000, expected: new Set(tasks.map(task)), timeoutMs: 600 });
  expect(snapshot.value, 'triggered').to.equal('pending');
  expect(effectsOf(triggered), 'triggered').to.deep.equal(['triggerAtSources', 'armTimeout']);
  steps.forEach(([event, seen], i) => {
    const [next, actions] = transition(checkpointLifecycle, snapshot, event);
    const label = `step ${i}: ${event.type}${event.type === 'ack' || event.type === 'decline' ? ` of ${event.task}` : ''}`;
    const shown: Seen = {
      status: next.value as CheckpointStatus,
      effects: effectsOf(actions),
      ...(seen.lastAck === undefined ? {} : { lastAck: next.context.lastAck }),
      ...(seen.failure === undefined ? {} : { failure: failureOf(next.context) }),
    };
    expect(shown, label).to.deep.equal(seen);
    snapshot = next;
  });
  return snapshot.context;
}

describe('checkpoint/checkpointLifecycle', () => {
  it('is triggered at the sources with its timeout armed, persists once the last task acknowledged, and completes when stored', () => {
    const end = play(['a', 'b', 'c'], [
      /* 0 */ [ack('b'), { status: 'pending', effects: [], lastAck: 'accepted' }],
      /* 1 */ [ack('a'), { status: 'pending', effects: [], lastAck: 'accepted' }],
      /* 2 */ [ack('c'), { status: 'persisting', effects: ['persist'], lastAck: 'accepted' }],
      /* 3 */ [persisted, { status: 'completed', effects: ['completed'] }],
    ]);
    expect([...end.snapshots.keys()]).to.deep.equal(['b', 'a', 'c']);
    expect(end.failure).to.equal(undefined);
  });

  it('answers a duplicate and an unknown task with values that count for nothing, also while persisting', () => {
    const end = play(['a', 'b'], [
      /* 0 */ [ack('a'), { status: 'pending', effects: [], lastAck: 'accepted' }],
      /* 1 */ [ack('a'), { status: 'pending', effects: [], lastAck: 'duplicate' }],
      /* 2 */ [ack('z'), { status: 'pending', effects: [], lastAck: 'unknownTask' }],
      /* 3 */ [ack('b'), { status: 'persisting', effects: ['persist'], lastAck: 'accepted' }],
      /* 4 */ [ack('b'), { status: 'persisting', effects: [], lastAck: 'duplicate' }],
      /* 5 */ [ack('z'), { status: 'persisting', effects: [], lastAck: 'unknownTask' }],
    ]);
    expect([...end.snapshots.keys()]).to.deep.equal(['a', 'b']);
  });

  it('is aborted as declined, a failed checkpoint, when a task could not take its part', () => {
    play(['a', 'b'], [
      /* 0 */ [ack('a'), { status: 'pending', effects: [] }],
      /* 1 */ [failedAt('b'), { status: 'aborted', effects: ['aborted'], failure: 'declined: declined by task b: the sink could not pre-commit' }],
    ]);
    expect(countsAsFailure('declined')).to.equal(true);
  });

  it('is aborted as subsumed, not a failed checkpoint, when a newer barrier reached a task first', () => {
    play(['a', 'b'], [[subsumedAt('a'), { status: 'aborted', effects: ['aborted'], failure: 'subsumed: declined by task a: subsumed by a newer checkpoint before it was aligned' }]]);
    expect(countsAsFailure('subsumed')).to.equal(false);
  });

  it('times out while pending, naming the tasks that did not acknowledge; while persisting it waits for its store', () => {
    play(['a', 'b', 'c'], [
      /* 0 */ [ack('b'), { status: 'pending', effects: [] }],
      /* 1 */ [timeout, { status: 'aborted', effects: ['aborted'], failure: 'timeout: not acknowledged within 600 ms by task(s) a, c' }],
    ]);
    play(['a'], [
      /* 0 */ [ack('a'), { status: 'persisting', effects: ['persist'] }],
      /* 1 */ [timeout, { status: 'persisting', effects: [] }],
      /* 2 */ [persisted, { status: 'completed', effects: ['completed'] }],
    ]);
  });

  it('names at most ten late tasks in a timeout', () => {
    const many = Array.from({ length: 12 }, (_, i) => `t${i}`);
    play(many, [[timeout, { status: 'aborted', effects: ['aborted'], failure: 'timeout: not acknowledged within 600 ms by task(s) t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, … (12 in all)' }]]);
  });

  it('is aborted when its store fails, with the cause', () => {
    play(['a'], [
      /* 0 */ [ack('a'), { status: 'persisting', effects: ['persist'] }],
      /* 1 */ [{ type: 'persistFailed', error: new Error('disk full') }, { status: 'aborted', effects: ['aborted'], failure: 'storeFailed: disk full' }],
    ]);
  });

  it('is aborted as the coordinator says (subsumed by a completed checkpoint, paused for a task failure) and stays so: first reason wins, nothing ends it twice', () => {
    play(['a', 'b'], [
      /* 0 */ [{ type: 'abort', reason: 'subsumed' }, { status: 'aborted', effects: ['aborted'], failure: 'subsumed' }],
      /* 1 */ [{ type: 'abort', reason: 'taskFailure' }, { status: 'aborted', effects: [], failure: 'subsumed' }],
      /* 2 */ [persisted, { status: 'aborted', effects: [], failure: 'subsumed' }],
      /* 3 */ [ack('a'), { status: 'aborted', effects: [] }],
    ]);
    expect(countsAsFailure('taskFailure')).to.equal(false);
    expect(countsAsFailure('jobFinishing')).to.equal(false);
  });

  it('stays completed whatever comes after', () => {
    play(['a'], [
      /* 0 */ [ack('a'), { status: 'persisting', effects: ['persist'] }],
      /* 1 */ [persisted, { status: 'completed', effects: ['completed'] }],
      /* 2 */ [{ type: 'abort', reason: 'subsumed' }, { status: 'completed', effects: [] }],
      /* 3 */ [timeout, { status: 'completed', effects: [] }],
    ]);
  });

  it('persists at once when no task is awaited (the final checkpoint of tasks that all drained)', () => {
    const [snapshot, effects] = initialTransition(checkpointLifecycle, { id: 9 as CheckpointId, startedAt: 0, expected: new Set<TaskId>(), timeoutMs: 600 });
    expect(snapshot.value).to.equal('persisting');
    expect(effectsOf(effects)).to.deep.equal(['triggerAtSources', 'armTimeout', 'persist']);
  });
});
