/**
 * The application's own actors around a Sluice job: a desk that takes orders and feeds them
 * to the job (through an ActorSourceOutbox, so the job's backpressure reaches the desk), and a
 * ledger that receives the job's running totals (through an ActorSink, acknowledging each
 * batch) and answers questions about them.
 */
import { Ref, dispatch, spawn } from 'nact';
import { ActorSourceOutbox, ActorSourceSignal, ActorSinkMsg, acknowledge, isActorSourceSignal } from 'sluice';

export interface Order {
  readonly customer: string;
  readonly amount: number;
}

/** A customer's total so far, as the job emits it after each order. */
export interface Total {
  readonly customer: string;
  readonly amount: number;
}

export type DeskMsg =
  | { readonly type: 'desk.order'; readonly order: Order; readonly replyTo: Ref<DeskReply> }
  | { readonly type: 'desk.close' };
export type DeskReply = { readonly type: 'desk.accepted' } | { readonly type: 'desk.busy' };

/** The order desk: offers each order to the job, or answers busy when the outbox is full. */
export function spawnOrderDesk(parent: Ref<any>, capacity: number): Ref<DeskMsg | ActorSourceSignal<Order>> {
  return spawn(
    parent,
    (outbox: ActorSourceOutbox<Order>, msg: DeskMsg | ActorSourceSignal<Order>) => {
      if (isActorSourceSignal(msg)) outbox.handle(msg);
      else if (msg.type === 'desk.close') outbox.complete();
      else dispatch(msg.replyTo, outbox.offer(msg.order) ? { type: 'desk.accepted' } : { type: 'desk.busy' });
      return outbox;
    },
    'order-desk',
    { initialStateFunc: () => new ActorSourceOutbox<Order>(capacity) },
  );
}

export type LedgerMsg =
  | ActorSinkMsg<Total>
  | { readonly type: 'ledger.totals'; readonly replyTo: Ref<LedgerTotals> };
export interface LedgerTotals {
  readonly totals: Readonly<Record<string, number>>;
  /** Whether every sink instance has delivered its last batch. */
  readonly complete: boolean;
}

interface LedgerState {
  readonly totals: Record<string, number>;
  readonly completed: ReadonlySet<number>;
  readonly instances: ReadonlySet<number>;
}

/** The ledger: the latest total per customer, from the job's output. */
export function spawnLedger(parent: Ref<any>): Ref<LedgerMsg> {
  return spawn(
    parent,
    (state: LedgerState, msg: LedgerMsg): LedgerState => {
      switch (msg.type) {
        case 'sink.init':
          acknowledge(msg);
          return { ...state, instances: new Set([...state.instances, msg.index]) };
        case 'sink.batch': {
          const totals = { ...state.totals };
          for (const t of msg.records) totals[t.customer] = t.amount;
          acknowledge(msg);
          return { ...state, totals };
        }
        case 'sink.complete':
          return { ...state, completed: new Set([...state.completed, msg.index]) };
        case 'sink.stopped':
          return state;
        case 'ledger.totals':
          dispatch(msg.replyTo, { totals: state.totals, complete: state.instances.size > 0 && state.completed.size === state.instances.size });
          return state;
      }
    },
    'ledger',
    { initialState: { totals: {}, completed: new Set<number>(), instances: new Set<number>() } },
  );
}
