/**
 * The producing side of a channel between two task managers: a small actor standing, for the
 * producing task, where its consumer would stand in one thread. It takes the task's `records`
 * and in-band events and sends them with a BatchSender; the consumer's credit comes back as
 * `demand` to the task, so credit flows end to end as in one thread and the task sends only
 * what the consumer granted. What the frame window cannot take now waits here, bounded by that
 * credit and the events of one input batch (docs/internals.md, "Task managers on worker threads").
 */
import { Ref, dispatch, spawnStateless } from 'nact';
import { ChannelEvent, TaskMsg, TaskRef } from '../runtime/protocol';
import { BatchSender } from './BatchSender';
import { ExchangeError } from './ExchangeError';
import { FramePort } from './FramePort';

/**
 * Frames each exchange channel may have in flight (batches and events alike): room for the
 * channel's capacity and the inlet's read-ahead (EXCHANGE_READ_AHEAD) in batches of half the
 * batch size, as a hash edge at parallelism 2 makes them, with events between.
 */
export const EXCHANGE_WINDOW = 64;

type Waiting = { readonly records: readonly unknown[]; readonly timestamps: readonly number[] } | ChannelEvent;

export class ExchangeOutlet {
  private readonly sender: BatchSender;
  private readonly waiting: Waiting[] = [];
  private producer: TaskRef | undefined;
  /** Credit granted before the producer was attached (none in practice: see attach). */
  private early = 0;

  /** `channel`: the output channel of the producing task this outlet stands at. */
  constructor(port: FramePort, name: string, private readonly channel: number, failed: (error: ExchangeError) => void) {
    this.sender = new BatchSender(port, name, EXCHANGE_WINDOW, {
      writable: (credits) => {
        this.flush();
        if (credits === 0) return;
        if (this.producer === undefined) this.early += credits;
        else dispatch(this.producer, { type: 'demand', channel: this.channel, credits });
      },
      failed,
    });
  }

  /** The producing task: credit goes to it. Set before the consumer can grant any (its first grant follows its wiring). */
  attach(producer: TaskRef): void {
    this.producer = producer;
    if (this.early > 0) dispatch(producer, { type: 'demand', channel: this.channel, credits: this.early });
    this.early = 0;
  }

  /** What the producing task sent on this channel. */
  receive(msg: TaskMsg): void {
    switch (msg.type) {
      case 'records':
        this.waiting.push({ records: msg.records, timestamps: msg.timestamps });
        break;
      case 'barrier':
        this.waiting.push({ type: 'barrier', id: msg.id });
        break;
      case 'barrier.cancel':
        this.waiting.push({ type: 'barrier.cancel', id: msg.id });
        break;
      case 'watermark':
        this.waiting.push({ type: 'watermark', watermark: msg.watermark });
        break;
      case 'idle':
      case 'endOfInput':
        this.waiting.push({ type: msg.type });
        break;
      default:
        throw new Error(`exchange outlet: a producing task sends records and in-band events, not '${msg.type}'`);
    }
    this.flush();
  }

  private flush(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0];
      if ('records' in next) {
        if (!this.sender.canSendRecords(next.records.length)) return;
        this.sender.sendRecords(next.records, next.timestamps);
      } else {
        if (!this.sender.canSendEvent()) return;
        this.sender.sendEvent(next);
      }
      this.waiting.shift();
    }
  }

  close(): void {
    this.sender.close();
  }
}

/** The outlet as an actor of the task manager's system: the producing task's output ref for this channel. */
export function spawnOutlet(system: Ref<unknown>, outlet: ExchangeOutlet, name: string): TaskRef {
  return spawnStateless(system as Ref<never>, (msg: TaskMsg) => outlet.receive(msg), name) as TaskRef;
}
