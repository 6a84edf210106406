import { expect } from 'chai';
import { StreamEnvironment, Supervision } from '../../src';
import { RecordingSink } from '../support/RecordingSink';
import { LEVEL, capturedLog } from '../support/capturedLog';
import { waitFor } from '../support/unhandledRejections';

let jobs = 0;

interface Order {
  readonly id: number;
  readonly amount: number | string;
}

describe('scenario: a poison record under the default restart strategy is visible', function () {
  this.timeout(30_000);

  it('job.failures() lists each failure with operator, instance, record and error, and the log has a line per failure and per restart with its cause', async () => {
    const { logger, lines } = capturedLog('info');
    const env = StreamEnvironment.create({ parallelism: 1, logging: logger });
    // Checkpointing on and no restart strategy: Flink's default, restart (practically) forever, 1 s apart.
    env.enableCheckpointing(3_600_000);
    env
      .fromCollection<Order>([{ id: 1, amount: 10 }, { id: 2, amount: 'ten' }, { id: 3, amount: 30 }])
      .map((o) => {
        if (typeof o.amount !== 'number') throw new Error(`amount of order ${o.id} is not a number`);
        return o.amount;
      })
      .name('parse amount')
      .sinkTo(new RecordingSink<number>());
    const job = env.execute(`poison-${++jobs}`);
    await waitFor(() => job.failures().length >= 2, 'two failures');
    const result = await job.cancel();
    expect(result.status).to.equal('cancelled');

    const failures = job.failures();
    expect(failures.length).to.be.within(2, 3);
    for (const f of failures) {
      expect(f).to.include({ operator: 'parse amount', instance: 0, record: '{"id":2,"amount":"ten"}', action: 'restartJob' });
      expect(f.error.message).to.equal(`user function of operator 'parse amount' (instance 0) failed processing record {"id":2,"amount":"ten"}: amount of order 2 is not a number`);
      expect(f.time).to.be.a('number');
    }
    expect(result.restarts).to.equal(failures.length);

    // Every line carries the job's ids; a task's lines the task's too.
    for (const line of lines) expect(line).to.include({ job: `poison-${jobs}` }).and.to.have.property('jobId');
    const taskFailures = lines.filter((l) => l.level === LEVEL.error && l.msg.startsWith('task failed'));
    expect(taskFailures).to.have.length(failures.length);
    for (const line of taskFailures) {
      expect(line).to.include({ operator: 'Collection Source -> parse amount -> Recording Sink', index: 0, record: '{"id":2,"amount":"ten"}' }).and.to.have.property('task');
      expect((line.error as { cause: { message: string } }).cause.message).to.equal('amount of order 2 is not a number');
    }
    const restarting = lines.filter((l) => l.level === LEVEL.warn && l.action === 'restartJob');
    expect(restarting.map((l) => l.msg)).to.deep.equal(
      failures.map((_, i) => `operator 'parse amount' (instance 0) failed, the job restarts (restart ${i + 1}, in 1000 ms): ${failures[i].error.message}`),
    );
    expect(restarting[0]).to.include({ operator: 'parse amount', instance: 0, record: '{"id":2,"amount":"ten"}', restarts: 1, delayMs: 1000 });
    const restarted = lines.filter((l) => l.msg.startsWith('job restarted'));
    expect(restarted.map((l) => l.msg)).to.deep.equal(failures.slice(0, restarted.length).map((_, i) => `job restarted without a checkpoint (restart ${i + 1})`));
    expect(restarted.length).to.be.within(failures.length - 1, failures.length);
    expect(lines.map((l) => l.msg)).to.include('job cancelled');
  });

  it('under resume, each record sent to the dead letters is logged with its cause', async () => {
    const { logger, lines } = capturedLog('info');
    const env = StreamEnvironment.create({ parallelism: 1, logging: logger });
    env
      .fromCollection<Order>([{ id: 1, amount: 10 }, { id: 2, amount: 'ten' }, { id: 3, amount: 'thirty' }])
      .map((o) => {
        if (typeof o.amount !== 'number') throw new Error(`amount of order ${o.id} is not a number`);
        return o.amount;
      })
      .name('parse amount')
      .withSupervisionStrategy(Supervision.resume())
      .sinkTo(new RecordingSink<number>());
    const result = await env.execute(`resume-${++jobs}`);
    expect(result.counters.operators['parse amount'].deadLetters).to.equal(2);
    const resumed = lines.filter((l) => l.level === LEVEL.warn && l.msg.startsWith('record sent to the dead letters'));
    expect(resumed.map((l) => [l.record, l.msg])).to.deep.equal([
      ['{"id":2,"amount":"ten"}', "record sent to the dead letters of 'parse amount' (supervision resume): amount of order 2 is not a number"],
      ['{"id":3,"amount":"thirty"}', "record sent to the dead letters of 'parse amount' (supervision resume): amount of order 3 is not a number"],
    ]);
  });
});
