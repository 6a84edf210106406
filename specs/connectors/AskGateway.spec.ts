import { expect } from 'chai';
import { Ref, start, stop } from 'nact';
import {
  AskGateway,
  AskTimeoutError,
  Collector,
  KeyedProcessContext,
  KeyedProcessFunction,
  OnTimerContext,
  Reply,
  Request,
  RuntimeContext,
  Serializers,
  StreamEnvironment,
  ValueState,
  ValueStateDescriptor,
  replyTo,
} from '../../src';

interface Query {
  readonly account: string;
  /** 'drop': the job never replies; 'late': it replies after 200 ms. */
  readonly mode?: 'drop' | 'late';
}

class CountRequests extends KeyedProcessFunction<string, Request<Query>, Reply<number>> {
  private count!: ValueState<number>;
  private delayed!: ValueState<Request<Query> | null>;
  open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor('count', Serializers.number, 0));
    this.delayed = ctx.getState(new ValueStateDescriptor<Request<Query> | null>('delayed', Serializers.json(), null));
  }
  processElement(request: Request<Query>, ctx: KeyedProcessContext<string>, out: Collector<Reply<number>>): void {
    if (request.payload.mode === 'drop') return;
    if (request.payload.mode === 'late') {
      this.delayed.update(request);
      ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 200);
      return;
    }
    const count = this.count.value()! + 1;
    this.count.update(count);
    out.collect(replyTo(request, count));
  }
  onTimer(_time: number, _ctx: OnTimerContext<string>, out: Collector<Reply<number>>): void {
    out.collect(replyTo(this.delayed.value()!, -1));
    this.delayed.clear();
  }
}

function startJob(system: Ref<unknown>, name: string) {
  const gateway = AskGateway.spawn<Query, number>(system, name, { bufferSize: 64 });
  const env = StreamEnvironment.create({ parallelism: 2, batchSize: 16 });
  env
    .fromSource(gateway.source())
    .keyBy((r) => r.payload.account)
    .process(new CountRequests())
    .sinkTo(gateway.sink())
    .setParallelism(1);
  return { gateway, job: env.executeIn(system, `${name} job`) };
}

describe('connectors/AskGateway', () => {
  let system: Ref<unknown>;
  beforeEach(() => (system = start()));
  afterEach(() => stop(system));

  it('answers each request exactly once, with the reply correlated to it', async () => {
    const { gateway, job } = startJob(system, 'counts');
    const accounts = ['a', 'b', 'c', 'd', 'e'];
    const asks = Array.from({ length: 500 }, (_, i) => accounts[i % accounts.length]).map((account) => gateway.ask({ account }, 10_000).then((n) => ({ account, n })));
    const answers = await Promise.all(asks);
    for (const account of accounts) {
      const counts = answers.filter((a) => a.account === account).map((a) => a.n).sort((x, y) => x - y);
      expect(counts).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
    }
    expect(gateway.stats()).to.deep.equal({ answered: 500, timedOut: 0, refused: 0, unmatched: 0, pending: 0 });
    gateway.complete();
    expect((await job).status).to.equal('finished');
  });

  it('times out cleanly: the ask rejects once, a late reply is counted and dropped, and the gateway goes on', async () => {
    const { gateway, job } = startJob(system, 'timeouts');
    const dropped = await gateway.ask({ account: 'x', mode: 'drop' }, 50).then(() => undefined, (e) => e as Error);
    expect(dropped).to.be.instanceOf(AskTimeoutError);
    expect(dropped!.message).to.equal('no reply to request 0 within 50 ms');
    const late = await gateway.ask({ account: 'y', mode: 'late' }, 50).then(() => undefined, (e) => e as Error);
    expect(late).to.be.instanceOf(AskTimeoutError);
    expect(await gateway.ask({ account: 'x' }, 5000)).to.equal(1);
    while (gateway.stats().unmatched === 0) await new Promise((r) => setTimeout(r, 10));
    expect(gateway.stats()).to.deep.equal({ answered: 1, timedOut: 2, refused: 0, unmatched: 1, pending: 0 });
    gateway.complete();
    expect((await job).status).to.equal('finished');
  });

  it('refuses at once, rather than queue, when it holds as many requests as its capacity', async () => {
    const gateway = AskGateway.spawn<Query, number>(system, 'no-job', { capacity: 3 });
    const held = [0, 1, 2].map(() => gateway.ask({ account: 'z' }, 30).catch((e: Error) => e.name));
    const refused = await gateway.ask({ account: 'z' }, 30).then(() => undefined, (e) => e as Error);
    expect(refused?.message).to.equal('the gateway already holds 3 requests the job has not taken; try again later');
    expect(await Promise.all(held)).to.deep.equal(['AskTimeoutError', 'AskTimeoutError', 'AskTimeoutError']);
    expect(gateway.stats()).to.deep.include({ refused: 1, timedOut: 3, pending: 0 });
  });
});
