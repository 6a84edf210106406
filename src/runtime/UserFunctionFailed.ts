/**
 * The one place user code is run from the runtime's point of view: a throw in a user
 * function becomes a UserFunctionFailed naming the operator, the instance and the record,
 * so the job's error says where to look.
 */

function describeRecord(record: unknown): string {
  let text: string;
  try {
    text = typeof record === 'string' ? JSON.stringify(record) : JSON.stringify(record) ?? String(record);
  } catch {
    text = String(record);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

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
        (record === undefined ? '' : ` ${describeRecord(record)}`) +
        `: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'UserFunctionFailed';
  }
}

/** Wraps a throw from user code; a throw already wrapped by an inner operator passes through. */
export function userFunctionFailed(operator: string, instance: number, record: unknown, cause: unknown, phase?: string): UserFunctionFailed {
  return cause instanceof UserFunctionFailed ? cause : new UserFunctionFailed(operator, instance, record, cause, phase);
}
