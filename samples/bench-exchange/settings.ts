/** What every exchange run shares: the runtime's defaults (EnvironmentConfig): `batchSize` 1024, `channelCapacity` 2 × batchSize. */
export const BATCH_SIZE = 1024;
export const WINDOW_BATCHES = 2;
