/**
 * Where a reader of a repartition topic cuts its input at a checkpoint, and what it replays
 * after a restore (docs/cluster.md, "Checkpoints across instances"). Pure: the Kafka reading is
 * in RepartitionReader.ts.
 *
 * A repartition topic has one partition per key group; every producing subtask writes its
 * records into the partitions of their key groups and, at barrier n, a control record into
 * every partition; every record carries its producer's epoch and subtask. A partition thus
 * interleaves several producers, and a reader cannot hold one producer back without holding
 * them all. So it does not align by blocking: it snapshots at the *first* barrier n it reads
 * in any of its partitions, recording each partition's next offset and the *channels* (epoch,
 * producer) whose barrier n it has not read there yet. The records of those channels that come
 * later in the partition, up to their barrier n, belong before the checkpoint: they are its
 * in-flight data, and they stay in Kafka (the snapshot holds offsets, not records).
 *
 * After a restore (always under a newer epoch) the reader starts at the snapshot's offsets and
 * takes, of the records of older epochs, only those of the kept channels, each up to its
 * barrier; every other record of an older epoch is dropped — it is either after its
 * producer's checkpoint (the restored producer writes it again) or a zombie's. Records of the
 * current epoch are all taken. A kept channel that is still open at a later snapshot is kept by
 * that one too. This is exactly once provided a checkpoint completes only after every producer
 * wrote its barrier into every partition (RepartitionWriter.barrier resolves once Kafka has
 * them all), so each kept channel ends in every partition, and a zombie's later records come
 * after its barrier.
 */

/** A producer's records of one epoch in one partition, taken up to (not including) its barrier `untilBarrier`. */
export interface KeptChannel {
  readonly epoch: number;
  readonly producer: number;
  readonly untilBarrier: number;
}

/** One partition of a reader's snapshot: where to start, and which records of older epochs to take from there. */
export interface PartitionCut {
  readonly partition: number;
  /** The next offset to read (Kafka offsets are 64-bit: kept as decimal text). */
  readonly offset: string;
  readonly keep: readonly KeptChannel[];
}

/** A reader's snapshot: plain data, for the checkpoint. */
export interface RepartitionSnapshot {
  readonly checkpointId: number;
  readonly epoch: number;
  readonly partitions: readonly PartitionCut[];
}

/** What a repartition record's headers say. */
export interface RepartitionHeaders {
  readonly epoch: number;
  readonly producer: number;
  /** Set on a barrier (a control record): its checkpoint id. */
  readonly barrier?: number;
}

/** What the reader does with a record: pass it on, drop it, or (a barrier) nothing, after snapshotting when it is the first of its checkpoint. */
export type CutVerdict = { readonly kind: 'record' } | { readonly kind: 'drop' } | { readonly kind: 'barrier'; readonly snapshot: RepartitionSnapshot | undefined };

const RECORD: CutVerdict = { kind: 'record' };
const DROP: CutVerdict = { kind: 'drop' };
const BARRIER: CutVerdict = { kind: 'barrier', snapshot: undefined };

interface PartitionState {
  offset: string;
  /** Kept channels of older epochs still open (their barrier not read yet). */
  keep: KeptChannel[];
  /** Current epoch: producer -> the last barrier read in this partition. */
  readonly barriers: Map<number, number>;
}

export class RepartitionCut {
  private readonly partitions = new Map<number, PartitionState>();
  /** The checkpoint of the last snapshot taken (or restored). */
  private lastCheckpoint: number;

  /**
   * `epoch`: the epoch the reader runs under; `producers`: the producing subtasks of this
   * epoch (0..producers-1); `partitions`: the partitions (key groups) it reads; `start`: each
   * partition's first offset (a fresh job), or the snapshots of the restored checkpoint (any
   * number of former readers: each partition is taken from the one that read it).
   */
  constructor(
    readonly epoch: number,
    readonly producers: number,
    partitions: readonly number[],
    start: { readonly offsets: ReadonlyMap<number, string> } | { readonly snapshots: readonly RepartitionSnapshot[] },
  ) {
    if (!Number.isInteger(producers) || producers < 1) throw new Error(`a repartition reader needs 1 or more producers, got ${producers}`);
    const cuts = new Map<number, PartitionCut>();
    let checkpoint = 0;
    if ('snapshots' in start) {
      for (const snapshot of start.snapshots) {
        if (snapshot.epoch >= epoch) throw new Error(`a repartition reader of epoch ${epoch} cannot restore a snapshot of epoch ${snapshot.epoch}: a restore runs under a newer epoch`);
        if (snapshot.checkpointId !== start.snapshots[0].checkpointId) throw new Error(`the snapshots restored must be of one checkpoint, got ${snapshot.checkpointId} and ${start.snapshots[0].checkpointId}`);
        checkpoint = snapshot.checkpointId;
        for (const cut of snapshot.partitions) {
          if (cuts.has(cut.partition)) throw new Error(`partition ${cut.partition} is in two snapshots of checkpoint ${checkpoint}`);
          cuts.set(cut.partition, cut);
        }
      }
    }
    for (const partition of partitions) {
      const cut = cuts.get(partition);
      const offset = 'offsets' in start ? start.offsets.get(partition) : cut?.offset;
      if (offset === undefined || !/^\d+$/.test(offset)) throw new Error(`no start offset for partition ${partition} ${'offsets' in start ? 'in the offsets given' : `in the snapshots of checkpoint ${checkpoint}`}`);
      this.partitions.set(partition, { offset, keep: cut === undefined ? [] : [...cut.keep], barriers: new Map() });
    }
    this.lastCheckpoint = checkpoint;
  }

  /** Each partition's next offset: where reading starts. */
  offsets(): Map<number, string> {
    return new Map([...this.partitions].map(([p, s]) => [p, s.offset]));
  }

  /** The verdict on the record at `offset` of `partition`, read in order. */
  next(partition: number, offset: string, headers: RepartitionHeaders): CutVerdict {
    const state = this.partitions.get(partition);
    if (state === undefined) throw new Error(`partition ${partition} is not read by this reader`);
    state.offset = (BigInt(offset) + 1n).toString();
    const { epoch, producer, barrier } = headers;
    if (epoch !== this.epoch) return this.older(state, headers);
    if (barrier === undefined) return RECORD;
    state.barriers.set(producer, Math.max(barrier, state.barriers.get(producer) ?? 0));
    if (barrier <= this.lastCheckpoint) return BARRIER;
    this.lastCheckpoint = barrier;
    return { kind: 'barrier', snapshot: this.snapshot(barrier) };
  }

  private older(state: PartitionState, { epoch, producer, barrier }: RepartitionHeaders): CutVerdict {
    const at = state.keep.findIndex((c) => c.epoch === epoch && c.producer === producer);
    if (at < 0) return DROP;
    if (barrier === undefined) return RECORD;
    if (barrier >= state.keep[at].untilBarrier) state.keep.splice(at, 1);
    return BARRIER;
  }

  private snapshot(checkpointId: number): RepartitionSnapshot {
    const partitions: PartitionCut[] = [];
    for (const [partition, state] of this.partitions) {
      const keep = [...state.keep];
      for (let producer = 0; producer < this.producers; producer++) {
        if ((state.barriers.get(producer) ?? 0) < checkpointId) keep.push({ epoch: this.epoch, producer, untilBarrier: checkpointId });
      }
      partitions.push({ partition, offset: state.offset, keep });
    }
    return { checkpointId, epoch: this.epoch, partitions };
  }
}
