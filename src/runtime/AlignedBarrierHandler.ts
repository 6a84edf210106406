/**
 * Carries out barrier alignment (checkpoint/barrierAlignment.ts) in a task that is not a
 * source, exactly-once (aligned) or at-least-once: barriers are taken in order with the input;
 * the pure transition says which channel to block, when to snapshot and what was subsumed.
 */
import { absurd } from 'fp-ts/function';
import { AlignmentEffect, AlignmentEvent, AlignmentState, alignmentTransition, initialAlignment } from '../checkpoint/barrierAlignment';
import { InputGate } from './InputGate';
import { TaskCheckpointer } from './TaskCheckpointer';

export class AlignedBarrierHandler {
  private alignment: AlignmentState = initialAlignment;
  /** When the first barrier of the checkpoint being aligned was taken (the ack reports how long alignment took). */
  private startedAt = 0;

  /** `aligned`: exactly-once, channels that delivered the barrier are blocked until all did. */
  constructor(
    private readonly inputs: InputGate,
    private readonly checkpointer: TaskCheckpointer,
    private readonly aligned: boolean,
  ) {}

  async handle(event: AlignmentEvent): Promise<void> {
    const before = this.alignment;
    const { state, effects } = alignmentTransition(before, event, { channels: this.inputs.size, ended: this.inputs.ended, aligned: this.aligned });
    this.alignment = state;
    if (before.kind === 'waitingForFirstBarrier' && state.kind === 'collectingBarriers') this.startedAt = Date.now();
    for (const effect of effects) await this.apply(effect);
  }

  private async apply(effect: AlignmentEffect): Promise<void> {
    switch (effect.type) {
      case 'block':
        this.inputs.block(effect.channel);
        return;
      case 'unblockAll':
        // Held input is taken by the drain loop that runs after every event.
        this.inputs.unblockAll();
        return;
      case 'snapshot':
        return this.checkpointer.checkpoint(effect.id, this.inputs.size > 1 ? Date.now() - this.startedAt : 0);
      case 'subsumed':
        this.checkpointer.decline(effect.id, { _tag: 'subsumed', detail: 'subsumed by a newer checkpoint before it was aligned' });
        this.checkpointer.forwardCancel(effect.id);
        return;
      default:
        return absurd(effect);
    }
  }
}
