/**
 * A task manager's end of the link to the job master (docs/internals.md, "Instances of one job
 * across processes"): it reads the commands of its instance's stream in Redis and says what it
 * has to say on the stream the master reads, naming the epoch it says it under.
 */
import type { LoggingOption } from '../logging/logger';
import { TaskManagerCommand, TaskManagerMsg } from './taskManagerProtocol';
import { LinkCommandCodec, LinkMsg } from './instanceThreadProtocol';
import { instanceIdProblem, LinkEnd } from './LinkEnd';
import type { TaskManagerLinkFailure } from './taskManagerLinkErrors';
import { append, LinkEntry, ReadPosition, streamTail } from './taskManagerLinkStreams';

export interface TaskManagerInboxOptions {
  /** The job's Redis, `redis://host:port[/db]` (the one membership uses). */
  readonly redis: string;
  readonly applicationId: string;
  readonly instanceId: string;
  /** The bound on each Redis command and on an outage of the reading connection (default 30000 ms). */
  readonly operationTimeoutMs?: number;
  /** Entries kept per stream (default 10000). */
  readonly maxLength?: number;
  readonly logging?: LoggingOption;
}

/**
 * A task manager's end of the link. It takes the commands sent after `open` resolved: those
 * before were for a predecessor under the same id (a deploy it may have run already), so the
 * instance opens its inbox before it joins the job. Commands sent before `onCommand` wait in
 * Redis (up to maxLength): an instance may set its receiver once its join succeeded, and close
 * the inbox unread if the join fails (another live process holds its id).
 */
export interface TaskManagerInbox {
  /**
   * The one receiver of commands, in the order the masters sent them (set once; reading starts
   * then). Commands of an epoch older than the newest seen (or than the job's epoch at open)
   * are dropped, and logged once per epoch.
   */
  onCommand(listener: (command: TaskManagerCommand, epoch: number, thread: number | undefined) => void): void;
  /**
   * Appends `msg` to the master's stream, under `epoch` (the master of another epoch ignores
   * it), from task manager `thread` of the instance (none: its only one).
   */
  say(msg: TaskManagerMsg, epoch: number, thread?: number): Promise<void>;
  /** Hears the reader's failures (a fatal one already past is told at once). */
  onFailure(listener: (failure: TaskManagerLinkFailure) => void): void;
  /** Stops reading and closes both connections at once; messages in flight reject. */
  close(): Promise<void>;
}

export const RedisTaskManagerInbox = {
  /** Connected, or a ServiceError after operationTimeoutMs; bad options are refused with every problem. */
  async open(options: TaskManagerInboxOptions): Promise<TaskManagerInbox> {
    const end = await LinkEnd.open(options, options.instanceId, [instanceIdProblem(options.instanceId)]);
    try {
      // What is in the stream now was sent to a predecessor under this id: never run again.
      const { epoch, position } = await streamTail(end.writing, end.keys, end.keys.commands(options.instanceId));
      return new Inbox(end, options.instanceId, epoch, position);
    } catch (e) {
      await end.close();
      throw e;
    }
  },
};

class Inbox implements TaskManagerInbox {
  /** The newest epoch of a command seen (at first, the job's epoch at open). */
  private newest: number;
  /** The last epoch whose dropped commands were logged: commands come in epoch order, so once each. */
  private loggedDrop = -1;

  constructor(
    private readonly end: LinkEnd,
    private readonly instanceId: string,
    epochAtOpen: number,
    private readonly start: ReadPosition,
  ) {
    this.newest = epochAtOpen;
  }

  onCommand(listener: (command: TaskManagerCommand, epoch: number, thread: number | undefined) => void): void {
    const stream = this.end.keys.commands(this.instanceId);
    this.end.read(
      stream,
      this.start,
      () => this.newest,
      (entry) => this.receive(stream, entry, listener),
    );
  }

  say(msg: TaskManagerMsg, epoch: number, thread?: number): Promise<void> {
    const { end } = this;
    const said: LinkMsg = thread === undefined ? msg : { type: 'instance.thread', thread, msg };
    return end.append(`${msg.type} from instance ${this.instanceId}${thread === undefined ? '' : ` (task manager ${thread})`}`, said, (body) => append(end.writing, end.keys, end.keys.replies, end.maxLength, epoch, this.instanceId, body));
  }

  onFailure(listener: (failure: TaskManagerLinkFailure) => void): void {
    this.end.onFailure(listener);
  }

  close(): Promise<void> {
    return this.end.close();
  }

  private receive(stream: string, entry: LinkEntry, listener: (command: TaskManagerCommand, epoch: number, thread: number | undefined) => void): void {
    if (entry.epoch < this.newest) {
      if (this.loggedDrop !== entry.epoch) {
        this.loggedDrop = entry.epoch;
        this.end.logger.info(
          { epoch: entry.epoch, newest: this.newest },
          `instance ${this.instanceId} drops the commands of epoch ${entry.epoch} (first: entry ${entry.seq}): their master was succeeded under epoch ${this.newest}`,
        );
      }
      return;
    }
    this.newest = entry.epoch;
    const command = this.end.decode(LinkCommandCodec, entry, stream, 'a task manager command');
    if (command === undefined) return;
    if (command.type === 'instance.thread') this.end.hand(stream, entry, () => listener(command.command, entry.epoch, command.thread));
    else this.end.hand(stream, entry, () => listener(command, entry.epoch, undefined));
  }
}
