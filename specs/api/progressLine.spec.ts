import { expect } from 'chai';
import { CollectSink, StreamEnvironment } from '../../src';
import { clock, progressText, showProgress } from '../../src/api/progressLine';
import { TerminalLine } from '../../src/metrics/terminalLine';

const quiet = { logging: { level: 'silent' as const } };

/** A stream that records what is written, a terminal or not. */
class Recorded {
  readonly writes: string[] = [];
  constructor(readonly isTTY: boolean) {}
  write(text: string): boolean {
    this.writes.push(text);
    return true;
  }
}

/** 20,000 records, a millisecond of work every 100: about 200 ms of run at least. */
function slowJob(checkpointMs: number | undefined) {
  const env = StreamEnvironment.create({ parallelism: 2, ...quiet });
  if (checkpointMs !== undefined) env.enableCheckpointing(checkpointMs);
  env
    .fromGenerator(20_000, (i) => i)
    .name('numbers')
    .map((n) => {
      if (n % 100 === 0) {
        const until = performance.now() + 1;
        while (performance.now() < until);
      }
      return n;
    })
    .sinkTo(new CollectSink<number>());
  return env.execute('progress');
}

describe('api/progressLine', () => {
  it('says the time, the records read with their rate and share, and the checkpoints', () => {
    const base = { jobName: 'orders', elapsedMs: 83_400, recordsRead: 1_234_567, recordsPerSecond: 52_000.4, expectedRecords: undefined, checkpoints: undefined, ended: undefined };
    expect(progressText(base)).to.equal('orders: running 1:23 · 1,234,567 records read, 52,000/s');
    expect(progressText({ ...base, expectedRecords: 10_000_000, checkpoints: 1 })).to.equal('orders: running 1:23 · 1,234,567 records read (12%), 52,000/s · 1 checkpoint');
    expect(progressText({ ...base, recordsRead: 10_000_000, expectedRecords: 10_000_000, checkpoints: 7, ended: 'finished', elapsedMs: 3_725_000 })).to.equal(
      'orders: finished 1:02:05 · 10,000,000 records read (100%), 52,000/s on average · 7 checkpoints',
    );
    expect([clock(0), clock(59_999), clock(60_000), clock(3_600_000)]).to.deep.equal(['0:00', '0:59', '1:00', '1:00:00']);
  });

  it("rewrites one terminal line while the job runs and leaves its last state, every record read, when it ends", async () => {
    const stream = new Recorded(true);
    const job = slowJob(20);
    showProgress(job, { stream, intervalMs: 20, expectedRecords: 20_000 });
    const result = await job;
    // Written as the job ended, before what the application does then.
    expect(stream.writes.at(-1)).to.match(/\n$/);
    expect(stream.writes.length).to.be.greaterThan(1);
    for (const w of stream.writes.slice(0, -1)) expect(w).to.match(/^\rprogress: running \d:\d\d · [\d,]+ records read \(\d+%\), [\d,]+\/s · \d+ checkpoints?\x1b\[K$/);
    const checkpoints = result.checkpoints!.completed;
    expect(stream.writes.at(-1)).to.match(new RegExp(`^\\rprogress: finished \\d:\\d\\d · 20,000 records read \\(100%\\), [\\d,]+/s on average · ${checkpoints} checkpoints?\\x1b\\[K\\n$`));
  });

  it('writes nothing where the stream is not a terminal, and whole lines when asked to', async () => {
    const pipe = new Recorded(false);
    const log = new Recorded(false);
    const job = slowJob(undefined);
    showProgress(job, { stream: pipe, intervalMs: 20 });
    showProgress(job, { stream: log, intervalMs: 20, always: true });
    await job;
    expect(pipe.writes).to.deep.equal([]);
    for (const w of log.writes.slice(0, -1)) expect(w).to.match(/^progress: running \d:\d\d · [\d,]+ records read, [\d,]+\/s\n$/);
    expect(log.writes.at(-1)).to.match(/^progress: finished \d:\d\d · 20,000 records read, [\d,]+\/s on average\n$/);
  });

  it('erases its line when stopped before the job ends', async () => {
    const stream = new Recorded(true);
    const line = new TerminalLine(stream);
    line.update('step 1 of 3');
    line.update('step 2 of 3');
    line.end();
    expect(stream.writes).to.deep.equal(['\rstep 1 of 3\x1b[K', '\rstep 2 of 3\x1b[K', '\r\x1b[K']);
    new TerminalLine(stream).end();
    expect(stream.writes).to.have.length(3);
  });
});
