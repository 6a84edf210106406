/**
 * The one place user code is run from the runtime's point of view: a throw in a user
 * function becomes a UserFunctionFailed naming the operator, the instance and the record,
 * so the job's error says where to look.
 */
import { summarizeRecord } from '../logging/logger';

/** A user function threw: names the operator, the instance and the record (shortened), with the cause. */
export class UserFunctionFailed extends Error {
  readonly _tag = 'UserFunctionFailed';
  /** @internal The uid of the operator whose code failed, set where the chain knows it; its supervision strategy applies. */
  operatorUid: string | undefined;
  constructor(
    readonly operator: string,
    /** The parallel instance (0-based) that ran the function. */
    readonly instance: number,
    /** The record being processed, or undefined when the function failed outside a record (open, close). */
    readonly record: unknown,
    override readonly cause: unknown,
    phase = 'processing record',
  ) {
    super(
      `user function of operator '${operator}' (instance ${instance}) failed ${phase}` +
        (record === undefined ? '' : ` ${summarizeRecord(record)}`) +
        `: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'UserFunctionFailed';
  }
}

/** Wraps a throw from user code; a throw already wrapped by an inner operator passes through. */
export function userFunctionFailed(operator: string, instance: number, record: unknown, cause: unknown, phase?: string): UserFunctionFailed {
  return cause instanceof UserFunctionFailed ? cause : new UserFunctionFailed(operator, instance, record, cause, phase);
}
