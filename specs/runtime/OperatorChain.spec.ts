import { expect } from 'chai';
import pino from 'pino';
import { Supervision, supervisionDeadLetters } from '../../src/graph/SupervisionStrategy';
import { CheckpointId } from '../../src/checkpoint/CheckpointTypes';
import { ChainedNode } from '../../src/graph/ExecutionPlan';
import { NodeId } from '../../src/graph/StreamNode';
import { OperatorChain } from '../../src/runtime/OperatorChain';
import { TaskTimers } from '../../src/time/ProcessingTimeService';
import { OperatorContext, Output, StreamOperator } from '../../src/graph/StreamOperator';
import { UserFunctionFailed } from '../../src/runtime/UserFunctionFailed';
import { OperatorStateStore } from '../../src/state/OperatorStateStore';
import { Recorders } from '../support/recorders';

const silent = pino({ level: 'silent' });

/** The chain's tail as the gate would be: what reaches it, in order, as text. */
class Tail implements Output<unknown> {
  readonly seen: string[] = [];
  recordsOut = 0;
  collect(record: unknown): void {
    this.recordsOut++;
    this.seen.push(`record ${JSON.stringify(record)}`);
  }
  collectSide(tag: string, record: unknown): void {
    this.seen.push(`side ${tag} ${JSON.stringify(record)}`);
  }
  emitWatermark(watermark: number): void {
    this.seen.push(`watermark ${watermark}`);
  }
  emitIdle(): void {
    this.seen.push('idle');
  }
}

let ids = 0;
/** A chained node whose operator maps each number with `f` and writes its lifecycle into `journal`. */
function mapNode(name: string, f: (x: number) => number, journal: string[], extra: Partial<StreamOperator<number, number>> = {}, node: Partial<ChainedNode> = {}): ChainedNode {
  const factory = (): StreamOperator<number, number> => {
    let out: Output<number> | undefined;
    return {
      open(_ctx, output) {
        out = output;
        journal.push(`${name} open`);
      },
      processElement(x) {
        out?.collect(f(x));
      },
      finish: () => void journal.push(`${name} finish`),
      snapshotState: (id) => void journal.push(`${name} snapshot ${id}`),
      notifyCheckpointComplete: (id) => void journal.push(`${name} complete ${id}`),
      close: () => void journal.push(`${name} close`),
      ...extra,
    };
  };
  return { id: ids++ as NodeId, name, uid: `${name}-uid`, explicitUid: true, factory, keySelector: undefined, isSink: false, supervision: undefined, ...node };
}

describe('runtime/OperatorChain', () => {
  let actors: Recorders;
  let timers: TaskTimers;
  beforeEach(() => {
    actors = new Recorders();
    timers = new TaskTimers(() => undefined);
  });
  afterEach(() => {
    timers.close();
    actors.stop();
  });

  async function opened(nodes: readonly ChainedNode[], tail: Tail, instance = 0): Promise<OperatorChain> {
    const chain = new OperatorChain(nodes, instance, tail, silent);
    const actor = actors.recorder<unknown>().ref;
    await chain.open((node, operatorState): Omit<OperatorContext, 'failRecord'> => ({
      jobName: 'spec',
      operatorName: node.name,
      index: instance,
      parallelism: 1,
      maxParallelism: 128,
      keyedState: undefined,
      operatorState,
      time: { timestamp: NaN },
      processingTime: timers,
      isRestored: false,
      checkpointing: undefined,
      actor,
      logger: silent,
    }));
    return chain;
  }

  it("links its operators in order: each one's output is the next one's input, the last one's is the tail", async () => {
    const journal: string[] = [];
    const tail = new Tail();
    const chain = await opened([mapNode('double', (x) => x * 2, journal), mapNode('inc', (x) => x + 1, journal)], tail);
    [1, 2].forEach((x) => chain.head.collect(x));
    expect(journal).to.deep.equal(['double open', 'inc open']);
    expect(tail.seen).to.deep.equal(['record 3', 'record 5']);
    expect(chain.counters()).to.deep.equal({ double: { recordsIn: 2, recordsOut: 2 }, inc: { recordsIn: 2, recordsOut: 2 } });
  });

  it('hands records straight to the tail when it has no operators', async () => {
    const tail = new Tail();
    const chain = await opened([], tail);
    chain.head.collect('x');
    expect(tail.seen).to.deep.equal(['record "x"']);
    expect(chain.endOfBatch()).to.equal(undefined);
  });

  it('passes watermarks and idleness through operators without processWatermark, and lets one with it decide', async () => {
    const journal: string[] = [];
    const tail = new Tail();
    let out: Output<number> | undefined;
    const lagging = mapNode('lagging', (x) => x, journal, {
      open: (_ctx, output) => void (out = output),
      processWatermark: (w) => out?.emitWatermark(w - 10),
    });
    const chain = await opened([mapNode('first', (x) => x, journal), lagging], tail);
    chain.head.emitWatermark(100);
    chain.head.emitIdle();
    expect(tail.seen).to.deep.equal(['watermark 90', 'idle']);
  });

  describe('when user code throws', () => {
    it('fails with the operator, the instance and the record, marked with the failing operator’s uid, through the operators before it', async () => {
      const tail = new Tail();
      const chain = await opened([mapNode('first', (x) => x, []), mapNode('explode', (x) => (x === 13 ? (() => { throw new Error('unlucky'); })() : x), [])], tail, 1);
      let failure: unknown;
      try {
        chain.head.collect(13);
      } catch (e) {
        failure = e;
      }
      expect(failure).to.be.instanceOf(UserFunctionFailed);
      expect((failure as UserFunctionFailed).message).to.equal("user function of operator 'explode' (instance 1) failed processing record 13: unlucky");
      expect((failure as UserFunctionFailed).operatorUid).to.equal('explode-uid');
    });

    it('under resume, sends the record to the dead letters, counts it and goes on', async () => {
      const tail = new Tail();
      const strict = mapNode('strict', (x) => (x < 0 ? (() => { throw new Error(`negative: ${x}`); })() : x), [], {}, { supervision: Supervision.resume() });
      const chain = await opened([strict], tail);
      [1, -2, 3].forEach((x) => chain.head.collect(x));
      expect(tail.seen).to.deep.equal([
        'record 1',
        `side ${supervisionDeadLetters.id} ${JSON.stringify({ operator: 'strict', instance: 0, record: -2, reason: 'negative: -2' })}`,
        'record 3',
      ]);
      expect(chain.counters()).to.deep.equal({ strict: { recordsIn: 3, recordsOut: 2, deadLetters: 1 } });
    });

    it('names the phase when an operator fails outside a record, and closes every operator though one fails to close', async () => {
      const journal: string[] = [];
      const chain = await opened(
        [mapNode('a', (x) => x, journal, { close: () => { journal.push('a close'); throw new Error('stuck'); } }), mapNode('b', (x) => x, journal, { finish: () => { throw new Error('cannot flush'); } })],
        new Tail(),
      );
      let finishing: unknown;
      await chain.finish().catch((e: unknown) => (finishing = e));
      expect((finishing as Error).message).to.equal("user function of operator 'b' (instance 0) failed finishing: cannot flush");
      let closing: unknown;
      await chain.close().catch((e: unknown) => (closing = e));
      expect((closing as Error).message).to.equal("user function of operator 'a' (instance 0) failed closing: stuck");
      expect(journal).to.deep.equal(['a open', 'b open', 'a finish', 'a close', 'b close']);
    });
  });

  it('finishes, snapshots and commits its operators in chain order, with each one’s state store by uid', async () => {
    const journal: string[] = [];
    const chain = await opened([mapNode('a', (x) => x, journal), mapNode('b', (x) => x, journal)], new Tail());
    await chain.finish();
    const snapshot = await chain.snapshotState(7 as CheckpointId);
    await chain.notifyCheckpointComplete(7 as CheckpointId);
    expect(journal).to.deep.equal(['a open', 'b open', 'a finish', 'b finish', 'a snapshot 7', 'b snapshot 7', 'a complete 7', 'b complete 7']);
    const empty = new OperatorStateStore().snapshot();
    expect(snapshot).to.deep.equal({ 'a-uid': empty, 'b-uid': empty });
    expect(chain.statefulNodes()).to.deep.equal([]);
  });

  it('waits at the end of a batch for every operator that writes asynchronously', async () => {
    const journal: string[] = [];
    let release: () => void = () => undefined;
    const writing = new Promise<void>((resolve) => (release = resolve));
    const chain = await opened([mapNode('sync', (x) => x, journal), mapNode('sink', (x) => x, journal, { endOfBatch: () => writing.then(() => void journal.push('written')) })], new Tail());
    const pending = chain.endOfBatch();
    expect(pending).to.be.instanceOf(Promise);
    release();
    await pending;
    expect(journal).to.deep.equal(['sync open', 'sink open', 'written']);
  });
});
