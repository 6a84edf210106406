/**
 * Channel state of unaligned checkpoints: the in-flight records a checkpoint holds, converted
 * to the form a checkpoint stores, and replayed when a task is restored from it.
 */
import { ChannelRecords, ChannelState } from '../checkpoint/CheckpointTypes';
import { KeyPrefetcher } from './KeyPrefetcher';
import { OperatorChain } from './OperatorChain';
import { Buffered, OutputGate } from './OutputGate';
import { RecordTime } from '../graph/StreamOperator';

/** Channel records as a checkpoint stores them: JSON has no NaN, so a missing timestamp is null. */
export function toChannelRecords(b: Buffered): ChannelRecords {
  return { records: b.records, timestamps: b.timestamps.map((t) => (Number.isNaN(t) ? null : t)) };
}

export function fromChannelRecords(c: ChannelRecords): Buffered {
  return { records: [...c.records], timestamps: c.timestamps.map((t) => t ?? NaN) };
}

/** Restored in-flight records: the output goes back in front of the gate, the input through the chain. */
export async function replayChannelState(
  channels: ChannelState,
  task: { readonly gate: OutputGate; readonly chain: OperatorChain; readonly time: RecordTime; readonly prefetcher: KeyPrefetcher | undefined },
): Promise<void> {
  const { gate, chain, time, prefetcher } = task;
  gate.restoreBuffered(channels.outputs.map(fromChannelRecords));
  const head = chain.head;
  for (const { records, timestamps } of channels.inputs.map(fromChannelRecords)) {
    const loading = prefetcher?.prefetch(records);
    if (loading !== undefined) await loading;
    for (let i = 0; i < records.length; i++) {
      time.timestamp = timestamps[i];
      head.collect(records[i]);
    }
  }
  const written = chain.endOfBatch();
  if (written !== undefined) await written;
}
