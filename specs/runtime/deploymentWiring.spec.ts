import { expect } from 'chai';
import { ExecutionPlan } from '../../src/graph/ExecutionPlan';
import { TaskId } from '../../src/checkpoint/TaskId';
import { deploymentWiring } from '../../src/runtime/deploymentWiring';
import { twoKeyedStagesPlan } from '../support/twoKeyedStagesPlan';

/** 0-0, 0-1 (Generator Source) -> 1-0, 1-1 (Double) -> 2-0 (Recording Sink). */
const plan = (): ExecutionPlan => twoKeyedStagesPlan('wiring');

/** Refs named after their task, and after its incarnation once restarted. */
const refs = (p: ExecutionPlan, renamed: Record<string, string> = {}) => new Map(p.tasks.map((t) => [t.id, renamed[t.id] ?? `ref ${t.id}`]));

describe('runtime/deploymentWiring', () => {
  it('wires every task of a new attempt, in plan order, with its peers by input and by output channel', () => {
    const p = plan();
    expect(p.tasks.map((t) => `${t.id} ${t.name}`)).to.deep.equal(['0-0 Generator Source', '0-1 Generator Source', '1-0 Double', '1-1 Double', '2-0 Recording Sink']);
    expect(deploymentWiring(p, refs(p))).to.deep.equal([
      { to: 'ref 0-0', msg: { type: 'task.wire', inputs: [], outputs: ['ref 1-0', 'ref 1-1'] } },
      { to: 'ref 0-1', msg: { type: 'task.wire', inputs: [], outputs: ['ref 1-0', 'ref 1-1'] } },
      { to: 'ref 1-0', msg: { type: 'task.wire', inputs: ['ref 0-0', 'ref 0-1'], outputs: ['ref 2-0'] } },
      { to: 'ref 1-1', msg: { type: 'task.wire', inputs: ['ref 0-0', 'ref 0-1'], outputs: ['ref 2-0'] } },
      { to: 'ref 2-0', msg: { type: 'task.wire', inputs: ['ref 1-0', 'ref 1-1'], outputs: [] } },
    ]);
  });

  it('for a task restarted alone, tells each peer of its successor on the channel they share, then wires the successor', () => {
    const p = plan();
    const successor = 'ref 1-1 (incarnation 1)';
    expect(deploymentWiring(p, refs(p, { '1-1': successor }), '1-1' as TaskId)).to.deep.equal([
      // Each source sends to 1-1 on its output channel 1; the sink receives from it on its input channel 1.
      { to: 'ref 0-0', msg: { type: 'task.peerReplaced', side: 'output', channel: 1, ref: successor } },
      { to: 'ref 0-1', msg: { type: 'task.peerReplaced', side: 'output', channel: 1, ref: successor } },
      { to: 'ref 2-0', msg: { type: 'task.peerReplaced', side: 'input', channel: 1, ref: successor } },
      { to: successor, msg: { type: 'task.wire', inputs: ['ref 0-0', 'ref 0-1'], outputs: ['ref 2-0'] } },
    ]);
  });

  it('for a source restarted alone, tells only its consumers', () => {
    const p = plan();
    expect(deploymentWiring(p, refs(p), '0-0' as TaskId).map((w) => `${w.to}: ${w.msg.type}${w.msg.type === 'task.peerReplaced' ? ` ${w.msg.side} ${w.msg.channel}` : ''}`)).to.deep.equal([
      'ref 1-0: task.peerReplaced input 0',
      'ref 1-1: task.peerReplaced input 0',
      'ref 0-0: task.wire',
    ]);
  });

  it('refuses a plan task without a ref, and a replaced task the plan lacks, saying which', () => {
    const p = plan();
    const missing = refs(p);
    missing.delete('2-0' as TaskId);
    expect(() => deploymentWiring(p, missing)).to.throw('task 2-0 of the plan has no deployed actor: deploy every task before wiring');
    expect(() => deploymentWiring(p, refs(p), '9-9' as TaskId)).to.throw("task 9-9 is not in the plan of job 'wiring'");
  });
});
