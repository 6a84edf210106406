/**
 * Actors that record what they are sent, in order, so that a spec can drive a runtime piece
 * (a gate, a task) with real nact refs and assert exactly which messages each peer got.
 */
import { Ref, spawn, start, stop } from 'nact';

export interface Recorder<T> {
  readonly ref: Ref<T>;
  /** Everything the recorder was sent so far, in the order it arrived. */
  readonly messages: T[];
}

export class Recorders {
  readonly system = start();
  private readonly logs: unknown[][] = [];
  private count = 0;

  recorder<T>(): Recorder<T> {
    const messages: T[] = [];
    this.logs.push(messages);
    const ref = spawn(this.system, (state: undefined, msg: T) => {
      messages.push(msg);
      return state;
    }) as Ref<T>;
    return { ref, messages };
  }

  /** Takes every message recorded so far out of each recorder's log; returns what each had. */
  take(...recorders: readonly Recorder<unknown>[]): unknown[][] {
    return recorders.map((r) => r.messages.splice(0, r.messages.length));
  }

  /**
   * Lets the actors run until no recorder got anything for `quietTicks` turns of the event loop
   * (a message hop takes one): everything sent so far has arrived.
   */
  async settle(quietTicks = 30): Promise<void> {
    let quiet = 0;
    for (let tick = 0; tick < 10_000 && quiet < quietTicks; tick++) {
      await new Promise((resolve) => setImmediate(resolve));
      const total = this.logs.reduce((n, log) => n + log.length, 0);
      quiet = total === this.count ? quiet + 1 : 0;
      this.count = total;
    }
  }

  stop(): void {
    stop(this.system);
  }
}
