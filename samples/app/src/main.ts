/**
 * An application that uses Sluice as an installed package: its own nact actor system holds
 * the order desk, the ledger and the job, which sums each customer's orders. Stopping the
 * system would cancel the job; here the desk closes its input, so the job finishes.
 *
 *   make pack && cd samples/app && npm install && npm run build && npm start
 */
import { Ref, dispatch, query, start, stop } from 'nact';
import { ActorSink, ActorSource, StreamEnvironment } from 'sluice';
import { DeskReply, LedgerTotals, Order, Total, spawnLedger, spawnOrderDesk } from './orderDesk.js';

const system = start();
const desk = spawnOrderDesk(system, 1000);
const ledger = spawnLedger(system);

const env = StreamEnvironment.create({ parallelism: 2, logging: { level: 'warn' } });
env
  .fromSource(ActorSource.actorRefWithBackpressure<Order>(desk, { bufferSize: 64 }))
  .keyBy((order) => order.customer)
  .sum('amount')
  .map((order): Total => ({ customer: order.customer, amount: order.amount }))
  .sinkTo(ActorSink.actorRefWithBackpressure<Total>(ledger));
const job = env.executeIn(system, 'order totals', { actorName: 'order-totals' });

const orders: Order[] = [
  { customer: 'ada', amount: 12 },
  { customer: 'grace', amount: 30 },
  { customer: 'ada', amount: 8 },
  { customer: 'linus', amount: 5 },
  { customer: 'grace', amount: 12 },
];
for (const order of orders) {
  const reply = await query(desk, (replyTo: Ref<DeskReply>) => ({ type: 'desk.order' as const, order, replyTo }), 2000);
  if (reply.type === 'desk.busy') throw new Error(`the desk is busy: ${JSON.stringify(order)} was not taken`);
}
dispatch(desk, { type: 'desk.close' });

const result = await job;
const { totals, complete } = await query(ledger, (replyTo: Ref<LedgerTotals>) => ({ type: 'ledger.totals' as const, replyTo }), 2000);
console.log(`job ${result.status}; ledger ${complete ? 'complete' : 'incomplete'}: ${JSON.stringify(totals)}`);
stop(system);
