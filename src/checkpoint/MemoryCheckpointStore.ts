/**
 * Completed checkpoints in the process's memory: survive task and job restarts inside the
 * process, not the process. Shared by job id, so a job executed again in the same process
 * resumes as it would from the file store.
 */
import { Either, right } from 'fp-ts/Either';
import { CheckpointStore } from './CheckpointStore';
import { CheckpointId, CompletedCheckpoint } from './CheckpointTypes';

const stores = new Map<string, CompletedCheckpoint[]>();

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

  async discardAll(): Promise<void> {
    stores.delete(this.jobId);
  }
}
