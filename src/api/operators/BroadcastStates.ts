/**
 * The broadcast states of one operator instance, by the descriptors its broadcast stream
 * declared: writable for the broadcast side, read-only views for the other. Asking for a
 * state the stream did not declare is refused: it would not be restored with the others.
 */
import { OperatorStateStore } from '../../state/OperatorStateStore';
import { BroadcastState, readOnlyView } from '../../state/BroadcastState';
import { MapStateDescriptor } from '../../state/StateDescriptor';

export class BroadcastStates {
  private readonly writable = new Map<string, BroadcastState<unknown, unknown>>();
  private readonly readOnly = new Map<string, BroadcastState<unknown, unknown>>();

  /** Takes every declared state from the store now, so each is restored before the first element. */
  constructor(store: OperatorStateStore, descriptors: readonly MapStateDescriptor<any, any>[], private readonly operator: string) {
    for (const d of descriptors) {
      const state = store.getBroadcastState(d);
      this.writable.set(d.name, state);
      this.readOnly.set(d.name, readOnlyView(state, d.name, 'processElement'));
    }
  }

  /** The state for the broadcast side. */
  forBroadcastSide<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    return this.find(this.writable, descriptor) as BroadcastState<K, V>;
  }

  /** The read-only state for the non-broadcast side (and timers). */
  forElementSide<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    return this.find(this.readOnly, descriptor) as BroadcastState<K, V>;
  }

  private find(states: Map<string, BroadcastState<unknown, unknown>>, descriptor: MapStateDescriptor<unknown, unknown>): BroadcastState<unknown, unknown> {
    const state = states.get(descriptor.name);
    if (state === undefined) {
      const declared = [...states.keys()].map((n) => `'${n}'`).join(', ');
      throw new Error(`operator '${this.operator}': broadcast state '${descriptor.name}' was not declared; declare it in broadcast(...) (declared: ${declared})`);
    }
    return state;
  }
}
