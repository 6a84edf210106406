/**
 * The consuming side of a channel between two task managers: a small actor standing, for the
 * consuming task, where its producer would stand in one thread. A BatchReceiver's frames go to
 * the task on its input channel, in the order they were sent; the task's `demand` becomes the
 * receiver's grant, so the producer in the other thread sends only what this task granted.
 */
import { MessagePort } from 'worker_threads';
import { Ref, dispatch, spawnStateless } from 'nact';
import { TaskMsg, TaskRef } from '../runtime/protocol';
import { BatchReceiver } from './BatchReceiver';
import { ExchangeError } from './ExchangeError';
import { EXCHANGE_WINDOW } from './ExchangeOutlet';

export class ExchangeInlet {
  private readonly receiver: BatchReceiver;

  /** `channel`: the input channel of `consumer` this inlet feeds. No credit until the task grants it (its first grant follows its wiring). */
  constructor(port: MessagePort, name: string, channel: number, consumer: TaskRef, failed: (error: ExchangeError) => void) {
    this.receiver = new BatchReceiver(port, name, 0, EXCHANGE_WINDOW, {
      records: (records, timestamps) => dispatch(consumer, { type: 'records', channel, records, timestamps }),
      event: (event) => dispatch(consumer, { ...event, channel }),
      failed,
    });
  }

  /** What the consuming task sends its producer: only credit. */
  receive(msg: TaskMsg): void {
    if (msg.type !== 'demand') throw new Error(`exchange inlet: a consuming task sends its producer demand, not '${msg.type}'`);
    this.receiver.grant(msg.credits);
  }

  close(): void {
    this.receiver.close();
  }
}

/** The inlet as an actor of the task manager's system: the consuming task's input ref for this channel. */
export function spawnInlet(system: Ref<unknown>, inlet: ExchangeInlet, name: string): TaskRef {
  return spawnStateless(system as Ref<never>, (msg: TaskMsg) => inlet.receive(msg), name) as TaskRef;
}
