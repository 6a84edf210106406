/**
 * Completed checkpoints in the process's memory: survive task and job restarts inside the
 * process, not the process. Shared by job id, so a job executed again in the same process
 * resumes as it would from the file store.
 */
import { Either, right } from 'fp-ts/Either';
import { CheckpointStore } from './CheckpointStore';
import { CheckpointId, CompletedCheckpoint } from './CheckpointTypes';

const stores = new Map<string, CompletedCheckpoint[]>();
const progress = new Map<string, Map<string, unknown>>();

export class MemoryCheckpointStore implements CheckpointStore {
  readonly description = 'memory';
  constructor(private readonly jobId: string, private readonly retained: number) {}

  private list(): CompletedCheckpoint[] {
    let list = stores.get(this.jobId);
    if (list === undefined) stores.set(this.jobId, (list = []));
    return list;
  }

  async add(checkpoint: CompletedCheckpoint): Promise<void> {
    const list = this.list();
    list.push(checkpoint);
    while (list.length > this.retained) list.shift();
  }

  async latest(): Promise<Either<string, CompletedCheckpoint | undefined>> {
    const list = this.list();
    return right(list[list.length - 1]);
  }

  async ids(): Promise<CheckpointId[]> {
    return this.list().map((c) => c.id);
  }

  async saveSourceProgress(task: string, position: unknown): Promise<void> {
    let mine = progress.get(this.jobId);
    if (mine === undefined) progress.set(this.jobId, (mine = new Map()));
    mine.set(task, position);
  }

  async sourceProgress(): Promise<Either<string, ReadonlyMap<string, unknown>>> {
    return right(new Map(progress.get(this.jobId) ?? []));
  }

  async discardAll(): Promise<void> {
    stores.delete(this.jobId);
    progress.delete(this.jobId);
  }
}
