/**
 * Savepoints: a job's state written out whole, to start any compatible job from it later (at
 * another parallelism, with operators added or removed by uid, on another state backend or
 * checkpoint storage). Self-contained: keyed state is held as entries, never as references to
 * incremental pieces elsewhere. Layout of a savepoint directory:
 *
 *   <dir>/task-<n>.json   the snapshot of one task of the job (TaskSnapshotCodec)
 *   <dir>/_metadata       written last (temporary file, then rename): the savepoint exists
 *                         once it does. { format, version, jobId, checkpointId, timestamp,
 *                         maxParallelism, tasks: [file names] }
 *
 * Read back, everything is decoded with io-ts (a savepoint is outside input); a directory
 * without `_metadata`, another format or another version is refused with what to do instead.
 */
import * as t from 'io-ts';
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import * as fs from 'fs';
import * as path from 'path';
import { CheckpointId, CompletedCheckpoint, CompletedCheckpointCodec, NodeSnapshot, TaskSnapshot, TaskSnapshotCodec } from './CheckpointTypes';
import { foldKeyedSnapshot } from '../state/keyedStateDeltas';

export const SAVEPOINT_FORMAT = 'sluice-savepoint';
/** The version this code writes and reads; a change of the layout or of the snapshots' shape bumps it. */
export const SAVEPOINT_VERSION = 1;
export const SAVEPOINT_METADATA = '_metadata';

const MetadataCodec = t.type({
  format: t.literal(SAVEPOINT_FORMAT),
  version: t.number,
  jobId: t.string,
  checkpointId: t.number,
  timestamp: t.number,
  maxParallelism: t.number,
  tasks: t.array(t.string),
});
export type SavepointMetadata = t.TypeOf<typeof MetadataCodec>;

/** What `job.savepoint(dir)` answers once the savepoint is written. */
export interface SavepointInfo {
  /** The savepoint directory, absolute: what `restoreFrom` takes. */
  readonly path: string;
  /** The id of the checkpoint barrier it was taken at. */
  readonly checkpointId: CheckpointId;
}

const TASK_FILE = /^task-\d+\.json$/;

/** The checkpoint with every chain of memory-backend deltas folded into a full copy (keyedStateDeltas.ts). */
function withDeltasFolded(checkpoint: CompletedCheckpoint): CompletedCheckpoint {
  const tasks = checkpoint.tasks.map((task) => {
    if (!Object.values(task.nodes).some((n) => n.keyed?.increments !== undefined)) return task;
    const nodes: Record<string, NodeSnapshot> = {};
    for (const [uid, node] of Object.entries(task.nodes)) nodes[uid] = node.keyed === undefined ? node : { ...node, keyed: foldKeyedSnapshot(node.keyed) };
    return { ...task, nodes };
  });
  return { ...checkpoint, tasks };
}

/**
 * Writes `checkpoint` as a savepoint under `dir` (created when missing), keyed state whole:
 * chains of memory deltas folded into full copies. Refuses a directory that holds a savepoint
 * already, or a checkpoint whose keyed state references pieces in Redis.
 */
export async function writeSavepoint(dir: string, chained: CompletedCheckpoint): Promise<SavepointInfo> {
  const checkpoint = withDeltasFolded(chained);
  const where = path.resolve(dir);
  const { maxParallelism } = checkpoint;
  // Invariant: the coordinator records it in every checkpoint; a restore checks it (docs/internals.md, invariant 5).
  if (maxParallelism === undefined) throw new Error(`checkpoint ${checkpoint.id} does not say its maxParallelism; a savepoint must`);
  for (const task of checkpoint.tasks) {
    for (const [uid, node] of Object.entries(task.nodes)) {
      // Invariant: the coordinator materializes incremental state before it writes a savepoint.
      if (node.keyed?.redis !== undefined) throw new Error(`savepoint of operator '${uid}' references incremental pieces in Redis; materialize its keyed state first`);
    }
  }
  await fs.promises.mkdir(where, { recursive: true });
  if (fs.existsSync(path.join(where, SAVEPOINT_METADATA))) throw new Error(`'${where}' holds a savepoint already; give each savepoint a directory of its own`);
  const files = checkpoint.tasks.map((_, i) => `task-${i}.json`);
  await Promise.all(checkpoint.tasks.map((task, i) => fs.promises.writeFile(path.join(where, files[i]), JSON.stringify(task))));
  const metadata: SavepointMetadata = {
    format: SAVEPOINT_FORMAT,
    version: SAVEPOINT_VERSION,
    jobId: checkpoint.jobId,
    checkpointId: checkpoint.id,
    timestamp: checkpoint.timestamp,
    maxParallelism,
    tasks: files,
  };
  const tmp = path.join(where, `${SAVEPOINT_METADATA}.tmp-${process.pid}`);
  await fs.promises.writeFile(tmp, JSON.stringify(metadata, null, 2));
  await fs.promises.rename(tmp, path.join(where, SAVEPOINT_METADATA));
  return { path: where, checkpointId: checkpoint.id };
}

const refused = (dir: string, why: string) => left(`cannot restore from '${dir}': ${why}`);

/**
 * What `restoreFrom` names: a savepoint directory, or a retained checkpoint of a file checkpoint
 * storage (`<root>/<jobId>/chk-<id>.json`), read as the checkpoint to start from.
 */
export function readRestoreSource(where: string): Either<string, CompletedCheckpoint> {
  const file = path.resolve(where);
  if (!/^chk-\d+\.json$/.test(path.basename(file))) return readSavepoint(file);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return refused(file, `the checkpoint file cannot be read: ${(e as Error).message}`);
  }
  const decoded = CompletedCheckpointCodec.decode(raw);
  if (isLeft(decoded)) return refused(file, `not a checkpoint: ${PathReporter.report(decoded).slice(0, 3).join('; ')}`);
  const checkpoint: CompletedCheckpoint = decoded.right;
  if (checkpoint.tasks.some((t) => Object.values(t.nodes).some((n) => n.keyed?.redis !== undefined))) {
    return refused(file, 'the checkpoint references incremental state in Redis; take a savepoint to move that state');
  }
  return right(checkpoint);
}

/**
 * Reads the savepoint in `dir` as the checkpoint it was taken from; Left, saying why, for a
 * directory that is not a savepoint of this version. Synchronous: a job reads it once, before
 * it starts, so that a bad directory refuses the job before anything runs.
 */
export function readSavepoint(dir: string): Either<string, CompletedCheckpoint> {
  const where = path.resolve(dir);
  let text: string;
  try {
    text = fs.readFileSync(path.join(where, SAVEPOINT_METADATA), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return refused(where, `no ${SAVEPOINT_METADATA} file there, so it is not a savepoint (or one whose writing did not complete); give the directory job.savepoint(dir) wrote`);
    return refused(where, `${SAVEPOINT_METADATA} cannot be read: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return refused(where, `${SAVEPOINT_METADATA} is not JSON, so it is not a Sluice savepoint`);
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== SAVEPOINT_FORMAT) return refused(where, `${SAVEPOINT_METADATA} is not a Sluice savepoint's (format ${JSON.stringify(format)}, expected '${SAVEPOINT_FORMAT}')`);
  const version = (raw as { version?: unknown }).version;
  if (version !== SAVEPOINT_VERSION) return refused(where, `the savepoint has format version ${JSON.stringify(version)}; this Sluice reads version ${SAVEPOINT_VERSION}`);
  const metadata = MetadataCodec.decode(raw);
  if (isLeft(metadata)) return refused(where, `invalid ${SAVEPOINT_METADATA}: ${PathReporter.report(metadata).join('; ')}`);
  const tasks: TaskSnapshot[] = [];
  for (const file of metadata.right.tasks) {
    if (!TASK_FILE.test(file)) return refused(where, `${SAVEPOINT_METADATA} names a task file '${file}' of another shape`);
    let task: unknown;
    try {
      task = JSON.parse(fs.readFileSync(path.join(where, file), 'utf8'));
    } catch (e) {
      return refused(where, `its task file ${file} cannot be read: ${(e as Error).message}`);
    }
    const decoded = TaskSnapshotCodec.decode(task);
    if (isLeft(decoded)) return refused(where, `invalid task file ${file}: ${PathReporter.report(decoded).slice(0, 3).join('; ')}`);
    if (Object.values(decoded.right.nodes).some((n) => n.keyed?.redis !== undefined)) return refused(where, `task file ${file} references state kept elsewhere; a savepoint holds its state`);
    tasks.push(decoded.right);
  }
  const m = metadata.right;
  return right({ jobId: m.jobId, id: m.checkpointId as CheckpointId, timestamp: m.timestamp, maxParallelism: m.maxParallelism, tasks });
}
