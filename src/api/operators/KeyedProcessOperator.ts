/** Runs a KeyedProcessFunction: state accesses refer to the current record's key. */
import { KeySelector } from '../../graph/Partitioning';
import { OperatorContext } from '../../runtime/StreamOperator';
import { Key } from '../../state/keyHash';
import { KeyedProcessContext, KeyedProcessFunction } from '../ProcessFunction';
import { KeyedOperator } from './KeyedOperator';
import { sideOutputEmitter } from './sideOutputs';

export class KeyedProcessOperator<K extends Key, I, O> extends KeyedOperator<I, O> {
  private processContext!: KeyedProcessContext<K>;
  private currentKey: K | undefined;
  constructor(private readonly fn: KeyedProcessFunction<K, I, O>, keySelector: KeySelector<I>) {
    super(fn, keySelector);
  }
  protected override onOpen(context: OperatorContext): void {
    super.onOpen(context);
    this.processContext = {
      output: sideOutputEmitter(context.operatorName, this.fn.sideOutputTags, () => this.out),
      getCurrentKey: () => this.currentKey as K,
    };
  }
  processElement(record: I): void {
    this.currentKey = this.enterKey(record) as K;
    this.fn.processElement(record, this.processContext, this.out);
  }
}
