import type { PayloadId } from './payloads';
import type { TransportId } from './exchangeWorker';

/** What every exchange run shares: the runtime's defaults (EnvironmentConfig): `batchSize` 1024, `channelCapacity` 2 × batchSize. */
export const BATCH_SIZE = 1024;
export const WINDOW_BATCHES = 2;
export const TRANSPORTS: readonly TransportId[] = ['port', 'ring'];
/** Records per run (make bench-exchange, make bench-beside's exchange rows): about half a second of the baseline on a 2-core machine. */
export const RECORDS: Readonly<Record<PayloadId, number>> = { numbers: 6_000_000, bids: 600_000, tuples: 1_500_000, strings: 2_000_000 };
