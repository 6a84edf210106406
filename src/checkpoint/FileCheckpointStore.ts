/**
 * Completed checkpoints on the local file system, a folder per job:
 *
 *   <root>/<jobId>/chk-<id>.json   one checkpoint, written to a temporary file, synced, renamed
 *   <root>/<jobId>/_latest         the id of the latest complete checkpoint, replaced last by
 *                                  an atomic rename: the one step that completes a checkpoint
 *   <root>/<jobId>/progress-<task>.json   at-most-once: how far a source task may have read
 *
 * A crash before the rename leaves `_latest` naming the previous checkpoint, whose file is
 * still there: older files are pruned only after the pointer moved.
 *
 * Each operation the runtime calls ends within FILE_OPERATION_TIMEOUT_MS: a file system that
 * stops answering (a hung network mount) fails it, naming the folder, instead of holding the
 * checkpoint or the restore for ever. Node cannot cancel the call itself; it ends or not in
 * the background, and a later add waits for it (adds never interleave).
 */
import { Either, left, right } from 'fp-ts/Either';
import { promises as fs } from 'fs';
import * as path from 'path';
import { CheckpointStore } from './CheckpointStore';
import { ServiceError } from '../services/ServiceError';
import { withinDeadline } from '../services/withinDeadline';
import { CheckpointId, CompletedCheckpoint, decodeCompletedCheckpoint, encodeCompletedCheckpoint } from './CheckpointTypes';

const POINTER = '_latest';
const fileOf = (id: CheckpointId) => `chk-${id}.json`;
/** Leftovers of an interrupted checkpoint or pointer write (not of a progress file being replaced). */
const CHECKPOINT_TMP = /^(chk-\d+\.json|_latest)\.tmp-/;

/**
 * The add in progress by job folder. Completing a checkpoint is three steps (data, pointer,
 * prune) that must not interleave with the next one's: with maxConcurrent > 1 the coordinator
 * does not wait for one add before the next, and interleaved steps share the pointer's
 * temporary file and prune each other's files, which can leave `_latest` naming a deleted one.
 */
const addsInProgress = new Map<string, Promise<void>>();

/** The longest one operation of the store may take (writes are fsynced: generous for a slow disk). */
export const FILE_OPERATION_TIMEOUT_MS = 60_000;

/** Replaces a file atomically (rename), without sync: it survives the process, not the machine. */
async function replaceFile(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, content);
  await fs.rename(tmp, file);
}

async function writeDurably(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

export class FileCheckpointStore implements CheckpointStore {
  readonly description: string;
  private readonly dir: string;

  constructor(root: string, jobId: string, private readonly retained: number, private readonly operationTimeoutMs = FILE_OPERATION_TIMEOUT_MS) {
    this.dir = path.join(root, jobId);
    this.description = `file:${this.dir}`;
  }

  /** Step 1 of completion: the checkpoint's data, durable but not yet the latest. */
  async writeData(checkpoint: CompletedCheckpoint): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await writeDurably(path.join(this.dir, fileOf(checkpoint.id)), encodeCompletedCheckpoint(checkpoint));
  }

  /** Step 2: the atomic pointer swap that makes checkpoint `id` the latest. */
  async publish(id: CheckpointId): Promise<void> {
    await writeDurably(path.join(this.dir, POINTER), String(id));
    const dirHandle = await fs.open(this.dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }

  add(checkpoint: CompletedCheckpoint): Promise<void> {
    return this.within(`storing checkpoint ${checkpoint.id}`, this.addUnbounded(checkpoint));
  }

  latest(): Promise<Either<string, CompletedCheckpoint | undefined>> {
    return this.within('reading the latest checkpoint', this.latestUnbounded());
  }

  saveSourceProgress(task: string, position: unknown): Promise<void> {
    return this.within(`saving the progress of ${task}`, this.saveSourceProgressUnbounded(task, position));
  }

  sourceProgress(): Promise<Either<string, ReadonlyMap<string, unknown>>> {
    return this.within('reading the source progress', this.sourceProgressUnbounded());
  }

  discardAll(): Promise<void> {
    return this.within('discarding the checkpoints', this.discardAllUnbounded());
  }

  private within<T>(what: string, operation: Promise<T>): Promise<T> {
    return withinDeadline(
      operation,
      this.operationTimeoutMs,
      () => new ServiceError('file', this.dir, `${what} in ${this.dir}: the file system did not answer within ${this.operationTimeoutMs} ms; check the disk or mount holding it`, false),
    );
  }

  private async addUnbounded(checkpoint: CompletedCheckpoint): Promise<void> {
    const previous = addsInProgress.get(this.dir) ?? Promise.resolve();
    const done = previous.then(async () => {
      await this.writeData(checkpoint);
      await this.publish(checkpoint.id);
      await this.prune(checkpoint.id);
    });
    // The next add waits for this one whether it succeeds or not; its failure is the caller's.
    const tail = done.catch(() => undefined);
    addsInProgress.set(this.dir, tail);
    try {
      await done;
    } finally {
      if (addsInProgress.get(this.dir) === tail) addsInProgress.delete(this.dir);
    }
  }

  /** Removes checkpoints beyond the retained number, and leftovers of interrupted writes. */
  private async prune(latest: CheckpointId): Promise<void> {
    const ids = await this.ids();
    const keep = new Set<number>(ids.filter((id) => id <= latest).slice(-this.retained));
    for (const name of await fs.readdir(this.dir)) {
      const m = /^chk-(\d+)\.json$/.exec(name);
      const stale = (m !== null && !keep.has(Number(m[1])) && Number(m[1]) < latest) || CHECKPOINT_TMP.test(name);
      if (stale) await fs.rm(path.join(this.dir, name), { force: true });
    }
  }

  private async latestUnbounded(): Promise<Either<string, CompletedCheckpoint | undefined>> {
    let pointer: string;
    try {
      pointer = (await fs.readFile(path.join(this.dir, POINTER), 'utf8')).trim();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return right(undefined);
      throw e;
    }
    if (!/^\d+$/.test(pointer)) return left(`${this.description}/${POINTER} does not hold a checkpoint id: '${pointer.slice(0, 40)}'`);
    const file = path.join(this.dir, fileOf(Number(pointer) as CheckpointId));
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      return left(`cannot read checkpoint ${pointer} at ${file}: ${(e as Error).message}`);
    }
    return decodeCompletedCheckpoint(text, `${pointer} at ${file}`);
  }

  private async saveSourceProgressUnbounded(task: string, position: unknown): Promise<void> {
    if (!this.dirReady) {
      await fs.mkdir(this.dir, { recursive: true });
      this.dirReady = true;
    }
    await replaceFile(path.join(this.dir, `progress-${task}.json`), JSON.stringify(position));
  }

  private async sourceProgressUnbounded(): Promise<Either<string, ReadonlyMap<string, unknown>>> {
    const found = new Map<string, unknown>();
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return right(found);
    }
    for (const name of names) {
      const m = /^progress-(.+)\.json$/.exec(name);
      if (m === null) continue;
      try {
        found.set(m[1], JSON.parse(await fs.readFile(path.join(this.dir, name), 'utf8')) as unknown);
      } catch (e) {
        return left(`cannot read source progress ${path.join(this.dir, name)}: ${(e as Error).message}`);
      }
    }
    return right(found);
  }

  private dirReady = false;

  /** Ids of the retained checkpoints: data beyond the pointer was never completed (docs/internals.md, invariant 4). */
  async ids(): Promise<CheckpointId[]> {
    let names: string[];
    let pointer: string;
    try {
      names = await fs.readdir(this.dir);
      pointer = (await fs.readFile(path.join(this.dir, POINTER), 'utf8')).trim();
    } catch {
      return [];
    }
    const latest = /^\d+$/.test(pointer) ? Number(pointer) : Infinity;
    return names
      .map((n) => /^chk-(\d+)\.json$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]) as CheckpointId)
      .filter((id) => id <= latest)
      .sort((a, b) => a - b);
  }

  private async discardAllUnbounded(): Promise<void> {
    // The pointer first: a process killed while discarding leaves no checkpoint, never a
    // pointer to a checkpoint file already deleted (a job that could not be run again).
    await fs.rm(path.join(this.dir, POINTER), { force: true });
    await fs.rm(this.dir, { recursive: true, force: true });
    this.dirReady = false;
  }
}
