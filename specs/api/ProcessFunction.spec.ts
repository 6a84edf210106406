import { expect } from 'chai';
import {
  Collector,
  KeyedProcessContext,
  KeyedProcessFunction,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  OutputTag,
  ProcessContext,
  ProcessFunction,
  RuntimeContext,
  Serializers,
  StreamEnvironment,
  ValueState,
  ValueStateDescriptor,
  AggregatingStateDescriptor,
  AggregatingState,
  WatermarkStrategy,
} from '../../src';

const odd = new OutputTag<number>('odd');

class EvensAndOdds extends ProcessFunction<number, number> {
  override readonly sideOutputTags = [odd];
  processElement(n: number, ctx: ProcessContext, out: Collector<number>): void {
    if (n % 2 === 0) out.collect(n);
    else ctx.output(odd, n);
  }
}

interface Visit {
  user: string;
  page: string;
}

const heavy = new OutputTag<string>('heavy');

/** Counts visits per user, remembers pages, flags a user at the third visit. */
class VisitCounter extends KeyedProcessFunction<string, Visit, string> {
  override readonly sideOutputTags = [heavy];
  private count!: ValueState<number>;
  private pages!: ListState<string>;
  private perPage!: MapState<string, number>;
  private avgLen!: AggregatingState<string, number>;
  open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor('count', Serializers.number, 0));
    this.pages = ctx.getListState(new ListStateDescriptor('pages', Serializers.string));
    this.perPage = ctx.getMapState(new MapStateDescriptor('per-page', Serializers.string, Serializers.number));
    this.avgLen = ctx.getAggregatingState(
      new AggregatingStateDescriptor<string, { n: number; sum: number }, number>(
        'avg-page-length',
        {
          createAccumulator: () => ({ n: 0, sum: 0 }),
          add: (page, acc) => ({ n: acc.n + 1, sum: acc.sum + page.length }),
          getResult: (acc) => acc.sum / acc.n,
          merge: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
        },
        Serializers.json(),
      ),
    );
  }
  processElement(v: Visit, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    const n = this.count.value()! + 1;
    this.count.update(n);
    this.pages.add(v.page);
    this.perPage.put(v.page, (this.perPage.get(v.page) ?? 0) + 1);
    this.avgLen.add(v.page);
    out.collect(`${ctx.getCurrentKey()}:${n}:${this.pages.get().join('|')}:${this.perPage.get(v.page)}:${this.avgLen.get()}`);
    if (n === 3) ctx.output(heavy, ctx.getCurrentKey());
  }
}

describe('api/ProcessFunction', () => {
  it('tells a function on a non-keyed stream the current watermark, which moves after each input batch', async () => {
    class WithWatermark extends ProcessFunction<number, string> {
      processElement(n: number, ctx: ProcessContext, out: Collector<string>): void {
        out.collect(`${n}@${ctx.currentWatermark()}`);
      }
    }
    const env = StreamEnvironment.create({ parallelism: 1, batchSize: 2 });
    const out = await env
      .fromCollection([1, 2, 3, 4, 5, 6])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((n) => n * 10))
      .process(new WithWatermark())
      .executeAndCollect();
    expect(out).to.deep.equal(['1@-Infinity', '2@-Infinity', '3@19', '4@19', '5@39', '6@39']);
  });

  it('routes records to the main output and to a declared side output', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const main = env.fromCollection([1, 2, 3, 4, 5, 6, 7]).process(new EvensAndOdds());
    const odds = await main.getSideOutput(odd).executeAndCollect();
    expect(odds.sort()).to.deep.equal([1, 3, 5, 7]);
  });

  it('keeps main and side outputs apart when both are consumed', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const main = env.fromCollection([1, 2, 3, 4, 5, 6, 7]).process(new EvensAndOdds());
    const { RecordingSink } = await import('../support/RecordingSink');
    const sideSink = new RecordingSink<number>();
    main.getSideOutput(odd).sinkTo(sideSink);
    const evens = await main.executeAndCollect();
    expect(evens.sort()).to.deep.equal([2, 4, 6]);
    expect(sideSink.all().sort()).to.deep.equal([1, 3, 5, 7]);
  });

  it('gives a keyed function value, list, map and aggregating state per key, and side outputs', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const visits: Visit[] = [
      { user: 'ann', page: 'home' },
      { user: 'bob', page: 'home' },
      { user: 'ann', page: 'cart' },
      { user: 'ann', page: 'home' },
      { user: 'bob', page: 'help' },
    ];
    const counted = env.fromCollection(visits).keyBy((v) => v.user).process(new VisitCounter());
    const { RecordingSink } = await import('../support/RecordingSink');
    const heavySink = new RecordingSink<string>();
    counted.getSideOutput(heavy).sinkTo(heavySink);
    const out = await counted.executeAndCollect();
    const ann = out.filter((s) => s.startsWith('ann'));
    const bob = out.filter((s) => s.startsWith('bob'));
    expect(ann).to.deep.equal(['ann:1:home:1:4', 'ann:2:home|cart:1:4', 'ann:3:home|cart|home:2:4']);
    expect(bob).to.deep.equal(['bob:1:home:1:4', 'bob:2:home|help:1:4']);
    expect(heavySink.all()).to.deep.equal(['ann']);
  });

  it('fails the job when a function writes to a side output it did not declare', async () => {
    class Sneaky extends ProcessFunction<number, number> {
      processElement(n: number, ctx: ProcessContext): void {
        ctx.output(odd, n);
      }
    }
    const env = StreamEnvironment.create();
    const error = await env
      .fromCollection([1])
      .process(new Sneaky())
      .executeAndCollect()
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(error?.message).to.include("side output 'odd'").and.include('sideOutputTags');
  });

  it('refuses keyed state in a function on a non-keyed stream, naming the fix', async () => {
    class Stateful extends ProcessFunction<number, number> {
      open(ctx: RuntimeContext) {
        ctx.getState(new ValueStateDescriptor('n', Serializers.number));
      }
      processElement(): void {}
    }
    const env = StreamEnvironment.create();
    const error = await env
      .fromCollection([1])
      .process(new Stateful())
      .executeAndCollect()
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(error?.message).to.include('keyed state is only available on a keyed stream').and.include('keyBy');
  });

  it('gives each instance its own operator list state', async () => {
    const seen = new Map<number, number[]>();
    class Remember extends ProcessFunction<number, number> {
      private list!: ListState<number>;
      private index = -1;
      open(ctx: RuntimeContext) {
        this.index = ctx.indexOfThisSubtask;
        this.list = ctx.getOperatorListState(new ListStateDescriptor('seen', Serializers.number));
      }
      processElement(n: number, _ctx: ProcessContext, out: Collector<number>): void {
        this.list.add(n);
        out.collect(n);
      }
      close() {
        seen.set(this.index, this.list.get());
      }
    }
    const env = StreamEnvironment.create({ parallelism: 2 });
    await env.fromGenerator(10, (i) => i).process(new Remember()).executeAndCollect();
    expect(seen.get(0)).to.deep.equal([0, 2, 4, 6, 8]);
    expect(seen.get(1)).to.deep.equal([1, 3, 5, 7, 9]);
  });
});
