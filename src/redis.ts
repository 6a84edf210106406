/**
 * Keyed state and checkpoints in Redis, `import { … } from 'sluice/redis'`: the inspector
 * that reads a job's state, the checkpoint store, the names of the keys (docs/redis.md). A
 * job chooses Redis by its options (`stateBackend`, `checkpointStorage`) without this import;
 * ioredis is loaded by the first connection.
 *
 * @packageDocumentation
 * @module sluice/redis
 */
export { RedisStateBackendOptions } from './state/RedisKeyedStateBackend';
export { keyGroupHashKey } from './state/redisKeyLayout';
export { RedisStateInspector } from './state/RedisStateInspector';
export { checkpointedState } from './checkpoint/checkpointedState';
export { RedisCheckpointStore } from './checkpoint/RedisCheckpointStore';
export { RedisConnectionOptions } from './state/redisConnection';
