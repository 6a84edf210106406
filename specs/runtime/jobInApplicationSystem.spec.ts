import { expect } from 'chai';
import { Ref, dispatch, query, spawn, spawnStateless, start, stop } from 'nact';
import { ConfigError, Sink, Source, StreamEnvironment } from '../../src';

/** An endless source and a sink that record when their handles are released. */
function endlessJob(env: StreamEnvironment, released: string[], written: { n: number }) {
  const source: Source<number> = {
    name: 'Endless',
    parallel: false,
    createReader: () => {
      let i = 0;
      return {
        poll: (max, emit) => {
          for (let k = 0; k < max; k++) emit(i++);
          return new Promise((resolve) => setImmediate(() => resolve('more')));
        },
        position: () => i,
        close: () => void released.push('source'),
      };
    },
  };
  const sink: Sink<number> = {
    name: 'Counting',
    createWriter: () => ({
      write: (records) => void (written.n += records.length),
      close: () => void released.push('sink'),
    }),
  };
  env.fromSource(source).map((n) => n + 1).sinkTo(sink);
}

function pathOf(ref: Ref<unknown>): string[] {
  return (ref as unknown as { path: { parts: string[] } }).path.parts;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

describe('runtime: a job inside the application\'s actor system', () => {
  it('runs under the application\'s system and finishes as a job of its own would', async () => {
    const system = start();
    try {
      const env = StreamEnvironment.create();
      expect(() => env.executeIn(system, 'inside', { actorName: 'inside' })).to.throw('the job has no sink');
      const counts = StreamEnvironment.create().fromCollection([1, 2, 3]).map((n) => n * 10);
      const collected: number[] = [];
      counts.sinkTo({ name: 'Into array', createWriter: () => ({ write: (rs) => void collected.push(...rs) }) });
      const job = counts.env.executeIn(system, 'tens', { actorName: 'tens-job' });
      expect(pathOf(job.actor!)).to.deep.equal(['tens-job']);
      const done = await job;
      expect(done.status).to.equal('finished');
      expect(collected).to.deep.equal([10, 20, 30]);
    } finally {
      stop(system);
    }
  });

  it('refuses a second job with an actor name already used under the same parent', async () => {
    const system = start();
    const released: string[] = [];
    const env = StreamEnvironment.create();
    endlessJob(env, released, { n: 0 });
    const first = env.executeIn(system, 'first', { actorName: 'scores' });
    const again = StreamEnvironment.create();
    endlessJob(again, [], { n: 0 });
    expect(() => again.executeIn(system, 'second', { actorName: 'scores' })).to.throw(ConfigError, "an actor named 'scores' already runs under the given parent");
    expect(() => again.execute('bad name', { actorName: 'no spaces' })).to.throw(ConfigError, 'actorName "no spaces" must be');
    stop(system);
    expect((await first).status).to.equal('cancelled');
  });

  it('cancels the job when the application stops the job\'s actor, and answers status on the way', async () => {
    const system = start();
    try {
      const released: string[] = [];
      const written = { n: 0 };
      const env = StreamEnvironment.create({ batchSize: 64 });
      endlessJob(env, released, written);
      const job = env.executeIn(system, 'endless', { actorName: 'endless' });
      await until(() => written.n > 100);
      const status = await query(job.actor!, (replyTo: Ref<string>) => ({ type: 'job.status' as const, replyTo }), 1000);
      expect(status).to.equal('running');
      stop(job.actor!);
      expect((await job).status).to.equal('cancelled');
      expect([...released].sort()).to.deep.equal(['sink', 'source']);
    } finally {
      stop(system);
    }
  });

  it('settles as cancelled once every task released its handles when the application stops its system', async () => {
    const system = start();
    const released: string[] = [];
    const written = { n: 0 };
    const env = StreamEnvironment.create({ batchSize: 64 });
    endlessJob(env, released, written);
    const job = env.executeIn(system, 'endless', { actorName: 'endless' });
    await until(() => written.n > 1000);
    stop(system);
    const result = await job;
    expect(result.status).to.equal('cancelled');
    expect(job.status).to.equal('cancelled');
    expect([...released].sort()).to.deep.equal(['sink', 'source']);
  });

  it('stops with the application actor it runs under, the rest of the system going on', async () => {
    const system = start();
    try {
      const released: string[] = [];
      const written = { n: 0 };
      const owner = spawn(system, (state: number) => state, 'owner', { initialState: 0 });
      const bystander = spawnStateless(system, () => undefined, 'bystander');
      const env = StreamEnvironment.create({ batchSize: 64 });
      endlessJob(env, released, written);
      const job = env.executeIn(owner, 'owned');
      expect(pathOf(job.actor!)[0]).to.equal('owner');
      expect(pathOf(job.actor!)[1]).to.match(/^job-\d+-owned$/);
      await until(() => written.n > 1000);
      stop(owner);
      expect((await job).status).to.equal('cancelled');
      expect([...released].sort()).to.deep.equal(['sink', 'source']);
      dispatch(bystander, 'still here'); // the rest of the system is untouched: no throw
    } finally {
      stop(system);
    }
  });
});
