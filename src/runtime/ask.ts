/**
 * Request-reply between actors without nact's `query`: nact keeps a query's timer running
 * when the asked actor stops without answering, which holds the process open until the
 * timeout. Here a short-lived reply actor takes the answer, and the timer is unref'd and
 * cleared on every outcome.
 */
import { Ref, dispatch, spawnStateless, stop } from 'nact';

let asks = 0;

export function ask<R, M>(parent: Ref<unknown>, target: Ref<M>, make: (replyTo: Ref<R>) => M, timeoutMs: number): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let replyTo: Ref<R>;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      stop(replyTo);
      outcome();
    };
    try {
      replyTo = spawnStateless(parent as Ref<never>, (answer: R) => finish(() => resolve(answer)), `ask-${++asks}`) as Ref<R>;
    } catch (e) {
      // The parent has stopped: nobody can answer.
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    timer = setTimeout(() => finish(() => reject(new Error(`no answer within ${timeoutMs} ms`))), timeoutMs);
    timer.unref();
    dispatch(target, make(replyTo));
  });
}
