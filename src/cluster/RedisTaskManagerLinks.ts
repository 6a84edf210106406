/**
 * The job master's end of the link to task managers in other processes (docs/internals.md,
 * "Instances of one job across processes"): commands go to each instance's stream in Redis
 * through a script fenced by the job's epoch; what the instances say arrives from one stream,
 * of which the master takes what was said under its own epoch after it opened.
 */
import type { LoggingOption } from '../logging/logger';
import { TaskManagerCommand, TaskManagerMsg } from './taskManagerProtocol';
import { LinkCommand, LinkMsgCodec } from './instanceThreadProtocol';
import { instanceIdProblem, LinkEnd } from './LinkEnd';
import type { TaskManagerLinkFailure } from './taskManagerLinkErrors';
import { fencedAppend, fencedForget, LinkEntry, ReadPosition, streamTail } from './taskManagerLinkStreams';

export interface TaskManagerLinksOptions {
  /** The job's Redis, `redis://host:port[/db]` (the one membership uses). */
  readonly redis: string;
  readonly applicationId: string;
  /** The epoch this master runs under: its commands are refused once the job's epoch is another. */
  readonly epoch: number;
  /** The bound on each Redis command and on an outage of the reading connection (default 30000 ms). */
  readonly operationTimeoutMs?: number;
  /** Entries kept per stream (default 10000); a reader that falls this far behind fails. */
  readonly maxLength?: number;
  readonly logging?: LoggingOption;
}

/** The job master's end of the link. */
export interface TaskManagerLinks {
  /**
   * Appends `command` to the instance's stream, for its task manager `thread` (none: its only
   * one, or the instance itself); rejects with a FencedCommandError once the job's epoch is not this master's.
   */
  send(instanceId: string, command: TaskManagerCommand, thread?: number): Promise<void>;
  /**
   * The one receiver of what instances say under this master's epoch after `open` resolved (set
   * once; reading starts then): they speak in answer to its commands, and what was there before
   * was an earlier master's, even one of the same epoch (a link opened again).
   */
  onMessage(listener: (instanceId: string, msg: TaskManagerMsg, thread: number | undefined) => void): void;
  /** Hears the reader's failures (a fatal one already past is told at once). */
  onFailure(listener: (failure: TaskManagerLinkFailure) => void): void;
  /** Deletes the stream of an instance that left the job (fenced as `send`). */
  forget(instanceId: string): Promise<void>;
  /** Stops reading and closes both connections at once; sends in flight reject. */
  close(): Promise<void>;
}

export const RedisTaskManagerLinks = {
  /** Connected, or a ServiceError after operationTimeoutMs; bad options are refused with every problem. */
  async open(options: TaskManagerLinksOptions): Promise<TaskManagerLinks> {
    const epochProblem = Number.isSafeInteger(options.epoch) && options.epoch >= 0 ? undefined : `epoch must be a non-negative integer, got ${JSON.stringify(options.epoch)}`;
    const end = await LinkEnd.open(options, `master-${options.epoch}`, [epochProblem]);
    try {
      // Instances say things in answer to commands, all sent after this: what is there is an earlier master's.
      const { position } = await streamTail(end.writing, end.keys, end.keys.replies);
      return new MasterLinks(end, options.epoch, position);
    } catch (e) {
      await end.close();
      throw e;
    }
  },
};

class MasterLinks implements TaskManagerLinks {
  /** Epochs whose messages were ignored, each logged once. */
  private readonly ignoredEpochs = new Set<number>();

  constructor(
    private readonly end: LinkEnd,
    private readonly epoch: number,
    private readonly start: ReadPosition,
  ) {}

  send(instanceId: string, command: TaskManagerCommand, thread?: number): Promise<void> {
    const problem = instanceIdProblem(instanceId);
    if (problem !== undefined) return Promise.reject(new Error(`cannot send ${command.type}: ${problem}`));
    const { end } = this;
    const sent: LinkCommand = thread === undefined ? command : { type: 'instance.thread', thread, command };
    return end.append(`${command.type} to instance ${instanceId}${thread === undefined ? '' : ` (task manager ${thread})`}`, sent, (body) => fencedAppend(end.writing, end.keys, end.target, instanceId, end.maxLength, this.epoch, body));
  }

  onMessage(listener: (instanceId: string, msg: TaskManagerMsg, thread: number | undefined) => void): void {
    const stream = this.end.keys.replies;
    this.end.read(
      stream,
      this.start,
      () => this.epoch,
      (entry) => this.receive(stream, entry, listener),
    );
  }

  onFailure(listener: (failure: TaskManagerLinkFailure) => void): void {
    this.end.onFailure(listener);
  }

  async forget(instanceId: string): Promise<void> {
    const problem = instanceIdProblem(instanceId);
    if (problem !== undefined) throw new Error(`cannot forget an instance: ${problem}`);
    const { end } = this;
    await end.append(`the deletion of instance ${instanceId}'s commands`, null, () => fencedForget(end.writing, end.keys, end.target, instanceId, this.epoch));
  }

  close(): Promise<void> {
    return this.end.close();
  }

  private receive(stream: string, entry: LinkEntry, listener: (instanceId: string, msg: TaskManagerMsg, thread: number | undefined) => void): void {
    // Said to an earlier master (read from the stream's start), or to a later one: this master is fenced then.
    if (entry.epoch !== this.epoch) {
      if (this.ignoredEpochs.has(entry.epoch)) return;
      this.ignoredEpochs.add(entry.epoch);
      this.end.logger.debug({ epoch: entry.epoch }, `the job master of epoch ${this.epoch} ignores what instances said under epoch ${entry.epoch} (first: entry ${entry.seq} from ${entry.from})`);
      return;
    }
    const msg = this.end.decode(LinkMsgCodec, entry, stream, 'a task manager message');
    if (msg === undefined) return;
    if (msg.type === 'instance.thread') this.end.hand(stream, entry, () => listener(entry.from, msg.msg, msg.thread));
    else this.end.hand(stream, entry, () => listener(entry.from, msg, undefined));
  }
}
