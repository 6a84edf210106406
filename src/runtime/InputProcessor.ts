/**
 * The input loop of a task: takes items from the InputGate while the output gate has room,
 * runs record batches through the operator chain, moves event time through the watermark
 * valve, hands in-band barriers to the aligned barrier handler, and grants credit back for
 * what it took. Per record, only the chain's collect; everything else happens per item.
 */
import { absurd } from 'fp-ts/function';
import { AlignedBarrierHandler } from './AlignedBarrierHandler';
import { InputGate } from './InputGate';
import { KeyPrefetcher } from './KeyPrefetcher';
import { OperatorChain } from './OperatorChain';
import { OutputGate } from './OutputGate';
import { RecordTime } from '../graph/StreamOperator';
import { TaskCheckpointer } from './TaskCheckpointer';
import { TaskReporter } from './TaskReporter';
import { ValveEvent, ValveState, initialValve, valveTransition } from './watermarkValve';

export interface InputProcessorParts {
  readonly inputs: InputGate;
  readonly gate: OutputGate;
  readonly chain: OperatorChain;
  readonly time: RecordTime;
  readonly prefetcher: KeyPrefetcher | undefined;
  readonly reporter: TaskReporter;
  readonly aligned: AlignedBarrierHandler | undefined;
  readonly checkpointer: TaskCheckpointer | undefined;
}

export class InputProcessor {
  /** The task's event time: the minimum over its active inputs' watermarks; never goes back. */
  private valve: ValveState;
  /** Records taken from the input channels, counted per batch. */
  recordsIn = 0;

  /** `allEnded`: every input channel ended; the task ends its input. */
  constructor(
    private readonly parts: InputProcessorParts,
    private readonly allEnded: () => Promise<void>,
  ) {
    this.valve = initialValve(parts.inputs.size);
  }

  get watermark(): number {
    return this.valve.watermark;
  }

  /** Takes input while the output has room: round-robin over the channels, one item at a time. */
  async drain(): Promise<void> {
    const { inputs, gate, chain, prefetcher, reporter } = this.parts;
    const head = chain.head;
    while (gate.hasRoom()) {
      const c = inputs.nextReady();
      if (c < 0) break;
      const item = inputs.take(c);
      switch (item.type) {
        case 'records': {
          const records = item.records;
          const timestamps = item.timestamps;
          const loading = prefetcher?.load(item, inputs.peek(c));
          if (loading !== undefined) await loading;
          const time = this.parts.time;
          for (let i = 0; i < records.length; i++) {
            time.timestamp = timestamps[i];
            head.collect(records[i]);
          }
          inputs.consumed(c, records.length);
          this.recordsIn += records.length;
          if (reporter.sampling) reporter.sampleKeys(records);
          const written = chain.endOfBatch();
          if (written !== undefined) await written;
          break;
        }
        case 'barrier':
          await this.parts.aligned?.handle({ type: 'barrier', channel: c, id: item.id });
          break;
        case 'watermark':
        case 'idle': {
          this.advance(item.type === 'watermark' ? { type: 'watermark', channel: c, watermark: item.watermark } : { type: 'idle', channel: c });
          // What the watermark fired (window results, timers) is written like a batch's output.
          const written = chain.endOfBatch();
          if (written !== undefined) await written;
          break;
        }
        case 'barrier.cancel':
          await this.parts.aligned?.handle({ type: 'abort', id: item.id });
          this.parts.checkpointer?.forwardCancel(item.id);
          break;
        case 'endOfInput': {
          inputs.markEnded(c);
          this.advance({ type: 'channelEnded', channel: c });
          const written = chain.endOfBatch();
          if (written !== undefined) await written;
          await this.parts.aligned?.handle({ type: 'channelEnded', channel: c });
          if (inputs.allEnded()) {
            inputs.grantConsumed();
            return this.allEnded();
          }
          break;
        }
        default:
          absurd(item);
      }
    }
    inputs.grantConsumed();
    gate.flushAll();
  }

  /** Event time through the valve (watermarkValve.ts); what it lets through goes down the chain. */
  advance(event: ValveEvent): void {
    const { state, output } = valveTransition(this.valve, event);
    this.valve = state;
    if (output === undefined) return;
    if (output.type === 'idle') this.parts.chain.head.emitIdle();
    else this.parts.chain.head.emitWatermark(output.watermark);
  }
}
