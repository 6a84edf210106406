/**
 * An Error crossing threads as plain data. Structured clone would keep an Error's message but
 * not its class; what the job master's failover policy reads of it (the uid of the operator
 * whose user code failed, from a UserFunctionFailed) travels as a field and is put back.
 */
import { UserFunctionFailed } from '../runtime/UserFunctionFailed';
import { PlainError } from './taskManagerProtocol';

export function toPlainError(e: unknown): PlainError {
  const error = e instanceof Error ? e : new Error(String(e));
  return { name: error.name, message: error.message, stack: error.stack, operatorUid: error instanceof UserFunctionFailed ? error.operatorUid : undefined };
}

/** The error again, in this thread: a UserFunctionFailed when it was one (so its operator's supervision applies). */
export function fromPlainError(plain: PlainError): Error {
  const error = new Error(plain.message);
  error.name = plain.name;
  if (plain.stack !== undefined) error.stack = plain.stack;
  if (plain.name !== 'UserFunctionFailed') return error;
  // Its message says operator, instance and record already; the class is what supervisionOf looks for.
  return Object.assign(Object.setPrototypeOf(error, UserFunctionFailed.prototype) as UserFunctionFailed, { _tag: 'UserFunctionFailed', operatorUid: plain.operatorUid });
}
