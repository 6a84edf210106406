import { expect } from 'chai';
import fc from 'fast-check';
import {
  CollectSink,
  Collector,
  DataStream,
  InvalidTopologyError,
  KeyedProcessContext,
  KeyedProcessFunction,
  OutputTag,
  ProcessContext,
  ProcessFunction,
  StreamEnvironment,
  StreamEnvironmentOptions,
  TopologyProblem,
  describeProblem,
} from '../../src';
import { ChannelEnd, ExecutionPlan, TaskPlan, outputChannelCount } from '../../src/graph/ExecutionPlan';

const odd = new OutputTag<number>('odd');

class SplitOdd extends ProcessFunction<number, number> {
  override readonly sideOutputTags = [odd];
  processElement(n: number, ctx: ProcessContext, out: Collector<number>): void {
    if (n % 2 === 0) out.collect(n);
    else ctx.output(odd, n);
  }
}

class CountPerKey extends KeyedProcessFunction<number, number, number> {
  processElement(n: number, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
    out.collect(n);
  }
}

function env(options: StreamEnvironmentOptions = {}): StreamEnvironment {
  return StreamEnvironment.create(options);
}

function numbers(e: StreamEnvironment) {
  return e.fromGenerator(100, (i) => i);
}

function sink() {
  return new CollectSink<unknown>();
}

/** The vertices of a plan in order: name and parallelism, from their tasks. */
function vertices(plan: ExecutionPlan): Array<{ name: string; parallelism: number }> {
  const out: Array<{ name: string; parallelism: number }> = [];
  for (const t of plan.tasks) if (t.index === 0) out[t.vertex] = { name: t.name, parallelism: t.parallelism };
  return out;
}

function task(plan: ExecutionPlan, id: string): TaskPlan {
  const t = plan.tasks.find((x) => x.id === id);
  if (t === undefined) throw new Error(`no task ${id} in ${plan.tasks.map((x) => x.id).join(', ')}`);
  return t;
}

/** The tasks' own view of their channels: task id -> [inputs, output channels in numbering order]. */
function wiring(plan: ExecutionPlan): Record<string, { in: string[]; out: string[] }> {
  const end = (c: ChannelEnd) => `${c.task}#${c.channel}`;
  return Object.fromEntries(plan.tasks.map((t) => [t.id, { in: t.inputs.map(end), out: t.outputs.flatMap((e) => e.channels.map(end)) }]));
}

/** The problems of planning `e`, which must be refused. */
function problemsOf(e: StreamEnvironment): { problems: readonly TopologyProblem[]; message: string } {
  try {
    e.plan('refused');
  } catch (err) {
    expect(err).to.be.instanceOf(InvalidTopologyError);
    const error = err as InvalidTopologyError;
    return { problems: error.problems, message: error.message };
  }
  throw new Error('expected the topology to be refused');
}

/** Every input channel points at an output channel that points back, and the other way round. */
function checkChannels(plan: ExecutionPlan): void {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  for (const t of plan.tasks) {
    t.inputs.forEach((up, c) => {
      const upstream = byId.get(up.task);
      expect(upstream, `task ${t.id} input ${c} comes from unknown task ${up.task}`).to.not.equal(undefined);
      const outs = upstream!.outputs.flatMap((e) => e.channels);
      expect(outs[up.channel], `task ${t.id} input ${c} -> ${up.task} output ${up.channel}`).to.deep.equal({ task: t.id, channel: c });
    });
    const outs = t.outputs.flatMap((e) => e.channels);
    expect(outs.length).to.equal(outputChannelCount(t));
    outs.forEach((down, c) => {
      const downstream = byId.get(down.task);
      expect(downstream, `task ${t.id} output ${c} goes to unknown task ${down.task}`).to.not.equal(undefined);
      expect(downstream!.inputs[down.channel], `task ${t.id} output ${c} -> ${down.task} input ${down.channel}`).to.deep.equal({ task: t.id, channel: c });
    });
  }
}

/** Forward edges pair instance i with i; the others reach every instance, partition i going to instance i. */
function checkPartitions(plan: ExecutionPlan): void {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  for (const t of plan.tasks) {
    for (const edge of t.outputs) {
      const targets = edge.channels.map((c) => byId.get(c.task)!);
      expect(new Set(targets.map((d) => d.vertex)).size, `edge of ${t.id} reaches one vertex`).to.equal(1);
      if (edge.partitioning.kind === 'forward') {
        expect(targets.map((d) => [d.index, d.parallelism]), `forward edge of ${t.id}`).to.deep.equal([[t.index, t.parallelism]]);
      } else {
        expect(targets.map((d) => d.index), `${edge.partitioning.kind} edge of ${t.id}`).to.deep.equal([...Array(targets[0].parallelism).keys()]);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Random topologies built through the public API.

type Op = 'map' | 'filter' | 'keyBy' | 'rebalance' | 'broadcast' | 'union' | 'side';
interface Recipe {
  parallelism: number;
  chaining: boolean;
  sources: Array<{ parallel: boolean; parallelism: number | undefined }>;
  steps: Array<{ from: number; op: Op; other: number; parallelism: number | undefined }>;
  sinks: Array<{ from: number; parallelism: number | undefined }>;
}

const someParallelism = fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined });
const recipe: fc.Arbitrary<Recipe> = fc.record({
  parallelism: fc.integer({ min: 1, max: 4 }),
  chaining: fc.boolean(),
  sources: fc.array(fc.record({ parallel: fc.boolean(), parallelism: someParallelism }), { minLength: 1, maxLength: 3 }),
  steps: fc.array(
    fc.record({
      from: fc.nat(),
      op: fc.constantFrom<Op>('map', 'filter', 'keyBy', 'rebalance', 'broadcast', 'union', 'side'),
      other: fc.nat(),
      parallelism: someParallelism,
    }),
    { maxLength: 8 },
  ),
  sinks: fc.array(fc.record({ from: fc.nat(), parallelism: someParallelism }), { minLength: 1, maxLength: 3 }),
});

function build(r: Recipe): StreamEnvironment {
  const e = env({ parallelism: r.parallelism, operatorChaining: r.chaining });
  const pool: DataStream<number>[] = [];
  for (const s of r.sources) {
    if (s.parallel) {
      const g = numbers(e);
      pool.push(s.parallelism === undefined ? g : g.setParallelism(s.parallelism));
    } else pool.push(e.fromCollection([1, 2, 3]));
  }
  const pick = (i: number) => pool[i % pool.length];
  for (const step of r.steps) {
    const s = pick(step.from);
    const out =
      step.op === 'map'
        ? s.map((x) => x + 1)
        : step.op === 'filter'
          ? s.filter((x) => x > 0)
          : step.op === 'keyBy'
            ? s.keyBy((x) => x % 3).reduce((a, b) => a + b)
            : step.op === 'rebalance'
              ? s.rebalance().map((x) => x)
              : step.op === 'broadcast'
                ? s.broadcast().map((x) => x)
                : step.op === 'union'
                  ? s.union(pick(step.other)).map((x) => x)
                  : s.process(new SplitOdd());
    if (step.parallelism !== undefined) out.setParallelism(step.parallelism);
    pool.push(out);
    if (step.op === 'side') pool.push(out.getSideOutput(odd).map((x) => x));
  }
  for (const s of r.sinks) {
    const k = pick(s.from).sinkTo(sink());
    if (s.parallelism !== undefined) k.setParallelism(s.parallelism);
  }
  return e;
}

describe('graph/buildExecutionPlan', () => {
  describe('chaining', () => {
    it('runs source -> map -> filter -> sink of equal parallelism as one task per instance', () => {
      const e = env({ parallelism: 2 });
      numbers(e)
        .map((x) => x * 2)
        .filter((x) => x > 3)
        .sinkTo(sink());
      const plan = e.plan('chain');
      expect(plan.tasks.map((t) => [t.id, t.actorName, t.vertex, t.index, t.parallelism])).to.deep.equal([
        ['0-0', 'task-0-0', 0, 0, 2],
        ['0-1', 'task-0-1', 0, 1, 2],
      ]);
      for (const t of plan.tasks) {
        expect(t.name).to.equal('Generator Source -> Map -> Filter -> Collect Sink');
        expect(t.source?.node.name).to.equal('Generator Source');
        expect(t.chain.map((n) => [n.name, n.isSink, n.factory !== undefined])).to.deep.equal([
          ['Map', false, true],
          ['Filter', false, true],
          ['Collect Sink', true, true],
        ]);
        expect(t.inputs).to.deep.equal([]);
        expect(t.outputs).to.deep.equal([]);
      }
    });

    it('breaks the chain at a keyBy, and connects the two sides all-to-all by key-group hash', () => {
      const e = env({ parallelism: 2 });
      numbers(e)
        .map((x) => x)
        .keyBy((x) => x % 5)
        .reduce((a, b) => a + b)
        .sinkTo(sink());
      const plan = e.plan('keyed');
      expect(vertices(plan)).to.deep.equal([
        { name: 'Generator Source -> Map', parallelism: 2 },
        { name: 'Keyed Reduce -> Collect Sink', parallelism: 2 },
      ]);
      const reduce = task(plan, '1-0').chain[0];
      expect(reduce.keySelector?.(12)).to.equal(2);
      for (const up of ['0-0', '0-1']) {
        expect(task(plan, up).outputs.map((o) => o.partitioning.kind)).to.deep.equal(['hash']);
      }
      expect(wiring(plan)).to.deep.equal({
        '0-0': { in: [], out: ['1-0#0', '1-1#0'] },
        '0-1': { in: [], out: ['1-0#1', '1-1#1'] },
        '1-0': { in: ['0-0#0', '0-1#0'], out: [] },
        '1-1': { in: ['0-0#1', '0-1#1'], out: [] },
      });
    });

    it('breaks the chain where parallelism changes, defaulting to rebalance', () => {
      const e = env({ parallelism: 2 });
      numbers(e)
        .map((x) => x)
        .setParallelism(3)
        .sinkTo(sink());
      const plan = e.plan('rescale');
      expect(vertices(plan)).to.deep.equal([
        { name: 'Generator Source', parallelism: 2 },
        { name: 'Map', parallelism: 3 },
        { name: 'Collect Sink', parallelism: 2 },
      ]);
      for (const t of plan.tasks) for (const o of t.outputs) expect(o.partitioning.kind, `edge of ${t.id}`).to.equal('rebalance');
      expect(wiring(plan)).to.deep.equal({
        '0-0': { in: [], out: ['1-0#0', '1-1#0', '1-2#0'] },
        '0-1': { in: [], out: ['1-0#1', '1-1#1', '1-2#1'] },
        '1-0': { in: ['0-0#0', '0-1#0'], out: ['2-0#0', '2-1#0'] },
        '1-1': { in: ['0-0#1', '0-1#1'], out: ['2-0#1', '2-1#1'] },
        '1-2': { in: ['0-0#2', '0-1#2'], out: ['2-0#2', '2-1#2'] },
        '2-0': { in: ['1-0#0', '1-1#0', '1-2#0'], out: [] },
        '2-1': { in: ['1-0#1', '1-1#1', '1-2#1'], out: [] },
      });
    });

    it('rebalances after a non-parallel source feeding a parallel operator', () => {
      const e = env({ parallelism: 2 });
      e.fromCollection([1, 2])
        .map((x) => x)
        .sinkTo(sink());
      const plan = e.plan('collection');
      expect(vertices(plan)).to.deep.equal([
        { name: 'Collection Source', parallelism: 1 },
        { name: 'Map -> Collect Sink', parallelism: 2 },
      ]);
      expect(task(plan, '0-0').outputs.map((o) => o.partitioning.kind)).to.deep.equal(['rebalance']);
    });

    it('ends a chain at a node with two consumers, each consumer starting its own chain over forward edges', () => {
      const e = env({ parallelism: 2 });
      const shared = numbers(e).map((x) => x);
      shared.filter((x) => x > 1).sinkTo(sink());
      shared.map((x) => -x).sinkTo(sink());
      const plan = e.plan('fan-out');
      expect(vertices(plan)).to.deep.equal([
        { name: 'Generator Source -> Map', parallelism: 2 },
        { name: 'Filter -> Collect Sink', parallelism: 2 },
        { name: 'Map -> Collect Sink', parallelism: 2 },
      ]);
      expect(task(plan, '0-1').outputs.map((o) => [o.partitioning.kind, o.channels])).to.deep.equal([
        ['forward', [{ task: '1-1', channel: 0 }]],
        ['forward', [{ task: '2-1', channel: 0 }]],
      ]);
    });

    it('does not chain the two inputs of a union', () => {
      const e = env();
      const a = numbers(e);
      const b = numbers(e);
      a.union(b).map((x) => x).sinkTo(sink());
      const plan = e.plan('union');
      expect(vertices(plan).map((v) => v.name)).to.deep.equal(['Generator Source', 'Generator Source', 'Map -> Collect Sink']);
      expect(task(plan, '2-0').inputs).to.deep.equal([
        { task: '0-0', channel: 0 },
        { task: '1-0', channel: 0 },
      ]);
    });

    it('does not chain the consumer of a side output, and tags its edge', () => {
      const e = env();
      const main = numbers(e).process(new SplitOdd());
      main.getSideOutput(odd).sinkTo(sink());
      const plan = e.plan('side');
      expect(vertices(plan).map((v) => v.name)).to.deep.equal(['Generator Source -> Process', 'Collect Sink']);
      expect(task(plan, '0-0').outputs.map((o) => [o.tag, o.partitioning.kind])).to.deep.equal([['odd', 'forward']]);
    });

    it('plans one vertex per node when operatorChaining is false, pairing instance i with i over forward edges', () => {
      const e = env({ parallelism: 2, operatorChaining: false });
      numbers(e)
        .map((x) => x)
        .filter((x) => x > 0)
        .sinkTo(sink());
      const plan = e.plan('unchained');
      expect(vertices(plan)).to.deep.equal([
        { name: 'Generator Source', parallelism: 2 },
        { name: 'Map', parallelism: 2 },
        { name: 'Filter', parallelism: 2 },
        { name: 'Collect Sink', parallelism: 2 },
      ]);
      for (const t of plan.tasks) for (const o of t.outputs) expect(o.partitioning.kind).to.equal('forward');
      expect(wiring(plan)).to.deep.equal({
        '0-0': { in: [], out: ['1-0#0'] },
        '0-1': { in: [], out: ['1-1#0'] },
        '1-0': { in: ['0-0#0'], out: ['2-0#0'] },
        '1-1': { in: ['0-1#0'], out: ['2-1#0'] },
        '2-0': { in: ['1-0#0'], out: ['3-0#0'] },
        '2-1': { in: ['1-1#0'], out: ['3-1#0'] },
        '3-0': { in: ['2-0#0'], out: [] },
        '3-1': { in: ['2-1#0'], out: [] },
      });
    });
  });

  describe('partitioning', () => {
    it('connects a broadcast edge all-to-all', () => {
      const e = env({ parallelism: 3 });
      numbers(e).setParallelism(2).broadcast().map((x) => x).sinkTo(sink());
      const plan = e.plan('broadcast');
      for (const up of ['0-0', '0-1']) {
        const [edge] = task(plan, up).outputs;
        expect(edge.partitioning.kind).to.equal('broadcast');
        expect(edge.channels.map((c) => c.task)).to.deep.equal(['1-0', '1-1', '1-2']);
      }
      for (const down of ['1-0', '1-1', '1-2']) expect(task(plan, down).inputs.map((c) => c.task)).to.deep.equal(['0-0', '0-1']);
    });

    it('keeps an explicit rebalance between operators of equal parallelism, connecting them all-to-all', () => {
      const e = env({ parallelism: 2 });
      numbers(e).rebalance().map((x) => x).sinkTo(sink());
      const plan = e.plan('rebalance');
      expect(vertices(plan).map((v) => v.name)).to.deep.equal(['Generator Source', 'Map -> Collect Sink']);
      expect(task(plan, '0-0').outputs[0].partitioning.kind).to.equal('rebalance');
      expect(task(plan, '0-0').outputs[0].channels.map((c) => c.task)).to.deep.equal(['1-0', '1-1']);
    });

    it('carries the settings of the environment and the job name', () => {
      const e = env({ maxParallelism: 64, batchSize: 10, channelCapacity: 30 });
      numbers(e).sinkTo(sink());
      const plan = e.plan('settings');
      expect([plan.jobName, plan.maxParallelism, plan.batchSize, plan.channelCapacity]).to.deep.equal(['settings', 64, 10, 30]);
    });

  });

  describe('uids', () => {
    /** Every node's uid, in node order, and whether the user gave it. */
    const uids = (plan: ExecutionPlan) =>
      plan.tasks.filter((t) => t.index === 0).flatMap((t) => [...(t.source ? [t.source.node] : []), ...t.chain]).sort((a, b) => a.id - b.id).map((n) => [n.uid, n.explicitUid]);

    it('uses the uid given, or derives one of name and count among nodes of that name: <name>#<n>', () => {
      const e = env();
      numbers(e).map((x) => x).uid('doubler').filter((x) => x > 0).map((x) => x + 1).map((x) => x * 2).name('Scale').sinkTo(sink());
      expect(uids(e.plan('uids'))).to.deep.equal([
        ['Generator Source#1', false],
        ['doubler', true],
        ['Filter#1', false],
        ['Map#2', false],
        ['Scale#1', false],
        ['Collect Sink#1', false],
      ]);
    });

    it('keeps every derived uid when an operator of another name is inserted or removed before it', () => {
      const job = (insert: boolean) => {
        const e = env();
        const input = numbers(e).map((x) => x);
        (insert ? input.filter((x) => x > 1).name('Inserted') : input).keyBy((x) => x % 3).sum().sinkTo(sink());
        return uids(e.plan('insert')).filter(([uid]) => !String(uid).startsWith('Inserted'));
      };
      expect(job(true)).to.deep.equal(job(false));
      expect(job(false).map(([uid]) => uid)).to.deep.equal(['Generator Source#1', 'Map#1', 'Keyed Sum#1', 'Collect Sink#1']);
    });

    it('refuses a uid given that equals one derived for another operator, naming both', () => {
      const e = env();
      numbers(e).map((x) => x).filter((x) => x > 0).uid('Map#1').sinkTo(sink());
      expect(problemsOf(e).problems).to.deep.equal([{ _tag: 'DuplicateUid', uid: 'Map#1', operators: ['Map', 'Filter'] }]);
    });
  });

  describe('on random small topologies', () => {
    it('points every input channel at an output channel that points back, and every output at an input', () => {
      fc.assert(
        fc.property(recipe, (r) => checkChannels(build(r).plan('random'))),
        { numRuns: 300 },
      );
    });

    it('pairs instance i with i over forward edges and reaches every instance, in order, over the others', () => {
      fc.assert(
        fc.property(recipe, (r) => checkPartitions(build(r).plan('random'))),
        { numRuns: 300 },
      );
    });

    it('plans every node exactly once, in vertices whose tasks are instances 0..p-1 with unique ids and actor names', () => {
      fc.assert(
        fc.property(recipe, (r) => {
          const e = build(r);
          const plan = e.plan('random');
          const firsts = plan.tasks.filter((t) => t.index === 0);
          const planned = firsts.flatMap((t) => [...(t.source ? [t.source.node.id] : []), ...t.chain.map((n) => n.id)]);
          expect([...planned].sort((a, b) => a - b)).to.deep.equal(e.graph.nodes.map((n) => n.id));
          for (const v of firsts) {
            const mine = plan.tasks.filter((t) => t.vertex === v.vertex);
            expect(mine.map((t) => t.index)).to.deep.equal([...Array(v.parallelism).keys()]);
          }
          expect(new Set(plan.tasks.map((t) => t.id)).size).to.equal(plan.tasks.length);
          expect(new Set(plan.tasks.map((t) => t.actorName)).size).to.equal(plan.tasks.length);
          if (!r.chaining) expect(firsts.length).to.equal(e.graph.nodes.length);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('problems', () => {
    it('refuses a job without a sink', () => {
      const e = env();
      numbers(e).map((x) => x);
      const { problems, message } = problemsOf(e);
      expect(problems).to.deep.equal([{ _tag: 'NoSink' }]);
      expect(message).to.equal('the job cannot run (1 problem):\n  - the job has no sink: add sinkTo(...), print() or use executeAndCollect()');
    });

    for (const parallelism of [0, 1.5, 129, -1]) {
      it(`refuses parallelism ${parallelism}, out of 1..maxParallelism`, () => {
        const e = env();
        numbers(e).map((x) => x).setParallelism(parallelism).sinkTo(sink());
        const { problems, message } = problemsOf(e);
        expect(problems).to.deep.equal([{ _tag: 'ParallelismOutOfRange', operator: 'Map', parallelism, maxParallelism: 128 }]);
        expect(message).to.include(`operator 'Map': parallelism ${parallelism} is not an integer in 1..maxParallelism (128)`);
      });
    }

    it('refuses a parallelism above a maxParallelism that was set', () => {
      const e = env({ maxParallelism: 4 });
      numbers(e).sinkTo(sink()).setParallelism(5).name('Out');
      expect(problemsOf(e).problems).to.deep.equal([{ _tag: 'ParallelismOutOfRange', operator: 'Out', parallelism: 5, maxParallelism: 4 }]);
    });

    it('refuses a non-parallel source (fromCollection) with parallelism 2', () => {
      const e = env();
      e.fromCollection([1, 2]).setParallelism(2).sinkTo(sink());
      const { problems, message } = problemsOf(e);
      expect(problems).to.deep.equal([{ _tag: 'NonParallelSource', operator: 'Collection Source', parallelism: 2 }]);
      expect(message).to.include("operator 'Collection Source': this source is not parallel and cannot run with parallelism 2; use 1, or rebalance() after it");
    });

    it('runs a non-parallel source at parallelism 1 whatever the environment parallelism', () => {
      const e = env({ parallelism: 4 });
      e.fromCollection([1, 2]).sinkTo(sink());
      expect(vertices(e.plan('ok'))[0]).to.deep.equal({ name: 'Collection Source', parallelism: 1 });
    });

    it('refuses reading a side output the operator does not declare', () => {
      const e = env();
      numbers(e).map((x) => x).getSideOutput(odd).sinkTo(sink());
      const { problems, message } = problemsOf(e);
      expect(problems).to.deep.equal([{ _tag: 'UnknownSideOutput', operator: 'Map', tag: 'odd', declared: [] }]);
      expect(message).to.include("operator 'Map' has no side output 'odd' (declared: none); list the tag in the function's sideOutputTags");
    });

    it('lists the declared side outputs when another one is read', () => {
      const e = env();
      numbers(e).process(new SplitOdd()).getSideOutput(new OutputTag<number>('even')).sinkTo(sink());
      const { problems, message } = problemsOf(e);
      expect(problems).to.deep.equal([{ _tag: 'UnknownSideOutput', operator: 'Process', tag: 'even', declared: ['odd'] }]);
      expect(message).to.include("(declared: 'odd')");
    });

    it('refuses a KeyedProcessFunction on a stream that is not keyed', () => {
      const e = env();
      numbers(e)
        .process(new CountPerKey() as unknown as ProcessFunction<number, number>)
        .sinkTo(sink());
      const { problems, message } = problemsOf(e);
      expect(problems).to.deep.equal([{ _tag: 'KeyedFunctionOnNonKeyedStream', operator: 'Process' }]);
      expect(message).to.include("operator 'Process': a KeyedProcessFunction needs a keyed stream; call keyBy(...) before process(...)");
    });

    it('names the operator of a KeyedProcessFunction on a non-keyed stream by the name it was given', () => {
      const e = env();
      numbers(e)
        .process(new CountPerKey() as unknown as ProcessFunction<number, number>)
        .name('Classify')
        .sinkTo(sink());
      expect(problemsOf(e).problems).to.deep.equal([{ _tag: 'KeyedFunctionOnNonKeyedStream', operator: 'Classify' }]);
    });

    it('names operators by the names they were given in the other problems too', () => {
      const e = env();
      const m = numbers(e).map((x) => x).name('Enrich').uid('u').setParallelism(0);
      m.getSideOutput(odd).sinkTo(sink());
      m.filter((x) => x > 0).name('Keep').uid('u').sinkTo(sink());
      expect(problemsOf(e).problems).to.have.deep.members([
        { _tag: 'ParallelismOutOfRange', operator: 'Enrich', parallelism: 0, maxParallelism: 128 },
        { _tag: 'UnknownSideOutput', operator: 'Enrich', tag: 'odd', declared: [] },
        { _tag: 'DuplicateUid', uid: 'u', operators: ['Enrich', 'Keep'] },
      ]);
    });

    it('accepts a KeyedProcessFunction on a keyed stream', () => {
      const e = env();
      numbers(e).keyBy((x) => x % 2).process(new CountPerKey()).sinkTo(sink());
      expect(() => e.plan('ok')).to.not.throw();
    });

    it('refuses a uid used by two operators, naming both', () => {
      const e = env();
      numbers(e).map((x) => x).uid('enrich').filter((x) => x > 0).uid('enrich').sinkTo(sink()).uid('out');
      const { problems, message } = problemsOf(e);
      expect(problems).to.deep.equal([{ _tag: 'DuplicateUid', uid: 'enrich', operators: ['Map', 'Filter'] }]);
      expect(message).to.include("uid 'enrich' is used by more than one operator ('Map', 'Filter'); uids must be unique");
    });

    it('refuses a union with a stream of another environment', () => {
      const e = env();
      const foreign = numbers(env());
      numbers(e).union(foreign).sinkTo(sink());
      const { problems, message } = problemsOf(e);
      expect(problems).to.deep.equal([{ _tag: 'ForeignStream', operator: 'Union' }]);
      expect(message).to.include("operator 'Union': a stream from another StreamEnvironment cannot be combined with this one");
    });

    it('reports every problem of a topology at once, in InvalidTopologyError.problems and its message', () => {
      const e = env({ maxParallelism: 8 });
      const foreign = numbers(env());
      const source = e.fromCollection([1, 2, 3]).setParallelism(2);
      const mapped = source.map((x) => x).setParallelism(0).uid('same');
      mapped.filter((x) => x > 0).setParallelism(9).uid('same');
      mapped.getSideOutput(odd).map((x) => x).setParallelism(1.5);
      numbers(e).process(new CountPerKey() as unknown as ProcessFunction<number, number>).union(foreign);
      // ...and no sink.
      const { problems, message } = problemsOf(e);
      const expected: TopologyProblem[] = [
        { _tag: 'ForeignStream', operator: 'Union' },
        { _tag: 'NonParallelSource', operator: 'Collection Source', parallelism: 2 },
        { _tag: 'ParallelismOutOfRange', operator: 'Map', parallelism: 0, maxParallelism: 8 },
        { _tag: 'ParallelismOutOfRange', operator: 'Filter', parallelism: 9, maxParallelism: 8 },
        { _tag: 'ParallelismOutOfRange', operator: 'Map', parallelism: 1.5, maxParallelism: 8 },
        { _tag: 'UnknownSideOutput', operator: 'Map', tag: 'odd', declared: [] },
        { _tag: 'KeyedFunctionOnNonKeyedStream', operator: 'Process' },
        { _tag: 'DuplicateUid', uid: 'same', operators: ['Map', 'Filter'] },
        { _tag: 'NoSink' },
      ];
      expect(problems).to.have.deep.members(expected);
      expect(problems).to.have.length(expected.length);
      expect(message.split('\n')[0]).to.equal(`the job cannot run (${expected.length} problems):`);
      for (const p of expected) expect(message).to.include(`  - ${describeProblem(p)}`);
    });

    it('starts nothing for a refused topology: execute throws the same error', () => {
      const e = env();
      numbers(e).map((x) => x);
      expect(() => e.execute('refused')).to.throw(InvalidTopologyError, /the job has no sink/);
    });
  });
});
