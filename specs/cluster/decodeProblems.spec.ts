import { expect } from 'chai';
import { isLeft } from 'fp-ts/Either';
import * as t from 'io-ts';
import { TaskManagerCommandCodec, TaskManagerMsgCodec } from '../../src/cluster/taskManagerProtocol';
import { decodeProblems } from '../../src/cluster/decodeProblems';

function problems<A>(codec: t.Type<A, unknown>, value: unknown): string[] {
  const decoded = codec.decode(value);
  if (!isLeft(decoded)) throw new Error('the codec took it');
  return decodeProblems(decoded.left);
}

const deploy = { type: 'taskManager.deploy', attempt: 1, jobId: 'j', tasks: [], checkpointing: null, unaligned: false, metrics: false, keyedState: { type: 'memory' }, outlets: [], inlets: [] };

describe('cluster/decodeProblems', () => {
  it('says a value of no kind is none of the kinds there are, at any depth', () => {
    expect(problems(TaskManagerCommandCodec, { type: 'taskManager.toTask', attempt: 1, task: 't', msg: { type: 'nope' } })).to.deep.equal([
      'msg: type "nope" is none of checkpoint.trigger, checkpoint.completed, checkpoint.aborted, source.end, task.crash',
    ]);
    expect(problems(TaskManagerCommandCodec, { ...deploy, keyedState: { type: 'disk' } })).to.deep.equal(['keyedState: type "disk" is none of memory, redis']);
  });

  it('lists every wrong field of the kind the value claims, by path, and nothing of the other kinds', () => {
    expect(
      problems(TaskManagerCommandCodec, { ...deploy, tasks: [{ id: 1, restore: null }], checkpointing: 'x', keyedState: { type: 'redis', url: 'u', keyPrefix: 1, incremental: null, cacheSize: 'a' } }),
    ).to.deep.equal([
      'tasks.0.id: expected string, got 1',
      'checkpointing: expected ("exactly-once" | "at-least-once" | "at-most-once" | null), got "x"',
      'keyedState.keyPrefix: expected string, got 1',
      'keyedState.cacheSize: expected number, got "a"',
    ]);
    expect(problems(TaskManagerCommandCodec, { type: 'taskManager.toTask', attempt: 1, task: 't', msg: { type: 'checkpoint.trigger', id: 'x', suspend: 3 } })).to.deep.equal([
      'msg.id: expected number, got "x"',
      'msg.suspend: expected boolean, got 3',
    ]);
    expect(problems(TaskManagerMsgCodec, { type: 'taskManager.toMaster', msg: { type: 'task.failed', attempt: 1, task: 't', error: { name: 'x' } } })).to.deep.equal([
      'msg.error.message: expected string, got undefined',
    ]);
  });

  it('names a union of plain types once, and cuts long names and values short', () => {
    expect(problems(TaskManagerCommandCodec, { type: 'taskManager.progressSaved', request: 1, error: 3 })).to.deep.equal(['error: expected (string | null), got 3']);
    const [notAnObject] = problems(TaskManagerCommandCodec, 'x'.repeat(100));
    expect(notAnObject).to.match(/^the value: expected \(\(?\{ type: "taskManager.stop" \}.{70,100}\.\.\., got "x{76}\.\.\.$/);
  });
});
