import { expect } from 'chai';
import { StreamEnvironment } from '../../src';
import { taskNamed } from '../../src/runtime/runJob';
import { RecordingSink } from '../support/RecordingSink';

describe('runtime/runJob', () => {
  describe('taskNamed (the task a fault injection names)', () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    env
      .fromGenerator(10, (i) => i)
      .keyBy((n) => n % 2)
      .map((n) => n)
      .name('Keyed Double')
      .sinkTo(new RecordingSink());
    const plan = env.plan('named');

    it('finds the instance of the first task whose name contains the given text', () => {
      expect(taskNamed(plan, 'Generator', 1)).to.equal('0-1');
      expect(taskNamed(plan, 'Keyed Double', 0)).to.equal('1-0');
    });

    it('refuses a name or instance no task has, listing the task names', () => {
      expect(() => taskNamed(plan, 'Window', 0)).to.throw("no task of job 'named' has instance 0 and a name containing 'Window' (its tasks: 'Generator Source', 'Keyed Double -> Recording Sink')");
      expect(() => taskNamed(plan, 'Generator', 2)).to.throw("no task of job 'named' has instance 2 and a name containing 'Generator'");
    });
  });
});
