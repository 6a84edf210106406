/**
 * Chooses the completed-checkpoint store from the `checkpointStorage` option:
 * `'memory'`, `'file:<path>'` or `'redis://host:port/db?prefix=<prefix>'`.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { CheckpointStore } from './CheckpointStore';
import { FileCheckpointStore } from './FileCheckpointStore';
import { MemoryCheckpointStore } from './MemoryCheckpointStore';
import { RedisCheckpointStore, parseRedisStorage } from './RedisCheckpointStore';

export function checkpointStoreFor(storage: string, jobId: string, retained: number): Either<string, CheckpointStore> {
  if (storage === 'memory') return right(new MemoryCheckpointStore(jobId, retained));
  if (storage.startsWith('file:')) {
    const root = storage.slice('file:'.length).replace(/^\/\/(?=\/|$)/, '');
    if (root.length === 0) return left(`checkpointStorage '${storage}' names no directory; use 'file:/path/to/dir'`);
    return right(new FileCheckpointStore(root, jobId, retained));
  }
  if (/^rediss?:/.test(storage)) {
    const location = parseRedisStorage(storage);
    return isLeft(location) ? location : right(new RedisCheckpointStore(location.right, jobId, retained));
  }
  return left(`checkpointStorage '${storage}' is not supported; use 'memory', 'file:/path/to/dir' or 'redis://host:port/db?prefix=<prefix>'`);
}
