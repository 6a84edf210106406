import { expect } from 'chai';
import { RuntimeContext, StreamEnvironment, Time, TumblingEventTimeWindows, WatermarkStrategy } from '../../src';
import { JobMetricsSnapshot, TaskMetrics } from '../../src/metrics/JobMetrics';
import { Counter, Histogram } from '../../src/metrics/MetricGroup';
import { MetricNames } from '../../src/metrics/metricNames';
import { renderPrometheus } from '../../src/metrics/prometheus';
import { CountingSink } from '../../samples/stall/stallJob';
import { JobHandle } from '../../src/api/JobHandle';
import { Click, PacedClicks } from '../../samples/click-counts/PacedClicks';

const quiet = { logging: { level: 'silent' as const } };

/** Samples the job's metrics until `accept` takes a sample (no sleep: each sample waits for the tasks' answers). */
async function sampleUntil(job: JobHandle, accept: (m: JobMetricsSnapshot) => boolean, what: string, timeoutMs = 20_000): Promise<JobMetricsSnapshot> {
  const deadline = Date.now() + timeoutMs;
  let last: JobMetricsSnapshot | undefined;
  for (;;) {
    last = await job.metrics();
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}; last sample: ${JSON.stringify(last.tasks.map((t) => [t.name, t.busyTimeMsPerSecond, t.backPressuredTimeMsPerSecond]))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const task = (m: JobMetricsSnapshot, name: string): TaskMetrics => {
  const t = m.tasks.find((x) => x.name.includes(name));
  if (t === undefined) throw new Error(`no task named like '${name}' in ${m.tasks.map((x) => x.name).join(', ')}`);
  return t;
};

/** Waits until `sink` has counted `more` records beyond now. */
async function recordsFlow(sink: { readonly count: number }, more: number): Promise<void> {
  const target = sink.count + more;
  const deadline = Date.now() + 20_000;
  while (sink.count < target) {
    if (Date.now() > deadline) throw new Error(`the sink counted ${sink.count} of ${target} records`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a slow sink's work
  }
}

describe('metrics/jobMetrics', () => {
  it('counts records in and out exactly, per task and per operator', async () => {
    const env = StreamEnvironment.create({ parallelism: 2, metrics: true, ...quiet });
    const sink = new CountingSink<number>();
    env
      .fromGenerator(10_000, (i) => i)
      .name('numbers')
      .keyBy((n) => n % 10)
      .filter((n) => n % 4 === 0)
      .name('multiples of 4')
      .map((n) => n * 2)
      .name('doubled')
      .sinkTo(sink)
      .name('sink');
    const job = env.execute('exact counts');
    await job;
    const m = await job.metrics();
    const sources = m.tasks.filter((t) => t.name === 'numbers');
    const filters = m.tasks.filter((t) => t.name.startsWith('multiples of 4'));
    expect(sources).to.have.length(2);
    expect(sources.reduce((n, t) => n + t.recordsOut, 0)).to.equal(10_000);
    expect(filters.reduce((n, t) => n + t.recordsIn, 0)).to.equal(10_000);
    const op = (name: string) => filters.flatMap((t) => t.operators.filter((o) => o.name === name));
    expect(op('multiples of 4').reduce((n, o) => n + o.recordsIn, 0)).to.equal(10_000);
    expect(op('multiples of 4').reduce((n, o) => n + o.recordsOut, 0)).to.equal(2_500);
    expect(op('doubled').reduce((n, o) => n + o.recordsOut, 0)).to.equal(2_500);
    expect(op('sink').reduce((n, o) => n + o.recordsIn, 0)).to.equal(2_500);
    expect(sink.count).to.equal(2_500);
    expect(m.status).to.equal('finished');
  });

  it('shows a high back-pressure ratio at the source behind a slow sink, and a low one without', async () => {
    // The same source in both runs, paced at RATE records a second, one in ten going on: behind
    // a sink of 1 ms a record (1,000 a second, the source's 10,000) it waits for credit most of
    // the time; behind a fast one it never runs out of credit (the channel holds 2,048 records,
    // a second of what goes on), and waits for its next records to be due instead (idle).
    const RATE = 20_000;
    const run = async (slowMsPerRecord: number) => {
      const env = StreamEnvironment.create({ metrics: true, ...quiet });
      const sink = new CountingSink<Click>();
      env
        .fromSource(new PacedClicks(Infinity, 16, RATE), 'numbers')
        .filter((c) => c.id % 10 === 0)
        .keyBy((c) => c.user)
        .map((c) => {
          if (slowMsPerRecord > 0) spin(slowMsPerRecord);
          return c;
        })
        .name('work')
        .sinkTo(sink)
        .name('sink');
      const job = env.execute('back pressure');
      try {
        await recordsFlow(sink, 1);
        await job.metrics();
        // Rates over the time the sink takes to count this many records (half a second or more either way).
        await recordsFlow(sink, slowMsPerRecord > 0 ? 500 : 1_000);
        return await job.metrics();
      } finally {
        await job.cancel();
      }
    };
    const slow = await run(1);
    const fast = await run(0);
    const figures = (m: JobMetricsSnapshot) => JSON.stringify(m.tasks.map((t) => [t.name, t.busyTimeMsPerSecond, t.backPressuredTimeMsPerSecond, t.idleTimeMsPerSecond]));
    // Flink's levels: high from 500 ms/s, ok below 100.
    expect(task(slow, 'numbers').backPressuredTimeMsPerSecond, figures(slow)).to.be.greaterThan(700);
    expect(task(slow, 'work').busyTimeMsPerSecond, figures(slow)).to.be.greaterThan(700);
    expect(task(slow, 'work').backPressuredTimeMsPerSecond, figures(slow)).to.be.lessThan(100);
    expect(task(fast, 'numbers').backPressuredTimeMsPerSecond, figures(fast)).to.be.lessThan(100);
    // Without one, the source mostly waits for its next records to be due: idle, not busy.
    expect(task(fast, 'numbers').idleTimeMsPerSecond, figures(fast)).to.be.greaterThan(500);
    for (const t of [...slow.tasks, ...fast.tasks]) {
      const sum = t.busyTimeMsPerSecond! + t.backPressuredTimeMsPerSecond! + t.idleTimeMsPerSecond!;
      expect(sum).to.be.closeTo(1000, 1e-6);
    }
  });

  it('shows a watermark lag equal to what the generator implies: records 5 s old, 1 s out of orderness', async () => {
    const env = StreamEnvironment.create({ metrics: true, ...quiet });
    const sink = new CountingSink<{ at: number }>();
    env
      .fromGenerator(Infinity, () => ({ at: Date.now() - 5_000 }))
      .name('events')
      .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<{ at: number }>(Time.seconds(1)).withTimestampAssigner((e) => e.at))
      .name('watermarks')
      .sinkTo(sink)
      .name('sink');
    const job = env.execute('watermark lag');
    try {
      const m = await sampleUntil(job, (s) => s.tasks.some((t) => t.watermarkLagMs !== null), 'a watermark');
      const lag = task(m, 'events').watermarkLagMs!;
      // 5 s old records, minus 1 s (and Flink's 1 ms) of out-of-orderness, sampled a moment after emission.
      expect(lag).to.be.at.least(6_000).and.below(7_500);
      expect(task(m, 'events').outputWatermark).to.be.a('number');
    } finally {
      await job.cancel();
    }
  });

  it('counts late records a window drops, and reports user counters, gauges and histograms', async () => {
    class Measured {
      private seen!: Counter;
      private sizes!: Histogram;
      open(ctx: RuntimeContext): void {
        this.seen = ctx.getMetricGroup().counter('seen');
        this.sizes = ctx.getMetricGroup().histogram('at');
        ctx.getMetricGroup().gauge('answer', () => 42);
      }
      map(e: { at: number }): number {
        this.seen.inc();
        this.sizes.update(e.at);
        return e.at;
      }
    }
    // Small batches: the watermark moves between batches, so the records at time 0 come after it.
    const env = StreamEnvironment.create({ metrics: true, batchSize: 100, ...quiet });
    const sink = new CountingSink<number>();
    // Event times 0..999, then 10 records at time 0: late once the watermark passed the first window.
    const times = [...Array.from({ length: 1000 }, (_, i) => i * 10), ...Array.from({ length: 10 }, () => 0)];
    env
      .fromCollection(times.map((at) => ({ at })))
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<{ at: number }>().withTimestampAssigner((e) => e.at))
      .map(new Measured())
      .name('measured')
      .keyBy(() => 'all')
      .window(TumblingEventTimeWindows.of(Time.milliseconds(100)))
      .reduce((a, b) => a + b)
      .name('windows')
      .sinkTo(sink);
    const job = env.execute('late and user metrics');
    await job;
    const m = await job.metrics();
    expect(m.tasks.reduce((n, t) => n + t.lateRecordsDropped, 0)).to.equal(10);
    const measured = m.tasks.flatMap((t) => t.operators).find((o) => o.name === 'measured')!;
    expect(measured.user).to.deep.include({ kind: 'counter', name: 'seen', value: 1010 });
    expect(measured.user).to.deep.include({ kind: 'gauge', name: 'answer', value: 42 });
    const histogram = measured.user.find((u) => u.kind === 'histogram');
    expect(histogram?.kind === 'histogram' && histogram.statistics.count).to.equal(1010);
    const text = await renderPrometheus('late and user metrics', m);
    expect(text).to.include(`${MetricNames.lateRecordsDropped}{job="late and user metrics"`);
    expect(text).to.match(/sluice_user_seen\{job="late and user metrics",vertex="[^"]*",subtask="0",operator="measured"\} 1010/);
    expect(text).to.match(/sluice_user_at\{[^}]*statistic="p99"\}/);
  });

  it('serves every per-task and per-job metric name in the Prometheus text of a checkpointing job', async () => {
    const env = StreamEnvironment.create({ metrics: true, ...quiet });
    env.enableCheckpointing(50);
    const sink = new CountingSink<number>();
    env.fromGenerator(Infinity, (i) => i).keyBy((n) => n % 100).reduce((a, b) => a + b).sinkTo(sink);
    const job = env.execute('prometheus');
    try {
      const m = await sampleUntil(job, (s) => s.checkpointHistory.some((c) => c.status === 'completed') && s.tasks.some((t) => (t.stateKeys ?? 0) > 0), 'a completed checkpoint and keyed state');
      expect(m.tasks.find((t) => t.stateKeys !== undefined)!.stateKeys).to.equal(100);
      const text = await renderPrometheus('prometheus', m);
      for (const name of [
        MetricNames.taskRecordsIn,
        MetricNames.taskRecordsOut,
        MetricNames.busyTimeMsPerSecond,
        MetricNames.backPressuredTimeMsPerSecond,
        MetricNames.idleTimeMsPerSecond,
        MetricNames.inputQueueUsage,
        MetricNames.outputQueueUsage,
        MetricNames.operatorRecordsIn,
        MetricNames.operatorRecordsOut,
        MetricNames.checkpoints,
        MetricNames.savepoints,
        MetricNames.lastCheckpointDuration,
        MetricNames.lastCheckpointSize,
        MetricNames.lastCheckpointAlignment,
        MetricNames.restarts,
        MetricNames.status,
      ]) {
        expect(text).to.include(`# TYPE ${name} `);
      }
      expect(text).to.include(`${MetricNames.status}{job="prometheus",status="running"} 1`);
      expect(text).to.match(new RegExp(`${MetricNames.checkpoints}\\{job="prometheus",outcome="completed"\\} [1-9]`));
      const completed = m.checkpointHistory.find((c) => c.status === 'completed')!;
      expect(completed.sizeBytes).to.be.greaterThan(0);
      expect(completed.durationMs).to.be.at.least(0);
    } finally {
      await job.cancel();
    }
  });
});
