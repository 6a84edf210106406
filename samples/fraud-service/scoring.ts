/**
 * The job behind the fraud service: each payment request is scored against its account's
 * recent payments, kept by a keyed actor; a payment that fails validation is skipped
 * (supervision: resume) and answered with the reason from the dead-letter output.
 */
import {
  AskGateway,
  DeadLetter,
  KeyedActor,
  KeyedActorContext,
  Reply,
  Request,
  RuntimeContext,
  Serializers,
  StreamEnvironment,
  Supervision,
  ValueState,
  ValueStateDescriptor,
  replyTo,
  supervisionDeadLetters,
} from '../../src';

export interface Payment {
  readonly account: string;
  readonly amount: number;
}

export type Verdict = { readonly account: string; readonly recentTotal: number; readonly decision: 'allow' | 'review' } | { readonly error: string };

/** A payment leaves the account's window after this long. */
export const WINDOW_MS = 60_000;
/** More than this within the window, and payments go to review. */
export const REVIEW_ABOVE = 1_000;

type Expire = { readonly type: 'expire'; readonly amount: number };

/** Per account: the total of the payments of the last minute; each payment schedules its own expiry. */
export class RecentTotal extends KeyedActor<string, Request<Payment> | Expire, Reply<Verdict>> {
  private total!: ValueState<number>;
  open(ctx: RuntimeContext): void {
    this.total = ctx.getState(new ValueStateDescriptor('recent-total', Serializers.number, 0));
  }
  receive(msg: Request<Payment> | Expire, ctx: KeyedActorContext<string, Request<Payment> | Expire, Reply<Verdict>>): void {
    if ('type' in msg) {
      this.total.update(this.total.value()! - msg.amount);
      return;
    }
    const recentTotal = this.total.value()! + msg.payload.amount;
    this.total.update(recentTotal);
    ctx.scheduleOnce(WINDOW_MS, { type: 'expire', amount: msg.payload.amount });
    ctx.emit(replyTo(msg, { account: ctx.key(), recentTotal, decision: recentTotal > REVIEW_ABOVE ? 'review' : 'allow' }));
  }
}

function validated(request: Request<Payment>): Request<Payment> {
  const { account, amount } = request.payload;
  if (typeof account !== 'string' || account.length === 0) throw new Error('account is missing');
  if (typeof amount !== 'number' || !(amount > 0)) throw new Error(`amount must be a positive number, got ${JSON.stringify(amount)}`);
  return request;
}

/** Builds the scoring job on `env`, reading requests from and answering through `gateway`. */
export function scoringJob(env: StreamEnvironment, gateway: AskGateway<Payment, Verdict>): void {
  const valid = env.fromSource(gateway.source()).map(validated).name('Validate').withSupervisionStrategy(Supervision.resume().withLimit(1000, 60_000));
  const verdicts = valid
    .keyBy((r) => r.payload.account)
    .processActor<Reply<Verdict>, Expire>(new RecentTotal())
    .name('Recent total');
  const rejected = valid.getSideOutput(supervisionDeadLetters).map((letter: DeadLetter): Reply<Verdict> => replyTo<Payment, Verdict>(letter.record as Request<Payment>, { error: letter.reason }));
  verdicts.union(rejected).sinkTo(gateway.sink()).setParallelism(1);
}
