/**
 * The coordinator's figures: checkpoints and savepoints completed and failed, the longest
 * alignment, and the last CHECKPOINT_HISTORY_LIMIT checkpoints and savepoints for the job's
 * metrics and REST API. Bounded: one record per checkpoint up to the limit, and figures only for
 * checkpoints in progress.
 */
import { CheckpointId, TaskSnapshot } from './CheckpointTypes';
import { CHECKPOINT_HISTORY_LIMIT, CheckpointRecord, CheckpointStats, NO_CHECKPOINTS } from './coordinatorProtocol';
import { checkpointSize } from './checkpointSize';

/** How a checkpoint ended, for its record. */
export interface CheckpointEnd {
  readonly startedAt: number;
  readonly now: number;
  /** The checkpoint the job ends at (end of input, or a savepoint it stops at). */
  readonly final: boolean;
  /** A savepoint's directory; undefined for a checkpoint. */
  readonly savepoint: string | undefined;
}

export class CheckpointHistory {
  private stats: CheckpointStats = NO_CHECKPOINTS;
  private readonly records: CheckpointRecord[] = [];
  /** Per checkpoint in progress: its longest alignment so far, and its size once persisting. */
  private readonly figures = new Map<CheckpointId, { alignmentMs: number; sizeBytes: number | undefined }>();

  /** A task held its input `alignmentMs` for checkpoint `id`. */
  aligned(id: CheckpointId, alignmentMs: number): void {
    this.stats = { ...this.stats, maxAlignmentMs: Math.max(this.stats.maxAlignmentMs, alignmentMs) };
    const figures = this.figures.get(id) ?? { alignmentMs: 0, sizeBytes: undefined };
    figures.alignmentMs = Math.max(figures.alignmentMs, alignmentMs);
    this.figures.set(id, figures);
  }

  persisting(id: CheckpointId, snapshots: readonly TaskSnapshot[]): void {
    this.figures.set(id, { alignmentMs: this.figures.get(id)?.alignmentMs ?? 0, sizeBytes: checkpointSize(snapshots) });
  }

  /**
   * `stored`: the checkpoint went to the checkpoint store, where a restart restores from (every
   * checkpoint, and a savepoint the job stops at; not a savepoint the job goes on after).
   */
  completed(id: CheckpointId, end: CheckpointEnd, stored: boolean): void {
    const { completed, savepoints } = this.stats;
    this.stats = {
      ...this.stats,
      ...(end.savepoint === undefined ? { completed: completed + 1 } : { savepoints: { ...savepoints, completed: savepoints.completed + 1 } }),
      ...(stored ? { lastCompletedId: id, lastDurationMs: end.now - end.startedAt } : {}),
    };
    this.record(id, end, 'completed');
  }

  failed(id: CheckpointId, end: CheckpointEnd, reason: string): void {
    const { failed, savepoints } = this.stats;
    this.stats = { ...this.stats, ...(end.savepoint === undefined ? { failed: failed + 1 } : { savepoints: { ...savepoints, failed: savepoints.failed + 1 } }) };
    this.record(id, end, 'failed', reason);
  }

  current(): CheckpointStats {
    return this.stats;
  }

  list(): CheckpointRecord[] {
    return [...this.records];
  }

  private record(id: CheckpointId, { startedAt, now, final, savepoint }: CheckpointEnd, status: CheckpointRecord['status'], reason?: string): void {
    const figures = this.figures.get(id);
    this.figures.delete(id);
    this.records.push({
      id,
      kind: savepoint === undefined ? 'checkpoint' : 'savepoint',
      status,
      triggeredAt: startedAt,
      durationMs: now - startedAt,
      sizeBytes: status === 'completed' ? figures?.sizeBytes : undefined,
      alignmentMs: figures?.alignmentMs ?? 0,
      final,
      ...(reason === undefined ? {} : { reason }),
      ...(savepoint === undefined ? {} : { location: savepoint }),
    });
    if (this.records.length > CHECKPOINT_HISTORY_LIMIT) this.records.shift();
  }
}
