import { expect } from 'chai';
import pino from 'pino';
import { Writable } from 'stream';
import { logTaskFailure } from '../../src/runtime/taskFailureLine';
import { UserFunctionFailed } from '../../src/runtime/UserFunctionFailed';
import { FencedStateWriteError } from '../../src/state/redisFencing';

/** A logger whose lines land in `lines`, parsed. */
function capturing(): { logger: pino.Logger; lines: Array<{ level: number; msg: string; record?: string }> } {
  const lines: Array<{ level: number; msg: string; record?: string }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

const WARN = 40;
const ERROR = 50;
const fenced = () => new FencedStateWriteError('redis://127.0.0.1:6379', 3, 4, new Error('EPOCH'));

describe('a task\'s line about its failure', () => {
  it('is an error with the record when a user function failed on one', async () => {
    const { logger, lines } = capturing();
    logTaskFailure(logger, new UserFunctionFailed('Count', 1, { id: 7 }, new Error('boom')), 'while running');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.level, l.msg.startsWith("task failed while running: user function of operator 'Count' (instance 1)")])).to.deep.equal([[ERROR, true]]);
    expect(lines[0].record).to.equal('{"id":7}');
  });

  it('is a warning when Redis refused a write of an older assignment, directly or inside a user function', async () => {
    const { logger, lines } = capturing();
    logTaskFailure(logger, fenced(), 'while running');
    logTaskFailure(logger, new UserFunctionFailed('Count', 0, { id: 8 }, fenced()), 'while running');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => l.level)).to.deep.equal([WARN, WARN]);
    expect(lines.every((l) => l.msg.startsWith('task failed while running, fenced by a newer assignment: ') && l.msg.includes('epoch 3'))).to.equal(true);
  });

  it('never throws when the application\'s logger does', () => {
    const throwing = { warn: () => { throw new Error('logger down'); }, error: () => { throw new Error('logger down'); } } as unknown as pino.Logger;
    expect(() => logTaskFailure(throwing, new Error('x'), 'while closing')).not.to.throw();
    expect(() => logTaskFailure(throwing, fenced(), 'while closing')).not.to.throw();
  });
});
