/**
 * Completed checkpoints on the local file system, a folder per job:
 *
 *   <root>/<jobId>/chk-<id>.json   one checkpoint, written to a temporary file, synced, renamed
 *   <root>/<jobId>/_latest         the id of the latest complete checkpoint, replaced last by
 *                                  an atomic rename: the one step that completes a checkpoint
 *
 * A crash before the rename leaves `_latest` naming the previous checkpoint, whose file is
 * still there: older files are pruned only after the pointer moved.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { promises as fs } from 'fs';
import * as path from 'path';
import { PathReporter } from 'io-ts/PathReporter';
import { CheckpointStore } from './CheckpointStore';
import { CheckpointId, CompletedCheckpoint, CompletedCheckpointCodec } from './CheckpointTypes';

const POINTER = '_latest';
const fileOf = (id: number) => `chk-${id}.json`;

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

  constructor(root: string, jobId: string, private readonly retained: number) {
    this.dir = path.join(root, jobId);
    this.description = `file:${this.dir}`;
  }

  /** Step 1 of completion: the checkpoint's data, durable but not yet the latest. */
  async writeData(checkpoint: CompletedCheckpoint): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await writeDurably(path.join(this.dir, fileOf(checkpoint.id)), JSON.stringify(checkpoint));
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

  async add(checkpoint: CompletedCheckpoint): Promise<void> {
    await this.writeData(checkpoint);
    await this.publish(checkpoint.id);
    await this.prune(checkpoint.id);
  }

  /** Removes checkpoints beyond the retained number, and leftovers of interrupted writes. */
  private async prune(latest: number): Promise<void> {
    const ids = await this.ids();
    const keep = new Set<number>(ids.filter((id) => id <= latest).slice(-this.retained));
    for (const name of await fs.readdir(this.dir)) {
      const m = /^chk-(\d+)\.json$/.exec(name);
      const stale = (m !== null && !keep.has(Number(m[1])) && Number(m[1]) < latest) || name.includes('.tmp-');
      if (stale) await fs.rm(path.join(this.dir, name), { force: true });
    }
  }

  async latest(): Promise<Either<string, CompletedCheckpoint | undefined>> {
    let pointer: string;
    try {
      pointer = (await fs.readFile(path.join(this.dir, POINTER), 'utf8')).trim();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return right(undefined);
      throw e;
    }
    if (!/^\d+$/.test(pointer)) return left(`${this.description}/${POINTER} does not hold a checkpoint id: '${pointer.slice(0, 40)}'`);
    const file = path.join(this.dir, fileOf(Number(pointer)));
    let parsed: unknown;
    try {
      parsed = JSON.parse(await fs.readFile(file, 'utf8'));
    } catch (e) {
      return left(`cannot read checkpoint ${pointer} at ${file}: ${(e as Error).message}`);
    }
    const decoded = CompletedCheckpointCodec.decode(parsed);
    if (isLeft(decoded)) return left(`checkpoint ${pointer} at ${file} is invalid: ${PathReporter.report(decoded).slice(0, 3).join('; ')}`);
    return right({ ...decoded.right, id: decoded.right.id as CheckpointId });
  }

  async ids(): Promise<CheckpointId[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    return names
      .map((n) => /^chk-(\d+)\.json$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]) as CheckpointId)
      .sort((a, b) => a - b);
  }

  async discardAll(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}
