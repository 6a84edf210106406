/**
 * What can go wrong on the master↔task-manager link (RedisTaskManagerLinks,
 * RedisTaskManagerInbox): a master's command refused because the job's epoch moved past the
 * master's, and the failures of a reader, each reported (never a silent loss).
 */
import { ServiceError } from '../services/ServiceError';

/** A command Redis refused because the job's epoch moved on: the master that sent it is a zombie. */
export class FencedCommandError extends ServiceError {
  constructor(
    target: string,
    readonly instanceId: string,
    /** The epoch of the master that sent the command. */
    readonly epoch: number,
    /** The job's epoch when Redis refused it (undefined: the epoch key was gone). */
    readonly currentEpoch: number | undefined,
    cause?: unknown,
  ) {
    super(
      'redis',
      target,
      `Redis at ${target} refused a command of the job master of epoch ${epoch} to instance ${instanceId}: the job's epoch is ${currentEpoch ?? 'gone'} ` +
        '(a newer leader or assignment runs the job); this master is fenced and must stop',
      false,
      cause,
    );
    this.name = 'FencedCommandError';
  }
}

/**
 * Why a reader of the link reports a failure:
 * - `gap`: entries it had not read are gone (trimmed by MAXLEN while it lagged, or the stream
 *   was deleted and begun again): messages may be lost, so it stops reading;
 * - `unreachable`: Redis stayed out of reach longer than operationTimeoutMs: it stops reading;
 * - `undecodable`: one entry is not a message of the protocol (skipped, the reader goes on);
 * - `listener`: the receiving function threw on a message (the reader goes on).
 */
export type LinkFailureReason = 'gap' | 'unreachable' | 'undecodable' | 'listener';

/** A failure of a link's reader; `fatal`: the reader has stopped, nothing more arrives. */
export class TaskManagerLinkFailure extends ServiceError {
  constructor(
    target: string,
    readonly reason: LinkFailureReason,
    /** The stream read. */
    readonly stream: string,
    readonly fatal: boolean,
    message: string,
    cause?: unknown,
  ) {
    super('redis', target, message, reason !== 'unreachable', cause);
    this.name = 'TaskManagerLinkFailure';
  }
}
