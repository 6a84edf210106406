/**
 * Where one end of an exchange channel between instances sends and reads its frames: one
 * partition of the job's exchange topic per direction (frames downstream, demand upstream;
 * exchangeTopic.ts numbers them), read from `receiveFrom` (the partition's end offset before
 * the deploy), and only records whose headers carry this `attempt` and `epoch` (frames of an
 * earlier attempt, or of a master of an older epoch, are skipped). `attempt` is any number the
 * master gives one wiring of the channel: a channel wired again (restartTask) takes a new one.
 */
import * as t from 'io-ts';

const Offset = new t.Type<number, number, unknown>(
  'Offset',
  (u): u is number => Number.isSafeInteger(u) && (u as number) >= 0,
  (u, c) => (Number.isSafeInteger(u) && (u as number) >= 0 ? t.success(u as number) : t.failure(u, c, 'an offset, partition, attempt or epoch is an integer from 0')),
  t.identity,
);

export const KafkaChannelAddressCodec = t.type(
  {
    topic: t.string,
    sendPartition: Offset,
    receivePartition: Offset,
    receiveFrom: Offset,
    attempt: Offset,
    epoch: Offset,
  },
  'KafkaChannelAddress',
);
export type KafkaChannelAddress = t.TypeOf<typeof KafkaChannelAddressCodec>;
