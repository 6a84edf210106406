/**
 * Request/response through a running job, for a service that uses a streaming job as a
 * stateful engine behind its API: `ask` sends a request into the job through an actor source
 * and resolves with the job's reply to it, which arrives through an actor sink. Requests and
 * replies are correlated by id; each `ask` settles exactly once: with the reply, or with an
 * AskTimeoutError once `timeoutMs` has passed (a reply arriving later is counted and
 * dropped). The gateway holds at most `capacity` requests not yet acknowledged by the job;
 * beyond, `ask` rejects with AskRefusedError at once rather than queue without bound.
 *
 * @example
 * const gateway = AskGateway.spawn<Payment, Score>(system, 'scores');
 * env.fromSource(gateway.source())
 *   .keyBy((r) => r.payload.account)
 *   .process(new ScorePayments()) // emits replyTo(request, score)
 *   .sinkTo(gateway.sink());
 * const score = await gateway.ask({ account: 'a-1', amount: 120 }, 500);
 */
import { Ref, spawn } from 'nact';
import { ActorSink, ActorSinkMsg, acknowledge } from './ActorSink';
import { ActorSource } from './ActorSource';
import { ActorSourceOutbox } from './ActorSourceOutbox';
import { ActorSourceSignal, isActorSourceSignal } from './actorSourceProtocol';
import { observed } from '../runtime/observed';

/** A request as it travels through the job. */
export interface Request<Req> {
  readonly correlationId: number;
  readonly payload: Req;
}

/** The job's reply to a request: same correlation id. */
export interface Reply<Res> {
  readonly correlationId: number;
  readonly payload: Res;
}

/** The reply to `request` with `payload`, for the job's last operator to emit. */
export function replyTo<Req, Res>(request: Request<Req>, payload: Res): Reply<Res> {
  return { correlationId: request.correlationId, payload };
}

/** An `ask` that got no reply within its timeout. */
export class AskTimeoutError extends Error {
  readonly _tag = 'AskTimeoutError';
  constructor(readonly correlationId: number, readonly timeoutMs: number) {
    super(`no reply to request ${correlationId} within ${timeoutMs} ms`);
    this.name = 'AskTimeoutError';
  }
}

/** An `ask` refused at once: the gateway holds its capacity of requests already. */
export class AskRefusedError extends Error {
  readonly _tag = 'AskRefusedError';
  constructor(readonly capacity: number) {
    super(`the gateway already holds ${capacity} requests the job has not taken; try again later`);
    this.name = 'AskRefusedError';
  }
}

/** Options of an ask gateway. */
export interface AskGatewayOptions {
  /** Requests held and not yet acknowledged by the job, at most (default 10,000). */
  readonly capacity?: number;
  /** Requests in flight into the job, at most (the actor source's bufferSize; default 1024). */
  readonly bufferSize?: number;
}

/** What a gateway has seen so far. */
export interface AskGatewayStats {
  readonly answered: number;
  readonly timedOut: number;
  readonly refused: number;
  /** Replies to requests already answered or timed out (after a restart, or too late). */
  readonly unmatched: number;
  /** Asks waiting for their reply now. */
  readonly pending: number;
}

interface Waiting<Res> {
  readonly resolve: (reply: Res) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type GatewayMsg<Req, Res> = ActorSourceSignal<Request<Req>> | ActorSinkMsg<Reply<Res>>;

/** Asks a running job a question and gets its answer: the job's source and sink, and `ask` (see docs/actors.md). */
export class AskGateway<Req, Res> {
  private readonly outbox: ActorSourceOutbox<Request<Req>>;
  private readonly waiting = new Map<number, Waiting<Res>>();
  private nextId = 0;
  private counts = { answered: 0, timedOut: 0, refused: 0, unmatched: 0 };
  /** The gateway's actor: producer of the source, consumer of the sink. */
  readonly actor: Ref<GatewayMsg<Req, Res>>;

  private constructor(parent: Ref<unknown>, name: string, private readonly options: AskGatewayOptions) {
    this.outbox = new ActorSourceOutbox<Request<Req>>(options.capacity ?? 10_000);
    this.actor = spawn(
      parent as Ref<never>,
      (state: undefined, msg: GatewayMsg<Req, Res>) => {
        if (isActorSourceSignal(msg)) this.outbox.handle(msg as ActorSourceSignal<Request<Req>>);
        else this.replied(msg as ActorSinkMsg<Reply<Res>>);
        return state;
      },
      name,
    ) as Ref<GatewayMsg<Req, Res>>;
  }

  /** Spawns the gateway's actor under `parent` (an actor system or actor of the application). */
  static spawn<Req, Res>(parent: Ref<any>, name: string, options: AskGatewayOptions = {}): AskGateway<Req, Res> {
    return new AskGateway<Req, Res>(parent, name, options);
  }

  /** The job's source of requests. */
  source(): ActorSource<Request<Req>> {
    return ActorSource.actorRefWithBackpressure<Request<Req>>(this.actor, { bufferSize: this.options.bufferSize });
  }

  /** The job's sink for replies. */
  sink(): ActorSink<Reply<Res>> {
    return ActorSink.actorRefWithBackpressure<Reply<Res>>(this.actor);
  }

  /**
   * Sends `payload` into the job and resolves with the job's reply to it. The promise is
   * observed: a refusal or a timeout before the caller awaits it (`const a = ask(x), b = ask(y);
   * await a; await b`) is reported when awaited, never as an unhandled rejection (`stats()`
   * counts them).
   */
  ask(payload: Req, timeoutMs: number): Promise<Res> {
    const correlationId = this.nextId++;
    if (!this.outbox.offer({ correlationId, payload })) {
      this.counts.refused++;
      return observed(Promise.reject(new AskRefusedError(this.outbox.capacity)));
    }
    return observed(new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(correlationId);
        this.counts.timedOut++;
        reject(new AskTimeoutError(correlationId, timeoutMs));
      }, timeoutMs);
      this.waiting.set(correlationId, { resolve, reject, timer });
    }));
  }

  /** Ends the job's source: no request follows. */
  complete(): void {
    this.outbox.complete();
  }

  /** Counts of the gateway's requests and replies so far. */
  stats(): AskGatewayStats {
    return { ...this.counts, pending: this.waiting.size };
  }

  private replied(msg: ActorSinkMsg<Reply<Res>>): void {
    if (msg.type === 'sink.batch') {
      for (const reply of msg.records) {
        const waiting = this.waiting.get(reply.correlationId);
        if (waiting === undefined) {
          this.counts.unmatched++;
          continue;
        }
        this.waiting.delete(reply.correlationId);
        clearTimeout(waiting.timer);
        this.counts.answered++;
        waiting.resolve(reply.payload);
      }
    }
    acknowledge(msg);
  }
}
