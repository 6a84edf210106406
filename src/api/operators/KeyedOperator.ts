/**
 * The common part of operators on a keyed stream: before each record, point keyed state at
 * the record's key.
 */
import { KeySelector } from '../../graph/Partitioning';
import { KeyedStateBackend } from '../../state/KeyedStateBackend';
import { Key } from '../../state/keyHash';
import { OperatorContext } from '../../runtime/StreamOperator';
import { FunctionOperator } from './FunctionOperator';

export abstract class KeyedOperator<I, O> extends FunctionOperator<I, O> {
  protected state!: KeyedStateBackend;
  constructor(fn: object, protected readonly keySelector: KeySelector<I>) {
    super(fn);
  }
  protected override onOpen(context: OperatorContext): void {
    if (context.keyedState === undefined) throw new Error(`operator '${context.operatorName}' runs on a keyed stream but has no keyed state`);
    this.state = context.keyedState;
  }
  /** Sets the current key for state and returns it. */
  protected enterKey(record: I): Key {
    const key = this.keySelector(record);
    this.state.setCurrentKey(key);
    return key;
  }
}
