/**
 * The coordinator's figures: completed and failed counts, the longest alignment, and the last
 * CHECKPOINT_HISTORY_LIMIT checkpoints for the job's metrics and REST API. Bounded: one record
 * per checkpoint up to the limit, and figures only for checkpoints in progress.
 */
import { CheckpointId, TaskSnapshot } from './CheckpointTypes';
import { CHECKPOINT_HISTORY_LIMIT, CheckpointRecord, CheckpointStats } from './coordinatorProtocol';
import { checkpointSize } from './checkpointSize';

export class CheckpointHistory {
  private stats: Omit<CheckpointStats, 'maxAlignmentMs'> = { completed: 0, failed: 0, lastCompletedId: undefined, lastDurationMs: undefined };
  private maxAlignmentMs = 0;
  private readonly records: CheckpointRecord[] = [];
  /** Per checkpoint in progress: its longest alignment so far, and its size once persisting. */
  private readonly figures = new Map<CheckpointId, { alignmentMs: number; sizeBytes: number | undefined }>();

  /** A task held its input `alignmentMs` for checkpoint `id`. */
  aligned(id: CheckpointId, alignmentMs: number): void {
    this.maxAlignmentMs = Math.max(this.maxAlignmentMs, alignmentMs);
    const figures = this.figures.get(id) ?? { alignmentMs: 0, sizeBytes: undefined };
    figures.alignmentMs = Math.max(figures.alignmentMs, alignmentMs);
    this.figures.set(id, figures);
  }

  persisting(id: CheckpointId, snapshots: readonly TaskSnapshot[]): void {
    this.figures.set(id, { alignmentMs: this.figures.get(id)?.alignmentMs ?? 0, sizeBytes: checkpointSize(snapshots) });
  }

  completed(id: CheckpointId, startedAt: number, now: number, final: boolean): void {
    this.stats = { ...this.stats, completed: this.stats.completed + 1, lastCompletedId: id, lastDurationMs: now - startedAt };
    this.record(id, startedAt, now, 'completed', final);
  }

  failed(id: CheckpointId, startedAt: number, now: number, final: boolean, reason: string): void {
    this.record(id, startedAt, now, 'failed', final, reason);
    this.stats = { ...this.stats, failed: this.stats.failed + 1 };
  }

  current(): CheckpointStats {
    return { ...this.stats, maxAlignmentMs: this.maxAlignmentMs };
  }

  list(): CheckpointRecord[] {
    return [...this.records];
  }

  private record(id: CheckpointId, startedAt: number, now: number, status: CheckpointRecord['status'], final: boolean, reason?: string): void {
    const figures = this.figures.get(id);
    this.figures.delete(id);
    this.records.push({
      id,
      status,
      triggeredAt: startedAt,
      durationMs: now - startedAt,
      sizeBytes: status === 'completed' ? figures?.sizeBytes : undefined,
      alignmentMs: figures?.alignmentMs ?? 0,
      final,
      ...(reason === undefined ? {} : { reason }),
    });
    if (this.records.length > CHECKPOINT_HISTORY_LIMIT) this.records.shift();
  }
}
