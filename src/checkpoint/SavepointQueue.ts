/**
 * The savepoints the coordinator was asked for: those waiting for a free checkpoint slot, each
 * with the timer that bounds its wait, and those in progress with where they were written.
 * Every asker gets exactly one answer: the savepoint, or why not.
 */
import { dispatch } from 'nact';
import { Logger } from '../logging/logger';
import { CheckpointId } from './CheckpointTypes';
import { SavepointInfo } from './Savepoint';
import { SavepointRequest } from './coordinatorProtocol';

export class SavepointQueue {
  /** Oldest first (a Map keeps insertion order). */
  private readonly waiting = new Map<SavepointRequest, NodeJS.Timeout>();
  private readonly inProgress = new Map<CheckpointId, SavepointRequest>();
  /** Where each savepoint was written, from its write until its completion. */
  private readonly written = new Map<CheckpointId, SavepointInfo>();

  constructor(private readonly logger: Logger) {}

  wait(request: SavepointRequest, timer: NodeJS.Timeout): void {
    this.waiting.set(request, timer);
  }

  isWaiting(request: SavepointRequest): boolean {
    return this.waiting.has(request);
  }

  /** Takes the oldest waiting savepoint off the queue, its timer cleared; undefined when none waits. */
  takeOldest(): SavepointRequest | undefined {
    const [oldest] = this.waiting;
    if (oldest === undefined) return undefined;
    clearTimeout(oldest[1]);
    this.waiting.delete(oldest[0]);
    return oldest[0];
  }

  hasWaiting(): boolean {
    return this.waiting.size > 0;
  }

  refuse(request: SavepointRequest, why: string): void {
    clearTimeout(this.waiting.get(request));
    this.waiting.delete(request);
    this.logger.warn({ dir: request.dir }, `savepoint to ${request.dir} not taken: ${why}`);
    dispatch(request.replyTo, new Error(`savepoint not taken: ${why}`));
  }

  refuseAllWaiting(why: string): void {
    for (const request of [...this.waiting.keys()]) this.refuse(request, why);
  }

  started(id: CheckpointId, request: SavepointRequest): void {
    this.inProgress.set(id, request);
  }

  of(id: CheckpointId): SavepointRequest | undefined {
    return this.inProgress.get(id);
  }

  wrote(id: CheckpointId, info: SavepointInfo): void {
    this.written.set(id, info);
  }

  /** The savepoint of checkpoint `id` is over (completed or aborted): its request, and where it was written if it was. */
  end(id: CheckpointId): { readonly request: SavepointRequest | undefined; readonly info: SavepointInfo | undefined } {
    const ended = { request: this.inProgress.get(id), info: this.written.get(id) };
    this.inProgress.delete(id);
    this.written.delete(id);
    return ended;
  }

  /** Teardown: no asker waits for nothing. */
  dispose(): void {
    this.refuseAllWaiting('the job ended');
    for (const request of this.inProgress.values()) dispatch(request.replyTo, new Error(`savepoint to ${request.dir} not taken: the job ended`));
    this.inProgress.clear();
  }
}
