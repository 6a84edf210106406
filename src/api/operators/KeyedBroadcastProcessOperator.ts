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
import { userFunctionFailed } from '../../runtime/UserFunctionFailed';
import { BroadcastStates } from './BroadcastStates';
import { KeyedProcessOperator } from './KeyedProcessOperator';

/** An applyToKeyedState call that waits for the keys of a backend that lists them asynchronously (Redis). */
interface DeferredApplication<K> {
  readonly descriptor: AnyStateDescriptor;
  readonly fn: KeyedStateFunction<K, unknown>;
  /** The broadcast element's, for what the function emits. */
  readonly timestamp: number;
}

/** How many keys of a deferred application are loaded into a remote backend's cache at a time. */
const APPLICATION_CHUNK = 256;

export class KeyedBroadcastProcessOperator<K extends Key, I1, I2, O> extends KeyedProcessOperator<K, TwoInputRecord<I1, I2>, O> {
  private broadcastContext!: KeyedBroadcastContext<K>;
  private watermark = Number.NEGATIVE_INFINITY;
  /** applyToKeyedState calls of the current batch that run at its end (see `deferApplications`). */
  private deferred: Array<DeferredApplication<K>> = [];
  /**
   * Elements of the batch after a broadcast element whose applications are deferred, with their
   * timestamps: they see the state those applications leave. At most one batch of them.
   */
  private held: Array<{ readonly record: TwoInputRecord<I1, I2>; readonly timestamp: number }> = [];

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
      applyToKeyedState: (descriptor, fn) => {
        if (this.deferApplications(descriptor)) this.deferred.push({ descriptor, fn: fn as KeyedStateFunction<K, unknown>, timestamp: context.time.timestamp });
        else applyToKeyedState(backend, context.operatorName, descriptor, fn as KeyedStateFunction<K, unknown>);
      },
    };
  }

  /**
   * A backend that lists a state's keys only through a round trip (Redis, for a state that
   * does not pin its keys) gets the application at the end of the batch: processElement cannot
   * wait. The elements after it in the batch wait too, so each sees the state as it left it.
   */
  private deferApplications(descriptor: AnyStateDescriptor): boolean {
    const backend = this.state;
    if (backend.keysOf === undefined) return false;
    if (backend.pinnedKeys === undefined) return true;
    try {
      backend.pinnedKeys(descriptor.name);
      return false;
    } catch {
      return true;
    }
  }

  override processWatermark(watermark: number): void {
    this.watermark = watermark;
    super.processWatermark(watermark);
  }

  override processElement(r: TwoInputRecord<I1, I2>): void {
    if (this.deferred.length > 0 || this.held.length > 0) {
      this.held.push({ record: r, timestamp: this.context.time.timestamp });
      return;
    }
    let result: unknown;
    if (r.input === 1) {
      this.currentKey = this.enterKey(r) as K;
      result = this.broadcastFn.processElement(r.value, this.processContext as KeyedBroadcastOnTimerContext<K>, this.out);
    } else {
      result = this.broadcastFn.processBroadcastElement(r.value, this.broadcastContext, this.out);
    }
    if (result !== undefined && isThenable(result)) throw asyncResultRefused('process', result);
  }

  endOfBatch(): void | Promise<void> {
    if (this.deferred.length === 0) return;
    return this.runDeferred();
  }

  /** Runs the deferred applications, then the held elements, until neither is left. */
  private async runDeferred(): Promise<void> {
    const backend = this.state;
    const context = this.context;
    while (this.deferred.length > 0) {
      const applications = this.deferred;
      this.deferred = [];
      for (const a of applications) {
        const state = stateOf(backend, a.descriptor);
        let keys: Key[];
        try {
          keys = await backend.keysOf!(a.descriptor.name);
        } catch (e) {
          throw new Error(`operator '${context.operatorName}': applyToKeyedState('${a.descriptor.name}') could not list the keys: ${(e as Error).message}`);
        }
        for (let from = 0; from < keys.length; from += APPLICATION_CHUNK) {
          const chunk = keys.slice(from, from + APPLICATION_CHUNK);
          const loading = backend.prefetch?.(chunk);
          if (loading !== undefined) await loading;
          context.time.timestamp = a.timestamp;
          for (const key of chunk) {
            backend.setCurrentKey(key);
            try {
              const result: unknown = a.fn(key as K, state);
              if (result !== undefined && isThenable(result)) throw asyncResultRefused('applyToKeyedState', result);
            } catch (e) {
              throw userFunctionFailed(context.operatorName, context.index, undefined, e, `in applyToKeyedState('${a.descriptor.name}')`);
            }
          }
        }
      }
      // Held elements are of the broadcast input (a batch comes from one channel); keyed ones would be prefetched again first.
      const held = this.held;
      this.held = [];
      const keyed = held.filter((h) => h.record.input === 1).map((h) => this.keySelector(h.record));
      const loading = keyed.length === 0 ? undefined : backend.prefetch?.(keyed);
      if (loading !== undefined) await loading;
      for (let i = 0; i < held.length; i++) {
        context.time.timestamp = held[i].timestamp;
        this.processElement(held[i].record);
        // An element that deferred applications again: the rest waits for them once more.
        if (this.deferred.length > 0) {
          this.held = held.slice(i + 1).concat(this.held);
          break;
        }
      }
    }
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
    const result: unknown = fn(key as K, state);
    // An async function would touch the state after the key moved on: refused, as in any user function.
    if (result !== undefined && isThenable(result)) throw asyncResultRefused('applyToKeyedState', result);
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
