import { expect } from 'chai';
import { StreamEnvironment, UserFunctionFailed } from '../../src';
import { RecordingSink } from '../support/RecordingSink';
import { failureOf } from '../support/failureOf';

describe('scenario: a user function throws', () => {
  it('fails the job with an error naming the operator, the instance and the record', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    env
      .fromGenerator(100, (i) => ({ id: i }))
      .map((r) => {
        if (r.id === 13) throw new Error('unlucky record');
        return r;
      })
      .name('explode')
      .sinkTo(new RecordingSink());
    const error = await failureOf(env.execute('failing'));
    expect(error).to.be.instanceOf(UserFunctionFailed);
    const failed = error as UserFunctionFailed;
    expect(failed.operator).to.equal('explode');
    // Generator instance 1 of 2 produces the odd indices, and the map is chained to it.
    expect(failed.instance).to.equal(1);
    expect(failed.record).to.deep.equal({ id: 13 });
    expect(failed.message).to.equal(`user function of operator 'explode' (instance 1) failed processing record {"id":13}: unlucky record`);
    expect((failed.cause as Error).message).to.equal('unlucky record');
  });

  it('names the keyed operator when a keyed function throws', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const job = env
      .fromCollection(['a', 'b', 'boom', 'c'])
      .keyBy((s) => s)
      .reduce(() => {
        throw new Error('never reduces');
      })
      .name('reducer')
      .map((s) => {
        if (s === 'boom') throw new Error('boom record');
        return s;
      })
      .name('after')
      .executeAndCollect();
    const error = (await failureOf(job)) as UserFunctionFailed;
    expect(error.operator).to.equal('after');
    expect(error.record).to.equal('boom');
  });

  it('fails the job when a source generator throws, naming the source', async () => {
    const env = StreamEnvironment.create();
    env
      .fromGenerator(10, (i) => {
        if (i === 5) throw new Error('generator broke');
        return i;
      })
      .name('numbers')
      .sinkTo(new RecordingSink());
    const error = (await failureOf(env.execute('source fails'))) as UserFunctionFailed;
    expect(error).to.be.instanceOf(UserFunctionFailed);
    expect(error.operator).to.equal('numbers');
    expect(error.message).to.include('generator broke');
  });

  it('fails the job when open throws, before any record', async () => {
    const env = StreamEnvironment.create();
    env
      .fromCollection([1])
      .map({
        open() {
          throw new Error('cannot open');
        },
        map: (n: number) => n,
      })
      .name('opener')
      .sinkTo(new RecordingSink());
    const error = (await failureOf(env.execute('open fails'))) as UserFunctionFailed;
    expect(error.operator).to.equal('opener');
    expect(error.message).to.equal(`user function of operator 'opener' (instance 0) failed opening: cannot open`);
  });
});
