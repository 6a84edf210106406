/**
 * The consuming side of a channel between two task managers: a small actor standing, for the
 * consuming task, where its producer would stand in one thread. A BatchReceiver's frames go to
 * the task on its input channel, in the order they were sent; the task's `demand` becomes the
 * receiver's grant, so the producer in the other thread sends only what this task granted.
 */
import { Ref, dispatch, spawnStateless } from 'nact';
import { TaskMsg, TaskRef } from '../runtime/protocol';
import { BatchReceiver, ReadAhead } from './BatchReceiver';
import { ExchangeError } from './ExchangeError';
import { EXCHANGE_WINDOW } from './ExchangeOutlet';
import { FramePort } from './FramePort';

/**
 * Records an inlet lets its producer send beyond its task's credit, in channel capacities: a
 * credit round trip between threads takes several turns of both event loops (measured: 2 task
 * managers of the keyed count idle 20-30% of the time without it), and on a busy machine a
 * thread waits for a core besides, while the other drains what it holds (8 rather than 3: each
 * task manager's CPU 10-20% lower under load, keyed count; docs/task-managers.md).
 */
export const EXCHANGE_READ_AHEAD = 8;

export class ExchangeInlet {
  private readonly receiver: BatchReceiver;

  /**
   * `channel`: the input channel of `consumer` this inlet feeds. The producer may send
   * `readAhead` records at once; the rest of its credit is the task's, whose first grant follows
   * its wiring (BatchReceiver, "Read-ahead").
   */
  constructor(port: FramePort, name: string, channel: number, consumer: TaskRef, readAhead: ReadAhead, failed: (error: ExchangeError) => void) {
    this.receiver = new BatchReceiver(
      port,
      name,
      0,
      EXCHANGE_WINDOW,
      {
        records: (records, timestamps) => dispatch(consumer, { type: 'records', channel, records, timestamps }),
        event: (event) => dispatch(consumer, { ...event, channel }),
        failed,
      },
      readAhead,
    );
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
