/**
 * Chooses the completed-checkpoint store from the `checkpointStorage` option:
 * `'memory'` or `'file:<path>'` (a `redis://` URL comes with the Redis backend).
 */
import { Either, left, right } from 'fp-ts/Either';
import { CheckpointStore } from './CheckpointStore';
import { FileCheckpointStore } from './FileCheckpointStore';
import { MemoryCheckpointStore } from './MemoryCheckpointStore';

export function checkpointStoreFor(storage: string, jobId: string, retained: number): Either<string, CheckpointStore> {
  if (storage === 'memory') return right(new MemoryCheckpointStore(jobId, retained));
  if (storage.startsWith('file:')) {
    const root = storage.slice('file:'.length).replace(/^\/\/(?=\/|$)/, '');
    if (root.length === 0) return left(`checkpointStorage '${storage}' names no directory; use 'file:/path/to/dir'`);
    return right(new FileCheckpointStore(root, jobId, retained));
  }
  return left(`checkpointStorage '${storage}' is not supported; use 'memory' or 'file:/path/to/dir'`);
}
