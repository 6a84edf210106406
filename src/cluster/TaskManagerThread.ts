/**
 * One task manager as the job master's thread sees it: its worker thread, what it says (decoded
 * with io-ts, then handed to the master, the coordinator, a waiting question or a sink object of
 * the application's), and its end. A thread that ends while the job runs — it threw, ran out of
 * memory (resourceLimits), or was terminated — fails the attempt it ran (a job failure, for the
 * restart strategy), and the tasks it held count as closed, as they are gone.
 */
import { absurd } from 'fp-ts/function';
import { TransferListItem } from 'worker_threads';
import { isLeft } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import { Ref, dispatch } from 'nact';
import { TaskId } from '../checkpoint/TaskId';
import { TaskManagerInstance } from '../graph/TaskManagerInstance';
import { CoordinatorMsg, CoordinatorRef } from '../checkpoint/coordinatorProtocol';
import { MasterMsg, MasterRef } from '../runtime/protocol';
import { TaskCounters } from '../metrics/TaskCounters';
import { TaskMetricsReport } from '../metrics/TaskMetrics';
import { TaskSnapshot } from '../checkpoint/CheckpointTypes';
import { fromPlainError } from './plainError';
import { TaskManagerUsage } from './taskManagerUsage';
import { TaskManagerLink } from './taskStandIn';
import { Question, RemoteMasterMsg, RemoteTaskMsg, TaskManagerCommand, TaskManagerMsgCodec } from './taskManagerProtocol';

/** A source or sink object of the application's thread (Source, Sink): what it takes from task managers. */
export interface Connector {
  fromTaskManager?(message: unknown, from: TaskManagerInstance): void;
  taskManagerLost?(index: number): void;
}

/** Where a task manager's messages go in this thread. */
export interface Receivers {
  readonly master: MasterRef;
  readonly coordinator: CoordinatorRef | undefined;
  /** The source and sink objects of the application's thread, by node uid, and the index of each task. */
  readonly connectors: ReadonlyMap<string, Connector>;
  readonly indexOf: ReadonlyMap<TaskId, number>;
  /** The uids of the sources and sinks each task runs. */
  readonly connectorsOf: ReadonlyMap<TaskId, readonly string[]>;
  /** At-most-once: where source tasks' positions are saved (the checkpoint store). */
  readonly saveSourceProgress: ((task: TaskId, position: unknown) => Promise<void>) | undefined;
}

/**
 * What carries commands to a task manager and its messages back: its worker thread (a Worker
 * fits as it is), or the Redis link to an instance in another process (InstanceDeployment).
 */
export interface TaskManagerPort {
  postMessage(command: TaskManagerCommand, transfer?: readonly TransferListItem[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  /** Ends it for good; `ended` settles then. */
  terminate(): Promise<number>;
}

let requests = 0;

export class TaskManagerThread implements TaskManagerLink {
  private alive = true;
  private shuttingDown = false;
  /** Its end was reported as a failure already (it broke the protocol and was terminated). */
  private failureReported = false;
  private receivers: Receivers | undefined;
  private attempt = -1;
  /** Tasks of the current attempt that have not reported closed. */
  private readonly open = new Set<TaskId>();
  /** Of those, the ones told to stop. */
  private readonly stopping = new Set<TaskId>();
  private readonly questions = new Map<number, Ref<unknown>>();
  /** Tasks of the attempt restarted alone, and how many times. */
  private readonly incarnations = new Map<TaskId, number>();

  /** When it last answered a ping (performance.now()). */
  private answeredAt = performance.now();
  private tickedAt = performance.now();
  private readonly watchdog: NodeJS.Timeout;
  /** What the thread used, once it said so as it stopped. */
  usage: TaskManagerUsage | undefined;

  constructor(
    readonly index: number,
    readonly worker: TaskManagerPort,
    /** Settles when the thread ends, with why (an Error: the failure the attempt reports, e.g. a PlacementChanged). */
    readonly ended: Promise<string | Error>,
    /** Silent this long, its thread is taken as hung and terminated. */
    private readonly hangTimeoutMs: number,
  ) {
    // Pinged four times per bound: a thread whose event loop is stuck (a loop in user code) answers none.
    this.watchdog = setInterval(() => this.ping(), Math.max(25, hangTimeoutMs / 4));
    this.watchdog.unref();
    worker.on('message', (m: unknown) => {
      try {
        this.receive(m);
      } catch (e) {
        // What a thread says that this one cannot take is a failure of that thread, never of the application.
        this.broken(e instanceof Error ? e.message : String(e));
      }
    });
    void ended.then((why) => this.died(why));
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /** A new attempt runs `tasks` here; its messages go to `receivers`. */
  startAttempt(attempt: number, tasks: readonly TaskId[], receivers: Receivers): void {
    this.attempt = attempt;
    this.receivers = receivers;
    this.open.clear();
    this.stopping.clear();
    this.incarnations.clear();
    for (const task of tasks) this.open.add(task);
    this.failureReported = false;
    // It ended before this attempt reached it (an instance's placement ended while the deploy
    // waited on Kafka): its end was told to no attempt, so it is told to this one, which
    // would otherwise wait for ever on tasks that were never sent.
    if (!this.alive) void this.ended.then((why) => this.died(why));
  }

  /** `task`, which closed, runs again here (restartTask). */
  restartTask(attempt: number, task: TaskId, incarnation: number): void {
    if (attempt !== this.attempt) return;
    this.incarnations.set(task, incarnation);
    this.open.add(task);
  }

  post(command: TaskManagerCommand, transfer: readonly TransferListItem[] = []): void {
    if (this.alive) this.worker.postMessage(command, [...transfer]);
  }

  tell(attempt: number, task: TaskId, msg: RemoteTaskMsg): void {
    this.post({ type: 'taskManager.toTask', attempt, task, msg });
  }

  ask(attempt: number, task: TaskId, question: Question, replyTo: Ref<unknown>): void {
    // A dead thread answers nothing; the asker's own timeout leaves the task out.
    if (!this.alive) return;
    const request = ++requests;
    this.questions.set(request, replyTo);
    this.post({ type: 'taskManager.ask', attempt, task, request, question });
  }

  stopTask(attempt: number, task: TaskId, incarnation: number): void {
    if (attempt !== this.attempt || incarnation !== (this.incarnations.get(task) ?? 0)) return;
    if (!this.alive) return this.closed(task);
    this.stopping.add(task);
    this.post({ type: 'taskManager.stopTask', attempt, task });
  }

  /** Ends the thread: asks it to stop, and terminates it if it has not within a second. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    if (!this.alive) return;
    this.post({ type: 'taskManager.stop' });
    const timer = setTimeout(() => void this.worker.terminate(), 1000);
    await this.ended;
    clearTimeout(timer);
  }

  private ping(): void {
    if (!this.alive) return;
    const now = performance.now();
    // This thread was stuck itself (its pongs wait unread): the task manager gets a fresh bound.
    if (now - this.tickedAt > this.hangTimeoutMs / 2) this.answeredAt = now;
    this.tickedAt = now;
    const silentMs = now - this.answeredAt;
    if (silentMs <= this.hangTimeoutMs) return this.post({ type: 'taskManager.ping' });
    this.broken(`task manager ${this.index} answered no ping for ${Math.round(silentMs)} ms (taskManagerHangTimeoutMs ${this.hangTimeoutMs}): its thread is stuck, a loop in user code perhaps; terminated`);
  }

  /** Fault injection for specs: terminates the thread as an operator's kill would. */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  /** The thread broke the protocol: it fails the attempt and is ended (a new one is booted for the next). */
  private broken(why: string): void {
    if (!this.alive) return;
    if (this.receivers !== undefined && !this.shuttingDown) dispatch(this.receivers.master, { type: 'job.failure', attempt: this.attempt, error: new Error(why) });
    this.failureReported = true;
    void this.worker.terminate();
  }

  private closed(task: TaskId): void {
    if (!this.open.delete(task)) return;
    this.stopping.delete(task);
    if (this.receivers !== undefined) dispatch(this.receivers.master, { type: 'task.closed', attempt: this.attempt, task });
  }

  private died(why: string | Error): void {
    this.alive = false;
    clearInterval(this.watchdog);
    this.questions.clear();
    if (this.shuttingDown || this.receivers === undefined) return;
    if (!this.failureReported) dispatch(this.receivers.master, { type: 'job.failure', attempt: this.attempt, error: why instanceof Error ? why : new Error(why) });
    // Their readers and writers did not close: the objects of this thread say what closing would have.
    for (const task of this.open) this.lost(this.receivers, task);
    // The tasks told to stop will not say they closed: they are gone.
    for (const task of [...this.stopping]) this.closed(task);
  }

  private lost(receivers: Receivers, task: TaskId): void {
    const index = receivers.indexOf.get(task);
    if (index === undefined) return;
    for (const uid of receivers.connectorsOf.get(task) ?? []) receivers.connectors.get(uid)?.taskManagerLost?.(index);
  }

  /** Saves a source's position for the task manager, and says whether it was saved. */
  private saveProgress(request: number, attempt: number, task: TaskId, position: unknown): void {
    const save = this.receivers?.saveSourceProgress;
    if (save === undefined) throw new Error(`task manager ${this.index} asked to save the progress of source task ${task}, but the job's checkpoints are not at-most-once`);
    const answer = (error: string | null) => this.post({ type: 'taskManager.progressSaved', request, error });
    // A task of an earlier attempt saves nothing: the attempt after it restored from what was saved.
    if (attempt !== this.attempt) return answer(`attempt ${attempt} has ended`);
    save(task, position).then(
      () => answer(null),
      (e: unknown) => answer(e instanceof Error ? e.message : String(e)),
    );
  }

  private receive(m: unknown): void {
    const decoded = TaskManagerMsgCodec.decode(m);
    if (isLeft(decoded)) throw new Error(`task manager ${this.index} sent what is not a task manager message: ${PathReporter.report(decoded).join('; ')}`);
    const msg = decoded.right;
    const receivers = this.receivers;
    switch (msg.type) {
      case 'taskManager.ready':
      case 'taskManager.refused':
      // An instance's thread that ended: its port (InstanceDeployment) ends with it before this hears it.
      case 'taskManager.exited':
        return;
      case 'taskManager.pong':
        this.answeredAt = performance.now();
        return;
      case 'taskManager.usage':
        this.usage = msg.usage;
        return;
      case 'taskManager.answer': {
        const replyTo = this.questions.get(msg.request);
        this.questions.delete(msg.request);
        if (replyTo !== undefined && msg.answer !== undefined) dispatch(replyTo, msg.answer);
        return;
      }
      case 'taskManager.toApplication': {
        const connector = receivers?.connectors.get(msg.uid);
        const index = receivers?.indexOf.get(msg.task as TaskId);
        if (receivers === undefined || connector?.fromTaskManager === undefined || index === undefined) throw new Error(`task manager ${this.index} sent a message for source or sink '${msg.uid}' of task ${msg.task}, which takes none in this thread`);
        const { attempt, task, uid } = msg;
        const reply = (message: unknown) => this.post({ type: 'taskManager.fromApplication', attempt, task, uid, message });
        return connector.fromTaskManager(msg.message, { index, reply, parent: receivers.master });
      }
      case 'taskManager.saveProgress':
        return this.saveProgress(msg.request, msg.attempt, msg.task as TaskId, msg.position);
      case 'taskManager.toCoordinator':
        // Checkpoint ids are numbers on the wire; the coordinator's protocol brands them.
        if (receivers?.coordinator !== undefined) dispatch(receivers.coordinator, msg.msg as unknown as CoordinatorMsg);
        return;
      case 'taskManager.toMaster':
        if (msg.msg.type === 'task.closed') return msg.msg.attempt === this.attempt ? this.closed(msg.msg.task as TaskId) : undefined;
        if (receivers !== undefined) dispatch(receivers.master, masterMsg(msg.msg));
        return;
      default:
        return absurd(msg);
    }
  }
}

function masterMsg(msg: Exclude<RemoteMasterMsg, { type: 'task.closed' }>): MasterMsg {
  switch (msg.type) {
    case 'task.failed':
      return { type: 'task.failed', attempt: msg.attempt, task: msg.task as TaskId, error: fromPlainError(msg.error) };
    case 'task.drained':
      return { type: 'task.drained', report: { task: msg.report.task as TaskId, attempt: msg.report.attempt, snapshot: msg.report.snapshot as TaskSnapshot | undefined } };
    case 'task.finished':
      return { type: 'task.finished', attempt: msg.attempt, report: { task: msg.report.task as TaskId, counters: msg.report.counters as TaskCounters, metrics: msg.report.metrics as unknown as TaskMetricsReport } };
    default:
      return absurd(msg);
  }
}
