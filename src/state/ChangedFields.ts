/**
 * The epochs of changed fields behind the Redis backend's incremental snapshots
 * (RedisIncrementalSnapshotStrategy.ts): what each pending snapshot's delta must hold.
 */
import type { CheckpointId } from './CheckpointId';

/**
 * The fields changed since the base snapshot, by key group, cut into epochs at each snapshot
 * taken and not yet completed: snapshot n's delta is the union of the epochs up to n. When n
 * completes, its epochs are in the new base and go; when it is aborted, its epoch folds into
 * the next one, so its changes reach the next snapshot.
 */
export class ChangedFields {
  /** The epoch being written: key group -> fields. */
  private current = new Map<number, Set<string>>();
  /** Epochs ended by snapshots still pending, oldest first. */
  private readonly closed: Array<{ readonly id: CheckpointId; readonly fields: Map<number, Set<string>> }> = [];

  /** The hot path: one field written (called once per entry and epoch). */
  record(keyGroup: number, field: string): void {
    let set = this.current.get(keyGroup);
    if (set === undefined) this.current.set(keyGroup, (set = new Set()));
    set.add(field);
  }

  /** Ends the epoch at snapshot `id`; returns every field changed since the base, by key group. */
  cut(id: CheckpointId): Map<number, Set<string>> {
    this.closed.push({ id, fields: this.current });
    this.current = new Map();
    if (this.closed.length === 1) return this.closed[0].fields;
    const union = new Map<number, Set<string>>();
    for (const epoch of this.closed) {
      for (const [kg, fields] of epoch.fields) {
        const into = union.get(kg);
        if (into === undefined) union.set(kg, new Set(fields));
        else for (const f of fields) into.add(f);
      }
    }
    return union;
  }

  /** Snapshot `id` completed: what it holds is the base now. */
  completed(id: CheckpointId): void {
    while (this.closed.length > 0 && this.closed[0].id <= id) this.closed.shift();
  }

  /** Snapshot `id` will never complete: its changes belong to the next epoch. */
  aborted(id: CheckpointId): void {
    const i = this.closed.findIndex((e) => e.id === id);
    if (i < 0) return;
    const [epoch] = this.closed.splice(i, 1);
    const next = i < this.closed.length ? this.closed[i].fields : this.current;
    for (const [kg, fields] of epoch.fields) {
      const into = next.get(kg);
      if (into === undefined) next.set(kg, fields);
      else for (const f of fields) into.add(f);
    }
  }

  /** Forgets everything (a restore sets a new base). */
  clear(): void {
    this.current = new Map();
    this.closed.length = 0;
  }
}
