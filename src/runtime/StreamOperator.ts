/**
 * The operator contract inside a task. An operator is created per task by its factory (the
 * graph holds only factories), receives records one by one from the operator before it in
 * the chain, and emits through its Output. Per record: no promise, no allocation by the
 * runtime; only `endOfBatch` may be asynchronous (a sink writing a batch).
 */
import { KeyedStateBackend } from '../state/KeyedStateBackend';
import { OperatorStateStore } from '../state/OperatorStateStore';

export interface Output<T> {
  collect(record: T): void;
  /** Emits to the side output `tag`; records reach whoever consumes `getSideOutput(tag)`. */
  collectSide(tag: string, record: unknown): void;
}

export interface OperatorContext {
  readonly jobName: string;
  readonly operatorName: string;
  readonly index: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** The task's keyed state; present only for operators on a keyed stream. */
  readonly keyedState: KeyedStateBackend | undefined;
  readonly operatorState: OperatorStateStore;
}

export interface StreamOperator<I, O> {
  open(context: OperatorContext, output: Output<O>): void | Promise<void>;
  processElement(record: I): void;
  /** Called after each input batch; a promise makes the task wait before taking more input. */
  endOfBatch?(): void | Promise<void>;
  /** End of all input: emit what is still held, before end-of-input goes downstream. */
  finish?(): void | Promise<void>;
  /** Records a sink hands to the job's result (the collect sink). */
  result?(): readonly unknown[];
  /** Releases what the operator holds; called exactly once, also after failure or cancel. */
  close?(): void | Promise<void>;
}

export type OperatorFactory = () => StreamOperator<any, any>;
