/** Which parts of a task take part in checkpoints, by checkpointing mode. */
import { InputGate } from './InputGate';
import { OperatorChain } from './OperatorChain';
import { OutputGate } from './OutputGate';
import { SourceDriver } from './SourceDriver';
import { AlignedBarrierHandler } from './AlignedBarrierHandler';
import { KeyedPart, TaskCheckpointer } from './TaskCheckpointer';
import { TaskDeps } from './TaskDeps';
import { UnalignedBarrierHandler } from './UnalignedBarrierHandler';

/**
 * Checkpointing off: none of them. On: the checkpointer, and the barrier handler of the mode,
 * unaligned or aligned (exactly-once blocks, at-least-once does not); a source has none in
 * aligned mode, as its barriers come from the coordinator's trigger, not from its inputs.
 */
export interface TaskCheckpoints {
  readonly checkpointer: TaskCheckpointer | undefined;
  readonly aligned: AlignedBarrierHandler | undefined;
  readonly unaligned: UnalignedBarrierHandler | undefined;
}

export function taskCheckpoints(
  deps: TaskDeps,
  parts: { readonly inputs: InputGate; readonly gate: OutputGate; readonly chain: OperatorChain; readonly keyed: KeyedPart | undefined; readonly source: SourceDriver | undefined },
): TaskCheckpoints {
  const { checkpointing, coordinator, unaligned, task, attempt } = deps;
  if (checkpointing === undefined) return { checkpointer: undefined, aligned: undefined, unaligned: undefined };
  if (coordinator === undefined) throw new Error(`task '${task.id}' checkpoints ${checkpointing} without a checkpoint coordinator`);
  const checkpointer = new TaskCheckpointer({ task, attempt, coordinator, chain: parts.chain, gate: parts.gate, keyed: parts.keyed, source: parts.source });
  if (unaligned) return { checkpointer, aligned: undefined, unaligned: new UnalignedBarrierHandler(parts.inputs, checkpointer) };
  if (parts.source !== undefined) return { checkpointer, aligned: undefined, unaligned: undefined };
  return { checkpointer, aligned: new AlignedBarrierHandler(parts.inputs, checkpointer, checkpointing === 'exactly-once'), unaligned: undefined };
}
