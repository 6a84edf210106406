/**
 * One latency run in this process, printed as one JSON line:
 * `node build/samples/latency/runLatency.js <events per second | max> <none|exactly-once> <seconds>`.
 * The job: a paced source (parallelism 1) -> keyBy -> a count per key in ValueState
 * (parallelism 2) -> a sink that records, per record, now minus the time the schedule offered
 * it. Checkpoints, when on, every second, aligned (exactly-once mode), in memory.
 */
import { Collector, KeyedProcessContext, KeyedProcessFunction, RuntimeContext, Serializers, Sink, StreamEnvironment, ValueState, ValueStateDescriptor } from '../../src';
import { LatencyRecorder, LatencySummary } from './LatencyRecorder';
import { PacedEvent, PacedSource } from './PacedSource';

const KEYS = 10_000;
const PARALLELISM = 2;
/** The first fifth of the records warms the job up (JIT, state) and is not counted. */
const WARMUP_SHARE = 0.2;
/** Events of a `max` run, which measures how fast the job goes unpaced. */
const MAX_RUN_EVENTS = 1_000_000;

export type CheckpointMode = 'none' | 'exactly-once';

export interface LatencyRun extends LatencySummary {
  readonly rate: number | 'max';
  readonly checkpoints: CheckpointMode;
  readonly completedCheckpoints: number;
  readonly peakRssMb: number;
  readonly cpuSeconds: number;
}

interface Counted {
  readonly id: number;
  readonly dueAt: number;
  readonly count: number;
}

class CountPerKey extends KeyedProcessFunction<number, PacedEvent, Counted> {
  private count!: ValueState<number>;
  open(context: RuntimeContext): void {
    this.count = context.getState(new ValueStateDescriptor('count', Serializers.number, 0));
  }
  processElement(e: PacedEvent, _ctx: KeyedProcessContext<number>, out: Collector<Counted>): void {
    const count = this.count.value()! + 1;
    this.count.update(count);
    out.collect({ id: e.id, dueAt: e.dueAt, count });
  }
}

/** Records each record's latency as its batch reaches the sink. */
class LatencySink implements Sink<Counted> {
  readonly name = 'Latency Sink';
  constructor(private readonly recorder: LatencyRecorder) {}
  createWriter() {
    const recorder = this.recorder;
    return {
      write(records: readonly Counted[]) {
        const now = performance.now();
        for (const r of records) recorder.record(r.id, r.dueAt, now);
      },
    };
  }
}

export async function runLatency(rate: number | 'max', checkpoints: CheckpointMode, seconds: number): Promise<LatencyRun> {
  const events = rate === 'max' ? MAX_RUN_EVENTS : Math.round(rate * seconds);
  const recorder = new LatencyRecorder(events, Math.floor(events * WARMUP_SHARE));
  const env = StreamEnvironment.create({ parallelism: PARALLELISM });
  if (checkpoints === 'exactly-once') env.enableCheckpointing(1000, 'exactly-once');
  env
    .fromSource(new PacedSource(events, rate === 'max' ? Infinity : rate, KEYS))
    .setParallelism(1)
    .uid('paced-source')
    .keyBy((e) => e.key)
    .process(new CountPerKey())
    .uid('count-per-key')
    .sinkTo(new LatencySink(recorder));
  const cpuBefore = process.cpuUsage();
  const job = env.execute(`latency ${rate} ${checkpoints}`);
  const result = await job;
  if (result.status !== 'finished') throw new Error(`the latency job ended ${result.status}`);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    rate,
    checkpoints,
    ...recorder.summary(),
    completedCheckpoints: result.checkpoints?.completed ?? 0,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

if (require.main === module) {
  const [rateText, mode, secondsText] = process.argv.slice(2);
  const rate = rateText === 'max' ? 'max' : Number(rateText);
  const seconds = Number(secondsText ?? 10);
  if (rate !== 'max' && !(rate > 0)) throw new Error(`rate must be a positive number or 'max', got '${rateText}'`);
  if (mode !== 'none' && mode !== 'exactly-once') throw new Error(`checkpoints must be 'none' or 'exactly-once', got '${mode}'`);
  if (!(seconds > 0)) throw new Error(`seconds must be positive, got '${secondsText}'`);
  runLatency(rate, mode, seconds).then(
    (run) => process.stdout.write(`${JSON.stringify(run)}\n`),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
