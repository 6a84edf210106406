/**
 * A Kafka source's checkpointed position: the next offset to emit of each partition its
 * split reads. A restore reads the positions of every former instance, so it may change the
 * parallelism; a position that does not decode is refused with what was wrong.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';

const PartitionOffsetCodec = t.type({ topic: t.string, partition: t.number, offset: t.number });
/** A split's position: for each partition of the split, the next offset to emit. */
export const KafkaSourcePositionCodec = t.array(PartitionOffsetCodec, 'KafkaSourcePosition');
/** A Kafka source's position, as checkpoints keep it: the next offset of each partition it reads. */
export type KafkaSourcePosition = t.TypeOf<typeof KafkaSourcePositionCodec>;

/** The key of a partition in maps of offsets. */
export const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** The offsets a position names, by `partitionKey`; left, naming the source, when it does not decode. */
export function decodePosition(name: string, position: unknown): Either<string, Map<string, number>> {
  const offsets = new Map<string, number>();
  if (position === undefined) return right(offsets);
  const decoded = KafkaSourcePositionCodec.decode(position);
  if (isLeft(decoded)) {
    return left(`${name}: cannot resume from position ${JSON.stringify(position)}: ${PathReporter.report(decoded).slice(0, 3).join('; ')}`);
  }
  for (const { topic, partition, offset } of decoded.right) {
    if (!Number.isSafeInteger(offset) || offset < 0) return left(`${name}: cannot resume ${topic}/${partition} from offset ${offset}`);
    offsets.set(partitionKey(topic, partition), offset);
  }
  return right(offsets);
}
