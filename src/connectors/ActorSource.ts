/**
 * A source fed by an application actor, with backpressure (Pekko's
 * `Source.actorRefWithBackpressure`, in credits rather than one acknowledgement per element):
 * the source tells the producer actor how many records it may send, and grants more only as
 * it emits them, so the producer is slowed and nothing is buffered without bound — at most
 * `bufferSize` records are in flight between the producer and the job.
 *
 * Guarantee (see docs/actors.md): with exactly-once or at-least-once checkpoints, a record is
 * acknowledged to the producer only once a completed checkpoint holds it; after a restore the
 * source asks the producer to resend from the first record the checkpoint does not hold. A
 * producer that keeps unacknowledged records and resends them in the same order (what
 * `ActorSourceOutbox` does) gets the job's guarantee for them. Without checkpoints (or with
 * at-most-once ones) a record is acknowledged as it enters the job, and records in flight when
 * a task fails are lost.
 *
 * @example
 * const producer = spawn(system, (outbox, msg) => { ... outbox.handle(msg) ... }, 'orders',
 *   { initialStateFunc: () => new ActorSourceOutbox<Order>(10_000) });
 * env.fromSource(ActorSource.actorRefWithBackpressure<Order>(producer, { bufferSize: 1024 }));
 */
import { absurd } from 'fp-ts/function';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { Ref, dispatch, spawnStateless, stop } from 'nact';
import { CheckpointId } from '../checkpoint/CheckpointTypes';
import { PathReporter } from 'io-ts/PathReporter';
import { ActorSourceMsg, ActorSourceMsgCodec, ActorSourceSignal, RemoteActorSourceSignal, RemoteActorSourceSignalCodec } from './actorSourceProtocol';
import { PollResult, Source, SourceReader, SplitContext } from '../graph/Source';
import { TaskManagerInstance } from '../graph/TaskManagerInstance';

/** Options of an actor source. */
export interface ActorSourceOptions {
  /** Records in flight between the producer and the job, at most (default 1024). */
  readonly bufferSize?: number;
}

const PositionCodec = t.type({ next: t.number });
/** The number of the next record to emit: every record before it is in the job. */
export type ActorSourcePosition = t.TypeOf<typeof PositionCodec>;

/** How long a poll waits for records before it lets the task handle other messages. */
const POLL_WAIT_MS = 50;

/** Records pushed by an application actor, within credits the source grants (see docs/actors.md). */
export class ActorSource<T> implements Source<T> {
  readonly name = 'Actor Source';
  /** One producer, one sequence of records: one instance. */
  readonly parallel = false;
  readonly bufferSize: number;

  private constructor(readonly producer: Ref<ActorSourceSignal<T>>, options: ActorSourceOptions) {
    this.bufferSize = options.bufferSize ?? 1024;
    if (!Number.isInteger(this.bufferSize) || this.bufferSize < 1) throw new RangeError(`ActorSource: bufferSize must be a positive integer, got ${options.bufferSize}`);
  }

  /** A source whose records `producer` sends, as the credits it receives allow. */
  static actorRefWithBackpressure<T>(producer: Ref<any>, options: ActorSourceOptions = {}): ActorSource<T> {
    return new ActorSource<T>(producer, options);
  }

  /** Called by the runtime: one reader per parallel instance, created in its task. */
  createReader(split: SplitContext): SourceReader<T> {
    return new ActorSourceReader<T>(this.producer, this.bufferSize, split);
  }

  /** The inlet standing, in this thread, for the reader of each instance in a task manager. */
  private readonly remoteInlets = new Map<number, Ref<ActorSourceMsg<T>>>();

  /**
   * In the application's thread, for a reader in a task manager: its signal goes to the
   * producer with an inlet of this thread, which sends what the producer sends it back to the
   * reader. A reader (re)started gets a new inlet.
   */
  fromTaskManager(message: unknown, from: TaskManagerInstance): void {
    const decoded = RemoteActorSourceSignalCodec.decode(message);
    if (isLeft(decoded)) throw new Error(`Actor Source: a reader in a task manager sent what is not a signal: ${PathReporter.report(decoded).join('; ')}`);
    const signal = decoded.right;
    let inlet = this.remoteInlets.get(from.index);
    if (signal.type === 'source.started' || inlet === undefined) {
      if (inlet !== undefined) stop(inlet);
      inlet = spawnStateless(from.parent as Ref<never>, (msg: ActorSourceMsg<T>) => from.reply(msg)) as Ref<ActorSourceMsg<T>>;
      this.remoteInlets.set(from.index, inlet);
    }
    dispatch(this.producer, { ...signal, inlet });
  }
}

class ActorSourceReader<T> implements SourceReader<T> {
  /** Number of the next record to emit. */
  private emitted: number;
  /** Number of the next record expected from the producer. */
  private received: number;
  /** Credits granted and not used yet. */
  private granted = 0;
  private acknowledged: number;
  private buffer: T[] = [];
  private head = 0;
  private completed = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private inlet: Ref<ActorSourceMsg<T>> | undefined;
  /** Sends a signal to the producer: with this thread's inlet, or through the application's thread (in a task manager). */
  private signal: (signal: RemoteActorSourceSignal) => void = () => {};
  /** Positions taken into checkpoints not known complete yet, oldest first. */
  private readonly pending: { readonly id: CheckpointId; readonly next: number }[] = [];
  /** Acknowledge on checkpoint completion rather than on emission. */
  private readonly ackOnCheckpoint: boolean;

  constructor(private readonly producer: Ref<ActorSourceSignal<T>>, private readonly bufferSize: number, private readonly split: SplitContext) {
    let next = 0;
    if (split.restoredPosition !== undefined) {
      const decoded = PositionCodec.decode(split.restoredPosition);
      if (isLeft(decoded)) throw new Error(`Actor Source: cannot resume from position ${JSON.stringify(split.restoredPosition)}; expected { next: number }`);
      next = decoded.right.next;
    }
    this.emitted = this.received = this.acknowledged = next;
    this.ackOnCheckpoint = split.checkpointing === 'exactly-once' || split.checkpointing === 'at-least-once';
  }

  open(): void {
    if (this.split.actor === undefined) throw new Error('Actor Source: runs only inside a task actor');
    const { toApplication, fromApplication } = this.split;
    if (toApplication !== undefined && fromApplication !== undefined) {
      // In a task manager: the producer is an actor of the application's thread, which relays both ways.
      fromApplication((message) => {
        const msg = ActorSourceMsgCodec.decode(message);
        if (isLeft(msg)) return this.fail(`the producer sent what is not a source message: ${PathReporter.report(msg).join('; ')}`);
        this.arrived(msg.right as ActorSourceMsg<T>);
      });
      this.signal = toApplication;
    } else {
      const inlet = (this.inlet = spawnStateless(this.split.actor as Ref<never>, (msg: ActorSourceMsg<T>) => this.arrived(msg), 'inlet') as Ref<ActorSourceMsg<T>>);
      this.signal = (signal) => dispatch(this.producer, { ...signal, inlet });
    }
    this.granted = this.bufferSize;
    this.signal({ type: 'source.started', resumeFrom: this.emitted, credits: this.bufferSize });
  }

  private arrived(msg: ActorSourceMsg<T>): void {
    switch (msg.type) {
      case 'source.records': {
        // A resend may overlap what arrived already: take only what is new.
        const skip = this.received - msg.from;
        if (skip < 0) return this.fail(`records from number ${msg.from} arrived while number ${this.received} was expected next`);
        const fresh = msg.records.length - skip;
        if (fresh <= 0) return;
        if (fresh > this.granted) return this.fail(`the producer sent ${fresh} records with ${this.granted} credits left`);
        for (let i = skip; i < msg.records.length; i++) this.buffer.push(msg.records[i]);
        this.received += fresh;
        this.granted -= fresh;
        break;
      }
      case 'source.complete':
        this.completed = true;
        break;
      case 'source.fail':
        return this.fail(msg.reason);
      default:
        return absurd(msg);
    }
    this.notify();
  }

  private fail(reason: string): void {
    this.failure ??= new Error(`Actor Source: ${reason}`);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  poll(max: number, emit: (record: T) => void): PollResult | Promise<PollResult> {
    if (this.failure !== undefined) throw this.failure;
    if (this.head === this.buffer.length) {
      if (this.completed) return 'end';
      return new Promise<PollResult>((resolve) => {
        const timer = setTimeout(() => this.notify(), POLL_WAIT_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve('more');
        };
      });
    }
    let n = 0;
    while (n < max && this.head < this.buffer.length) {
      emit(this.buffer[this.head++]);
      n++;
    }
    this.emitted += n;
    // Drop what was emitted: the buffer holds at most `bufferSize` records not emitted yet.
    if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    } else if (this.head >= this.bufferSize) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    if (!this.ackOnCheckpoint) this.acknowledged = this.emitted;
    this.granted += n;
    this.signal({ type: 'source.demand', credits: n, acknowledged: this.acknowledged });
    return this.completed && this.head === this.buffer.length ? 'end' : 'more';
  }

  position(checkpointId?: CheckpointId): ActorSourcePosition {
    if (checkpointId !== undefined && this.ackOnCheckpoint) this.pending.push({ id: checkpointId, next: this.emitted });
    return { next: this.emitted };
  }

  notifyCheckpointComplete(checkpointId: CheckpointId): void {
    let upTo = -1;
    while (this.pending.length > 0 && this.pending[0].id <= checkpointId) upTo = this.pending.shift()!.next;
    if (upTo <= this.acknowledged) return;
    this.acknowledged = upTo;
    this.signal({ type: 'source.acknowledged', upTo });
  }

  close(): void {
    this.notify();
    if (this.inlet !== undefined) stop(this.inlet);
  }
}
