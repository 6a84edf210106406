/**
 * The article's job with the DataStream API: read a Kafka topic, key by sensor, window by 10
 * seconds of event time, aggregate, write to another Kafka topic, exactly once.
 *
 *   readings topic (4 partitions) -> KafkaSource (4 instances: one partition each)
 *     -> assignTimestampsAndWatermarks: bounded out-of-orderness 2 s   (chained with the source)
 *     -> keyBy(sensor) -> window(TumblingEventTimeWindows.of(Time.seconds(10)))
 *     -> aggregate(AverageAggregate, WithWindow) -> KafkaSink.exactlyOnce -> averages topic
 *     late readings -> sideOutputLateData -> KafkaSink.exactlyOnce -> late topic
 */
import * as t from 'io-ts';
import {
  AggregateFunction,
  Collector,
  OutputTag,
  ProcessWindowFunction,
  StreamEnvironment,
  Time,
  TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  WindowContext,
} from '../../src';
import { KafkaSink, KafkaSource } from '../../src/kafka';
import { PARTITIONS, Reading, SensorAverage, roundTo2, sqlTimestamp } from './readings';

export interface Topics {
  readonly readings: string;
  readonly averages: string;
  readonly late: string;
}

const ReadingCodec = t.type({ sensor: t.string, ts: t.number, celsius: t.number });

/** Flink's AverageAggregate: sum and count in the accumulator, the count and the average (to 0.01 °C) as the result. */
export const averageCelsius: AggregateFunction<Reading, { sum: number; count: number }, { readings: number; avg: number }> = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  add: (r, acc) => ({ sum: acc.sum + r.celsius, count: acc.count + 1 }),
  getResult: (acc) => ({ readings: acc.count, avg: roundTo2(acc.sum / acc.count) }),
  merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
};

/** Adds the sensor and the window to the aggregate's result. */
class WithWindow extends ProcessWindowFunction<{ readings: number; avg: number }, SensorAverage, string, TimeWindow> {
  process(sensor: string, ctx: WindowContext<TimeWindow>, [r]: readonly { readings: number; avg: number }[], out: Collector<SensorAverage>): void {
    out.collect({ sensor, window_start: sqlTimestamp(ctx.window.start), window_end: sqlTimestamp(ctx.window.end), readings: r.readings, avg_celsius: r.avg });
  }
}

export const lateReadings = new OutputTag<Reading>('late-readings');

/**
 * The job, ready to `execute()`. One source instance per partition (the parallelism), so that
 * each watermark follows one partition's order, as Flink's per-partition watermarks do.
 */
export function averagesPerSensor(brokers: string[], topics: Topics): StreamEnvironment {
  const env = StreamEnvironment.create({ parallelism: PARTITIONS, logging: { pretty: true } });
  env.enableCheckpointing(500, 'exactly-once'); // a transaction per checkpoint: results are visible within ~0.5 s

  const averages = env
    .fromKafka(new KafkaSource({ brokers, topics: [topics.readings], format: { codec: ReadingCodec } }), 'readings')
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Reading>(Time.seconds(2)).withTimestampAssigner((r) => r.ts))
    .keyBy((r) => r.sensor)
    .window(TumblingEventTimeWindows.of(Time.seconds(10)))
    .sideOutputLateData(lateReadings)
    .aggregate(averageCelsius, new WithWindow())
    .name('average per sensor per 10 s');

  averages.sinkTo(KafkaSink.exactlyOnce<SensorAverage>({ brokers, topic: topics.averages, serialize: (a) => ({ key: a.sensor, value: JSON.stringify(a) }) }));
  averages
    .getSideOutput(lateReadings)
    .sinkTo(KafkaSink.exactlyOnce<Reading>({ brokers, topic: topics.late, serialize: (r) => ({ key: r.sensor, value: JSON.stringify(r) }) }));
  return env;
}
