/**
 * Async I/O (Flink's AsyncWaitOperator): calls an asynchronous function per record, keeps at
 * most `capacity` records between their call and their emission, and emits results in input
 * order (ordered) or as they complete, never across a watermark (unordered).
 *
 * Where it runs. Records arrive synchronously; a record that finds the capacity taken waits in
 * the backlog, and `endOfBatch` then returns a promise: the task takes no more input, grants
 * no credit, and upstream slows (backpressure through credits). While the task waits on that
 * promise, completions emit and start the backlog; it resolves once the backlog has started.
 * A completion at any other time schedules a wake-up (a processing-time callback, run by the
 * task between messages) and emits there: results never leave between a snapshot and its
 * barrier.
 *
 * Per record: one pooled Entry (no allocation once the pool is warm) and the one `then` that
 * observes the function's promise; one timeout timer for all requests (deadlines grow in
 * start order), a timer per retry only.
 *
 * Checkpoints: every record between its arrival and its emission (waiting, in flight, or
 * completed but held behind an earlier one) is in the operator's list state, in input order;
 * after a restore they are called again, before new input. Watermarks held in the queue are
 * not stored: they were not emitted before the barrier, and upstream sends new ones.
 *
 * Why one file of about 400 lines: the queue, the capacity, the timers and the emission are
 * one state that every method reads and changes per record; cut into objects, each record
 * would cross them on the per-record path. What stands apart is apart: the call and its
 * timeout error (AsyncCall.ts), the pooled entry (AsyncEntry.ts), the stored form
 * (asyncInFlightRecords.ts).
 */
import { CheckpointId } from '../../checkpoint/CheckpointTypes';
import { ListState } from '../../state/State';
import { ListStateDescriptor } from '../../state/StateDescriptor';
import { isLeft } from 'fp-ts/Either';
import { OperatorContext, Output, StreamOperator } from '../../graph/StreamOperator';
import { RuntimeContext, runtimeContextOf } from '../RuntimeContext';
import { AsyncCall, AsyncTimeoutError } from './AsyncCall';
import { Entry, EntryState } from './AsyncEntry';
import { StoredRecord, storedRecordSerializer } from './asyncInFlightRecords';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /** 'started': the backlog has started (endOfBatch); 'empty': everything is emitted (finish). */
  readonly until: 'started' | 'empty';
}

export class AsyncWaitOperator<I, R> implements StreamOperator<I, unknown> {
  private out!: Output<unknown>;
  private context!: OperatorContext;
  private inFlightState!: ListState<StoredRecord>;
  private head: Entry | undefined;
  private tail: Entry | undefined;
  /** The first record not started yet (the backlog runs from it to the tail). */
  private nextToStart: Entry | undefined;
  /** Records started and not emitted yet; never above capacity. */
  private held = 0;
  private readonly pool: Entry[] = [];
  /** Unordered: completed records of the oldest segment, in completion order. */
  private readonly ready: Entry[] = [];
  private watermarksQueued = 0;
  private watermarksEmitted = 0;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private waiter: Waiter | undefined;
  private wakeScheduled = false;
  /** Inside emit/start: a completion found now is handled by the loop that runs. */
  private pumping = false;
  private changed = false;
  private closed = false;
  private readonly wake = (): void => {
    this.wakeScheduled = false;
    if (!this.closed) this.pump();
  };
  private readonly expire = (): void => this.expireDue();

  constructor(private readonly call: AsyncCall<I, R>) {}

  async open(context: OperatorContext, output: Output<unknown>): Promise<void> {
    this.context = context;
    this.out = output;
    const serializer = this.call.serializer;
    this.inFlightState = context.operatorState.getListState(new ListStateDescriptor<StoredRecord>('async-io-in-flight', storedRecordSerializer));
    const runtime: RuntimeContext = runtimeContextOf(context);
    await this.call.rich.open?.(runtime);
    for (const stored of this.inFlightState.get()) {
      const input = serializer.deserialize(stored.r);
      if (isLeft(input)) throw new Error(`cannot restore a record in flight of '${context.operatorName}' (serializer ${serializer.name}): ${input.left}`);
      this.enqueueRecord(input.right, stored.t ?? NaN);
    }
    this.inFlightState.clear();
  }

  processElement(record: I): void {
    this.enqueueRecord(record, this.context.time.timestamp);
  }

  processWatermark(watermark: number): void {
    const tail = this.tail;
    if (tail === undefined) return this.out.emitWatermark(watermark);
    // Watermarks with no record between them: the later one says all the earlier one did.
    if (tail.isWatermark) {
      tail.time = watermark;
      return;
    }
    const e = this.obtain();
    e.isWatermark = true;
    e.time = watermark;
    this.append(e);
    this.watermarksQueued++;
  }

  endOfBatch(): void | Promise<void> {
    this.pump();
    if (this.nextToStart === undefined) return;
    return new Promise<void>((resolve, reject) => (this.waiter = { resolve, reject, until: 'started' }));
  }

  async finish(): Promise<void> {
    this.pump();
    while (this.head !== undefined) await new Promise<void>((resolve, reject) => (this.waiter = { resolve, reject, until: 'empty' }));
  }

  snapshotState(_checkpointId: CheckpointId): void {
    const stored: StoredRecord[] = [];
    const serializer = this.call.serializer;
    for (let e = this.head; e !== undefined; e = e.next) {
      if (!e.isWatermark) stored.push({ r: serializer.serialize(e.input as I), t: Number.isNaN(e.time) ? null : e.time });
    }
    this.inFlightState.update(stored);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timeoutTimer !== undefined) clearTimeout(this.timeoutTimer);
    for (let e = this.head; e !== undefined; e = e.next) if (e.retryTimer !== undefined) clearTimeout(e.retryTimer);
    // A waiting task is being stopped: its promise is dropped with it, never settled.
    this.waiter = undefined;
    await this.call.rich.close?.();
  }

  // --- the queue ------------------------------------------------------------------------------

  private obtain(): Entry {
    const e = this.pool.pop() ?? new Entry(this as AsyncWaitOperator<unknown, unknown>);
    e.isWatermark = false;
    e.state = 'waiting';
    e.attempts = 0;
    e.abandoned = false;
    e.segment = this.watermarksQueued;
    return e;
  }

  private release(e: Entry): void {
    e.input = undefined;
    e.result = undefined;
    e.error = undefined;
    e.retryTimer = undefined;
    if (!e.abandoned) this.pool.push(e);
  }

  private append(e: Entry): void {
    e.prev = this.tail;
    e.next = undefined;
    if (this.tail === undefined) this.head = e;
    else this.tail.next = e;
    this.tail = e;
  }

  private unlink(e: Entry): void {
    if (e.prev === undefined) this.head = e.next;
    else e.prev.next = e.next;
    if (e.next === undefined) this.tail = e.prev;
    else e.next.prev = e.prev;
    e.prev = e.next = undefined;
  }

  private enqueueRecord(input: unknown, time: number): void {
    const e = this.obtain();
    e.input = input;
    e.time = time;
    this.append(e);
    if (this.nextToStart === undefined && this.held < this.call.capacity) this.start(e);
    else this.nextToStart ??= e;
  }

  /** Starts waiting records while capacity allows. */
  private startBacklog(): void {
    while (this.nextToStart !== undefined && this.held < this.call.capacity) {
      const e = this.nextToStart;
      let n = e.next;
      while (n !== undefined && n.isWatermark) n = n.next;
      this.nextToStart = n;
      this.start(e);
    }
  }

  private start(e: Entry): void {
    this.held++;
    e.deadline = Date.now() + this.call.timeoutMs;
    if (this.timeoutTimer === undefined) this.timeoutTimer = setTimeout(this.expire, this.call.timeoutMs);
    this.attempt(e);
  }

  private attempt(e: Entry): void {
    e.state = 'running';
    e.attempts++;
    let result;
    try {
      result = this.call.invoke(e.input as I);
    } catch (error) {
      return this.settled(e, undefined, error, false);
    }
    if (isThenable(result)) result.then(e.onResult, e.onError);
    else this.settled(e, result, undefined, true);
  }

  // --- completions (also outside the task's turn) ----------------------------------------------

  /** @internal An attempt of `e` settled: retry it, or complete it. */
  settled(e: Entry, value: unknown, error: unknown, ok: boolean): void {
    if (this.closed || e.state !== 'running') return; // late: timed out, or the task is gone
    const retry = this.call.retry;
    let again: boolean;
    try {
      again = e.attempts < retry.maxAttempts && (ok ? retry.ifResult(value as R) : retry.ifError(error));
    } catch (predicateError) {
      again = false;
      ok = false;
      error = predicateError;
    }
    if (again) {
      const delay = retry.delayMs(e.attempts);
      if (Date.now() + delay < e.deadline) {
        e.state = 'backoff';
        e.retryTimer = setTimeout(() => {
          e.retryTimer = undefined;
          if (!this.closed && e.state === 'backoff') this.attempt(e);
        }, delay);
        return;
      }
    }
    e.state = ok ? 'done' : 'failed';
    e.result = value;
    e.error = error;
    this.completed(e);
  }

  /** The timeout timer: every request past its deadline completes as timed out; re-armed for the oldest left. */
  private expireDue(): void {
    this.timeoutTimer = undefined;
    if (this.closed) return;
    const now = Date.now();
    let oldest: Entry | undefined;
    let expired = false;
    // Marked first, handled after: handling emits, which unlinks entries from under the walk.
    this.pumping = true;
    for (let e = this.head; e !== undefined && e !== this.nextToStart; e = e.next) {
      if (e.state !== 'running' && e.state !== 'backoff') continue;
      if (e.deadline > now) {
        oldest = e;
        break; // deadlines grow in start order, which is list order
      }
      if (e.state === 'running') e.abandoned = true;
      if (e.retryTimer !== undefined) clearTimeout(e.retryTimer);
      e.state = 'timedOut';
      expired = true;
      this.completed(e);
    }
    this.pumping = false;
    if (oldest !== undefined) this.timeoutTimer = setTimeout(this.expire, oldest.deadline - now);
    if (expired) this.progress();
  }

  private completed(e: Entry): void {
    if (this.call.mode === 'unordered' && e.segment === this.watermarksEmitted) this.ready.push(e);
    if (this.pumping) {
      this.changed = true;
      return;
    }
    this.progress();
  }

  private progress(): void {
    if (this.waiter !== undefined) return this.progressWhileWaiting();
    this.scheduleWake();
  }

  /** The task awaits endOfBatch or finish: emit and start here, and let it go on once it may. */
  private progressWhileWaiting(): void {
    const waiter = this.waiter!;
    try {
      this.pump();
    } catch (error) {
      this.waiter = undefined;
      return waiter.reject(error);
    }
    const done = waiter.until === 'started' ? this.nextToStart === undefined : this.head === undefined;
    if (!done) return;
    this.waiter = undefined;
    // What was emitted meanwhile may sit in a chained operator (a sink's buffer) whose batch
    // ended already: one more pass lets it end another.
    if (waiter.until === 'started') this.scheduleWake();
    waiter.resolve();
  }

  private scheduleWake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    const timers = this.context.processingTime;
    // Due at once: a callback is due once the clock is past its time.
    timers.registerTimer(timers.now() - 1, this.wake);
  }

  // --- emission (in the task's turn) ---------------------------------------------------------

  /** Emits what may go, starts what capacity allows, until nothing changes. */
  private pump(): void {
    this.pumping = true;
    const time = this.context.time;
    const saved = time.timestamp;
    try {
      do {
        this.changed = false;
        this.emitCompleted();
        this.startBacklog();
      } while (this.changed);
    } finally {
      this.pumping = false;
      time.timestamp = saved;
    }
  }

  private emitCompleted(): void {
    const unordered = this.call.mode === 'unordered';
    for (;;) {
      if (unordered) {
        const ready = this.ready;
        // Emitting may fail a record (supervision): each entry leaves the queue before.
        while (ready.length > 0) this.emitRecord(ready.shift()!);
      }
      const head = this.head;
      if (head === undefined) return;
      if (head.isWatermark) {
        this.unlink(head);
        this.watermarksEmitted++;
        const watermark = head.time;
        this.release(head);
        this.out.emitWatermark(watermark);
        if (unordered) this.collectReady();
        continue;
      }
      if (unordered || !isComplete(head.state)) return;
      this.emitRecord(head);
    }
  }

  /** Unordered, a watermark just left: the completed records up to the next one may go. */
  private collectReady(): void {
    for (let e = this.head; e !== undefined && !e.isWatermark; e = e.next) if (isComplete(e.state)) this.ready.push(e);
  }

  private emitRecord(e: Entry): void {
    this.unlink(e);
    this.held--;
    const { state, input, result, error } = e;
    this.context.time.timestamp = e.time;
    const attempts = e.attempts;
    this.release(e);
    if (state === 'done') return this.emitResult(input, result);
    if (state === 'failed') return this.context.failRecord(input, error);
    const handler = this.call.timeout;
    if (handler === undefined) return this.context.failRecord(input, new AsyncTimeoutError(this.call.timeoutMs, attempts));
    let fallback: R;
    try {
      fallback = handler(input as I);
    } catch (handlerError) {
      return this.context.failRecord(input, handlerError);
    }
    this.emitResult(input, fallback);
  }

  private emitResult(input: unknown, result: unknown): void {
    if (this.call.one) return this.out.collect(result);
    if (!isIterable(result)) {
      return this.context.failRecord(input, new Error(`the async function's result must be an iterable of records (an array), got ${describe(result)}; a function given directly emits its one result as is`));
    }
    for (const r of result) this.out.collect(r);
  }
}

function isComplete(state: EntryState): boolean {
  return state === 'done' || state === 'failed' || state === 'timedOut';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return ((typeof value === 'object' && value !== null) || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
