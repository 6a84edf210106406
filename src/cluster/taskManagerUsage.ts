/**
 * What a task manager's thread used, measured in that thread and sent to the job master's
 * thread when it stops (`taskManager.usage`): its own CPU time and the peak of its V8 heap. A
 * process's RSS is shared by its threads; a thread's heap is its own isolate's, so the heap is
 * what can be told per task manager.
 */
import * as t from 'io-ts';

export const TaskManagerUsageCodec = t.type({
  index: t.number,
  /** CPU time of the thread (Linux's per-thread figure); null where the platform does not give it. */
  cpuSeconds: t.union([t.number, t.null]),
  /** The highest V8 heap the thread's isolate held (`total_heap_size`), sampled every 100 ms and at the end. */
  peakHeapMb: t.number,
  /** The highest memory held outside that heap for its objects (`external_memory`: ArrayBuffers of exchange batches among them). */
  peakExternalMb: t.number,
});

/** What one task manager's thread used over its life. */
export type TaskManagerUsage = t.TypeOf<typeof TaskManagerUsageCodec>;
