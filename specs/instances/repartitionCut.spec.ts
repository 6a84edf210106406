import { expect } from 'chai';
import fc from 'fast-check';
import { RepartitionCut, RepartitionHeaders, RepartitionSnapshot } from '../../src/instances/repartitionCut';

/** A message of the model's partitions: headers, and the record's id (none for a barrier). */
interface Message extends RepartitionHeaders {
  readonly id?: string;
}

type Item = { readonly kind: 'record'; readonly id: string; readonly partition: number } | { readonly kind: 'barrier'; readonly n: number };

/** A producing subtask of one epoch: its items from `position`, each item's appends one by one (a barrier goes to every partition). */
class Producer {
  private readonly pending: Array<{ partition: number; message: Message }> = [];
  constructor(readonly index: number, readonly epoch: number, private readonly items: readonly Item[], private position: number, private readonly partitions: number) {}

  get done(): boolean {
    return this.pending.length === 0 && this.position >= this.items.length;
  }

  /** Where it is in its items once every append of the last one was made; undefined in between. */
  get settled(): number | undefined {
    return this.pending.length === 0 ? this.position : undefined;
  }

  /** Makes its next append into `log`; false when it has nothing left. */
  step(log: Message[][]): boolean {
    if (this.pending.length === 0) {
      const item = this.items[this.position];
      if (item === undefined) return false;
      this.position++;
      if (item.kind === 'record') this.pending.push({ partition: item.partition, message: { epoch: this.epoch, producer: this.index, id: item.id } });
      else for (let p = 0; p < this.partitions; p++) this.pending.push({ partition: p, message: { epoch: this.epoch, producer: this.index, barrier: item.n } });
    }
    const { partition, message } = this.pending.shift()!;
    log[partition].push(message);
    return true;
  }
}

/** A reader of some partitions: what it passed on, and how much of it each snapshot covers. */
class Reader {
  readonly passed: string[] = [];
  readonly snapshots = new Map<number, { snapshot: RepartitionSnapshot; passed: number }>();
  private readonly at = new Map<number, number>();
  constructor(readonly cut: RepartitionCut, readonly partitions: readonly number[]) {
    for (const [p, offset] of cut.offsets()) this.at.set(p, Number(offset));
  }

  /** Reads the next message of the `choice`-th partition with one unread; false when all are read. */
  step(log: Message[][], choice: number): boolean {
    const readable = this.partitions.filter((p) => this.at.get(p)! < log[p].length);
    if (readable.length === 0) return false;
    const p = readable[choice % readable.length];
    const offset = this.at.get(p)!;
    this.at.set(p, offset + 1);
    const message = log[p][offset];
    const verdict = this.cut.next(p, String(offset), message);
    if (verdict.kind === 'record') this.passed.push(message.id!);
    if (verdict.kind === 'barrier' && verdict.snapshot !== undefined) this.snapshots.set(verdict.snapshot.checkpointId, { snapshot: verdict.snapshot, passed: this.passed.length });
    return true;
  }
}

/** Each producer's items: records spread over the partitions, barriers 1..barriers in order among them. */
const itemsOf = (producers: number, partitions: number, barriers: number) =>
  fc.tuple(
    ...[...Array(producers).keys()].map((s) =>
      fc.array(fc.integer({ min: 0, max: partitions - 1 }), { minLength: barriers, maxLength: 14 }).chain((targets) =>
        fc.uniqueArray(fc.integer({ min: 0, max: targets.length }), { minLength: barriers, maxLength: barriers }).map((cuts) => {
          const at = [...cuts].sort((a, b) => a - b);
          const items: Item[] = [];
          targets.forEach((partition, i) => {
            at.forEach((c, b) => c === i && items.push({ kind: 'barrier', n: b + 1 }));
            items.push({ kind: 'record', id: `${s}-${i}`, partition });
          });
          at.forEach((c, b) => c === targets.length && items.push({ kind: 'barrier', n: b + 1 }));
          return items;
        }),
      ),
    ),
  );

const scenario = fc
  .record({ producers: fc.integer({ min: 1, max: 3 }), partitions: fc.integer({ min: 1, max: 4 }), barriers: fc.integer({ min: 1, max: 4 }) })
  .chain(({ producers, partitions, barriers }) =>
    fc.record({
      producers: fc.constant(producers),
      partitions: fc.constant(partitions),
      items: itemsOf(producers, partitions, barriers),
      /**
       * The epochs that fail: each one's steps, a choice of who moves (a producer of the epoch,
       * a zombie of an earlier one, a reader) and which partition a reader reads; then one last
       * epoch that runs to the end. Each epoch's readers split the partitions its own way.
       */
      failing: fc.array(
        fc.record({
          steps: fc.array(fc.nat(), { minLength: 10, maxLength: 150, size: 'max' }),
          readers: fc.integer({ min: 1, max: 3 }),
          zombies: fc.array(fc.boolean(), { minLength: producers, maxLength: producers }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      last: fc.array(fc.nat(), { maxLength: 150, size: 'max' }),
    }),
  );

/** A checkpoint the model restored or can restore: the readers' snapshots, and every record passed on before them (since the start). */
interface Checkpoint {
  readonly n: number;
  readonly snapshots: readonly RepartitionSnapshot[];
  readonly covered: readonly string[];
}

describe('instances/repartitionCut', () => {
  it('passes on every record exactly once across failures: what the restored checkpoint covers, then the restored readers, with zombies of every failed epoch writing on (model, fast-check)', () => {
    // How many runs restored a checkpoint, and how many of those met records of a failed epoch the restored readers had to drop, to take, and to keep across a second restore.
    const seen = { runs: 0, restored: 0, dropped: 0, replayed: 0, carried: 0 };
    const property = fc.property(scenario, ({ producers, partitions, items, failing, last }) => {
        const log: Message[][] = [...Array(partitions).keys()].map(() => []);
        const all = [...Array(partitions).keys()];
        let restored: Checkpoint = { n: 0, snapshots: [], covered: [] };
        const zombies: Producer[] = [];
        let dropped = 0;
        let replayed = 0;
        let carried = false;
        const runEpoch = (epoch: number, readerCount: number, steps: readonly number[], drain: boolean): { readers: Reader[]; producers: Producer[] } => {
          const resumeAt = (s: number) => (restored.n === 0 ? 0 : items[s].findIndex((it) => it.kind === 'barrier' && it.n === restored.n) + 1);
          const own = items.map((its, s) => new Producer(s, epoch, its, resumeAt(s), partitions));
          const readers = [...Array(readerCount).keys()].map((r) => {
            const ps = all.filter((p) => p % readerCount === r);
            const start = restored.n === 0 ? { offsets: new Map(ps.map((p) => [p, '0'])) } : { snapshots: restored.snapshots };
            const cut = new RepartitionCut(epoch, producers, ps, start);
            carried ||= restored.snapshots.some((sn) => sn.partitions.some((pc) => pc.keep.some((c) => c.epoch < sn.epoch)));
            const next = cut.next.bind(cut);
            cut.next = (partition, offset, headers) => {
              const verdict = next(partition, offset, headers);
              if (headers.epoch < epoch && headers.barrier === undefined) verdict.kind === 'drop' ? dropped++ : replayed++;
              return verdict;
            };
            return new Reader(cut, ps);
          });
          const movers = [...own, ...zombies];
          for (const choice of steps) {
            const who = choice % (movers.length + readerCount);
            if (who < movers.length) movers[who].step(log);
            else readers[who - movers.length].step(log, Math.floor(choice / 7));
          }
          if (drain) {
            while (own.some((p) => p.step(log)));
            for (const r of readers) while (r.step(log, 0));
          }
          return { readers, producers: own };
        };

        failing.forEach(({ steps, readers: readerCount, zombies: goOn }, e) => {
          const { readers, producers: own } = runEpoch(e + 1, readerCount, steps, false);
          // The last checkpoint complete at the failure: every reader snapshotted it, every producer wrote its barrier everywhere.
          const complete = (n: number) =>
            readers.every((r) => r.partitions.length === 0 || r.snapshots.has(n)) &&
            own.every((p, s) => {
              const settled = p.settled;
              return settled !== undefined && settled > items[s].findIndex((it) => it.kind === 'barrier' && it.n === n);
            });
          let n = restored.n;
          while (complete(n + 1)) n++;
          if (n > restored.n) {
            const withState = readers.filter((r) => r.partitions.length > 0);
            restored = {
              n,
              snapshots: withState.map((r) => r.snapshots.get(n)!.snapshot),
              covered: [...restored.covered, ...withState.flatMap((r) => r.passed.slice(0, r.snapshots.get(n)!.passed))],
            };
          }
          own.forEach((p, s) => goOn[s] && zombies.push(p));
        });
        const { readers } = runEpoch(failing.length + 1, 1 + (last.length % 3), last, true);

        const expected = items.flatMap((its) => its.flatMap((it) => (it.kind === 'record' ? [it.id] : []))).sort();
        expect([...restored.covered, ...readers.flatMap((r) => r.passed)].sort()).to.deep.equal(expected);
        seen.runs++;
        if (restored.n > 0) seen.restored++;
        if (dropped > 0) seen.dropped++;
        if (replayed > 0) seen.replayed++;
        if (carried) seen.carried++;
      });
    // A fixed seed, so that the coverage below is the same on every run: records kept open
    // across a second restore come in about 2–4 runs of a thousand, which a random seed
    // sometimes falls short of. Then as many runs again on a random seed, for their own cases.
    fc.assert(property, { numRuns: 3000, seed: 20261207 });
    // The runs that matter are not rare: a checkpoint restored; records of a failed epoch dropped, replayed, and kept open across a second restore.
    for (const what of ['restored', 'dropped', 'replayed', 'carried'] as const) expect(seen[what] / seen.runs, `${what}: ${JSON.stringify(seen)}`).to.be.greaterThan(what === 'carried' ? 0.001 : 0.05);
    fc.assert(property, { numRuns: 3000 });
  });

  it('snapshots at the first barrier of a checkpoint, keeping the channels whose barrier it has not read in each partition', () => {
    const cut = new RepartitionCut(3, 2, [0, 1], { offsets: new Map([[0, '10'], [1, '20']]) });
    expect(cut.next(0, '10', { epoch: 3, producer: 0 })).to.deep.equal({ kind: 'record' });
    expect(cut.next(0, '11', { epoch: 3, producer: 1, barrier: 1 })).to.deep.equal({
      kind: 'barrier',
      snapshot: {
        checkpointId: 1,
        epoch: 3,
        partitions: [
          { partition: 0, offset: '12', keep: [{ epoch: 3, producer: 0, untilBarrier: 1 }] },
          { partition: 1, offset: '20', keep: [{ epoch: 3, producer: 0, untilBarrier: 1 }, { epoch: 3, producer: 1, untilBarrier: 1 }] },
        ],
      },
    });
    expect(cut.next(1, '20', { epoch: 3, producer: 0, barrier: 1 })).to.deep.equal({ kind: 'barrier', snapshot: undefined });
    expect(cut.next(1, '21', { epoch: 2, producer: 0 })).to.deep.equal({ kind: 'drop' });
    expect(cut.offsets()).to.deep.equal(new Map([[0, '12'], [1, '22']]));
  });

  it('restored, takes the kept channels of the older epoch up to their barrier and drops the rest of that epoch', () => {
    const snapshot: RepartitionSnapshot = { checkpointId: 4, epoch: 1, partitions: [{ partition: 0, offset: '5', keep: [{ epoch: 1, producer: 1, untilBarrier: 4 }] }] };
    const cut = new RepartitionCut(2, 1, [0], { snapshots: [snapshot] });
    const verdicts = [
      cut.next(0, '5', { epoch: 1, producer: 0 }),
      cut.next(0, '6', { epoch: 1, producer: 1 }),
      cut.next(0, '7', { epoch: 1, producer: 1, barrier: 4 }),
      cut.next(0, '8', { epoch: 1, producer: 1 }),
      cut.next(0, '9', { epoch: 2, producer: 0 }),
      cut.next(0, '10', { epoch: 2, producer: 0, barrier: 4 }),
      cut.next(0, '11', { epoch: 2, producer: 0, barrier: 5 }),
    ].map((v) => v.kind);
    expect(verdicts).to.deep.equal(['drop', 'record', 'barrier', 'drop', 'record', 'barrier', 'barrier']);
  });

  it('refuses a restore under the same or an older epoch, snapshots of two checkpoints, a partition in two snapshots, a partition without a start', () => {
    const snap = (epoch: number, checkpointId: number, partition = 0): RepartitionSnapshot => ({ checkpointId, epoch, partitions: [{ partition, offset: '0', keep: [] }] });
    expect(() => new RepartitionCut(2, 1, [0], { snapshots: [snap(2, 1)] })).to.throw('a repartition reader of epoch 2 cannot restore a snapshot of epoch 2: a restore runs under a newer epoch');
    expect(() => new RepartitionCut(3, 1, [0, 1], { snapshots: [snap(2, 1), snap(2, 2, 1)] })).to.throw('the snapshots restored must be of one checkpoint, got 2 and 1');
    expect(() => new RepartitionCut(3, 1, [0], { snapshots: [snap(2, 1), snap(2, 1)] })).to.throw('partition 0 is in two snapshots of checkpoint 1');
    expect(() => new RepartitionCut(3, 1, [0, 1], { snapshots: [snap(2, 1)] })).to.throw('no start offset for partition 1 in the snapshots of checkpoint 1');
    expect(() => new RepartitionCut(3, 1, [0], { offsets: new Map() })).to.throw('no start offset for partition 0 in the offsets given');
    expect(() => new RepartitionCut(3, 0, [0], { offsets: new Map([[0, '0']]) })).to.throw('a repartition reader needs 1 or more producers, got 0');
  });
});
