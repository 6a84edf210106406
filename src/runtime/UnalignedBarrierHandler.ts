/**
 * Carries out unaligned checkpoints (checkpoint/unalignedBarriers.ts) in a task: barriers and
 * cancellations are handled as they arrive, ahead of the input queued before them, and the
 * in-flight records of the pending checkpoint are recorded here until it is acknowledged.
 */
import { absurd } from 'fp-ts/function';
import { CheckpointId, TaskSnapshot } from '../checkpoint/CheckpointTypes';
import { UnalignedEffect, UnalignedEvent, UnalignedState, initialUnaligned, isRecording, unalignedTransition } from '../checkpoint/unalignedBarriers';
import { InputGate, InputItem } from './InputGate';
import { Buffered } from './OutputGate';
import { TaskCheckpointer } from './TaskCheckpointer';
import { toChannelRecords } from './channelState';

export class UnalignedBarrierHandler {
  private state: UnalignedState = initialUnaligned;
  /** The checkpoint snapshotted and not acknowledged yet, with the channel state recorded for it so far. */
  private recorded: { readonly id: CheckpointId; readonly snapshot: TaskSnapshot; readonly inputs: Buffered[]; readonly outputs: Buffered[] } | undefined;

  constructor(
    private readonly inputs: InputGate,
    private readonly checkpointer: TaskCheckpointer,
  ) {}

  /** Records arriving on a channel that still owes the pending checkpoint its barrier belong to it. */
  recordArrival(batch: Extract<InputItem, { type: 'records' }>): void {
    if (this.recorded === undefined || !isRecording(this.state, batch.channel)) return;
    const held = this.recorded.inputs[batch.channel];
    held.records.push(...batch.records);
    held.timestamps.push(...batch.timestamps);
  }

  /** `running` false: the task drained its input and starts no checkpoint any more. */
  async handle(event: UnalignedEvent, running: boolean): Promise<void> {
    const { state, effects } = unalignedTransition(this.state, event, { channels: this.inputs.size, endArrived: this.inputs.endArrived, running });
    this.state = state;
    for (const effect of effects) await this.apply(effect);
  }

  private async apply(effect: UnalignedEffect): Promise<void> {
    switch (effect.type) {
      case 'subsumed':
        this.recorded = undefined;
        this.checkpointer.decline(effect.id, { _tag: 'subsumed', detail: 'subsumed by a newer checkpoint before all its barriers arrived' });
        this.checkpointer.forwardCancel(effect.id);
        return;
      case 'snapshot': {
        const { snapshot, outputs } = await this.checkpointer.snapshotUnaligned(effect.id);
        // The input queued before the barrier is the first of the channel state.
        this.recorded = { id: effect.id, snapshot, inputs: this.inputs.queuedByChannel(), outputs };
        return;
      }
      case 'acknowledge': {
        const recorded = this.recorded;
        if (recorded?.id !== effect.id) throw new Error(`unaligned checkpoint ${effect.id} is acknowledged without its snapshot`);
        this.recorded = undefined;
        const channels = { inputs: recorded.inputs.map(toChannelRecords), outputs: recorded.outputs.map(toChannelRecords) };
        this.checkpointer.acknowledge(effect.id, { ...recorded.snapshot, channels }, 0);
        return;
      }
      case 'discard':
        this.recorded = undefined;
        return;
      case 'forwardCancel':
        this.checkpointer.forwardCancel(effect.id);
        return;
      default:
        return absurd(effect);
    }
  }
}
