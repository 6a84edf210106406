/**
 * Runs a KeyedBroadcastProcessFunction: the keyed process operator (keyed state, timers,
 * onTimer, lifecycle) with elements of input 1 under their key and read-only broadcast state,
 * and broadcast elements with writable broadcast state and `applyToKeyedState`.
 */
import { absurd } from 'fp-ts/function';
import { KeySelector } from '../../graph/Partitioning';
import { OperatorContext } from '../../graph/StreamOperator';
import { Key } from '../../state/keyHash';
import { KeyedStateBackend } from '../../state/KeyedStateBackend';
import { AnyStateDescriptor, MapStateDescriptor } from '../../state/StateDescriptor';
import { KeyedBroadcastContext, KeyedBroadcastOnTimerContext, KeyedBroadcastProcessFunction, KeyedStateFunction } from '../BroadcastProcessFunction';
import { KeyedProcessFunction } from '../ProcessFunction';
import { TwoInputRecord } from '../TwoInputRecord';
import { asyncResultRefused, isThenable } from './asyncResultRefused';
import { BroadcastStates } from './BroadcastStates';
import { KeyedProcessOperator } from './KeyedProcessOperator';

export class KeyedBroadcastProcessOperator<K extends Key, I1, I2, O> extends KeyedProcessOperator<K, TwoInputRecord<I1, I2>, O> {
  private broadcastContext!: KeyedBroadcastContext<K>;
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly broadcastFn: KeyedBroadcastProcessFunction<K, I1, I2, O>,
    keySelector: KeySelector<TwoInputRecord<I1, I2>>,
    private readonly descriptors: readonly MapStateDescriptor<any, any>[],
  ) {
    // The keyed operator calls the function's open, close, state hooks and onTimer; its
    // processElement is this class's own.
    super(broadcastFn as unknown as KeyedProcessFunction<K, TwoInputRecord<I1, I2>, O>, keySelector);
  }

  protected override onOpen(context: OperatorContext): void {
    super.onOpen(context);
    const states = new BroadcastStates(context.operatorState, this.descriptors, context.operatorName);
    const keyed = this.processContext;
    const clocks = {
      currentProcessingTime: () => context.processingTime.now(),
      currentWatermark: () => this.watermark,
    };
    const elementContext: KeyedBroadcastOnTimerContext<K> = { ...keyed, ...clocks, getBroadcastState: (d) => states.forElementSide(d) };
    this.processContext = elementContext;
    const backend = this.state;
    this.broadcastContext = {
      output: keyed.output,
      timestamp: keyed.timestamp,
      ...clocks,
      getBroadcastState: (d) => states.forBroadcastSide(d),
      applyToKeyedState: (descriptor, fn) => applyToKeyedState(backend, context.operatorName, descriptor, fn as KeyedStateFunction<K, unknown>),
    };
  }

  override processWatermark(watermark: number): void {
    this.watermark = watermark;
    super.processWatermark(watermark);
  }

  override processElement(r: TwoInputRecord<I1, I2>): void {
    let result: unknown;
    if (r.input === 1) {
      this.currentKey = this.enterKey(r) as K;
      result = this.broadcastFn.processElement(r.value, this.processContext as KeyedBroadcastOnTimerContext<K>, this.out);
    } else {
      result = this.broadcastFn.processBroadcastElement(r.value, this.broadcastContext, this.out);
    }
    if (result !== undefined && isThenable(result)) throw asyncResultRefused('process', result);
  }
}

/** Calls `fn` with each key of this instance that has a value in the state, with that key current. */
function applyToKeyedState<K>(backend: KeyedStateBackend, operator: string, descriptor: AnyStateDescriptor, fn: KeyedStateFunction<K, unknown>): void {
  const state = stateOf(backend, descriptor);
  let keys: Key[];
  try {
    if (backend.pinnedKeys === undefined) throw new Error('the state backend does not list its keys');
    keys = backend.pinnedKeys(descriptor.name);
  } catch (e) {
    throw new Error(`operator '${operator}': applyToKeyedState('${descriptor.name}') needs a state backend that lists its keys (the memory backend): ${(e as Error).message}`);
  }
  for (const key of keys) {
    backend.setCurrentKey(key);
    fn(key as K, state);
  }
}

function stateOf(backend: KeyedStateBackend, d: AnyStateDescriptor): unknown {
  switch (d.kind) {
    case 'value':
      return backend.getValueState(d);
    case 'list':
      return backend.getListState(d);
    case 'map':
      return backend.getMapState(d);
    case 'reducing':
      return backend.getReducingState(d);
    case 'aggregating':
      return backend.getAggregatingState(d);
    default:
      return absurd(d);
  }
}
