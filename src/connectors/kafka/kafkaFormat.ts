/**
 * How a Kafka source turns what it fetched into records: a `KafkaFormat` (JSON checked by an
 * io-ts codec, or a deserializer of the user's), and for a record it refuses, a dead letter
 * that says where the record came from and why. Records are decoded at this edge, so code
 * behind it sees `Either<KafkaDeadLetter, T>`, never `unknown`.
 */
import { Either, isLeft, left } from 'fp-ts/Either';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import type { FetchedRecords, KafkaHeaders } from './fetchResponse';

/** A record that could not be decoded, with where it came from and why. */
export interface KafkaDeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Key and value as UTF-8 text (null when absent). */
  readonly key: string | null;
  readonly value: string | null;
  readonly reason: string;
}

/** A record as read from Kafka, for a custom deserializer. */
export interface KafkaInputRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: KafkaHeaders;
}

/**
 * How values become records: `{ codec }` parses the value as JSON and checks it with the
 * io-ts codec; `{ deserialize }` returns Left(reason) for a record it refuses.
 */
export type KafkaFormat<T> =
  | {
      /** Parses the value as JSON and checks it: a record that fails is a dead letter. */
      readonly codec: t.Type<T, unknown, unknown>;
    }
  | {
      /** Decodes a record; Left(reason) makes it a dead letter. */
      readonly deserialize: (record: KafkaInputRecord) => Either<string, T>;
    };

/** Where a fetched message came from: its partition and offset. */
export interface RecordOrigin {
  readonly topic: string;
  readonly partition: number;
}

/** Decodes fetched record `i`; Left(reason) for one the format refuses. */
export type KafkaDecoder<T> = (records: FetchedRecords, i: number, origin: RecordOrigin) => Either<string, T>;

export function decoderFor<T>(format: KafkaFormat<T>): KafkaDecoder<T> {
  if ('codec' in format) {
    const codec = format.codec;
    return (records, i) => {
      // The value's text straight from the response: no Buffer per record.
      const text = records.valueText(i);
      if (text === null) return left('no value (tombstone)');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        return left(`not JSON: ${(e as Error).message}`);
      }
      const decoded = codec.decode(parsed);
      // A Right is passed on as io-ts made it: one allocation less per record.
      return isLeft(decoded) ? left(PathReporter.report(decoded).join('; ')) : decoded;
    };
  }
  const deserialize = format.deserialize;
  return (records, i, origin) => {
    try {
      return deserialize({
        topic: origin.topic,
        partition: origin.partition,
        offset: records.offset(i),
        timestamp: records.timestamp(i),
        key: records.key(i),
        value: records.value(i),
        headers: records.headers(i),
      });
    } catch (e) {
      return left(`deserializer threw: ${(e as Error).message}`);
    }
  };
}

/** The dead letter of fetched record `i`, which the format refused for `reason`. */
export function deadLetter(origin: RecordOrigin, records: FetchedRecords, i: number, reason: string): KafkaDeadLetter {
  return { topic: origin.topic, partition: origin.partition, offset: records.offset(i), key: records.keyText(i), value: records.valueText(i), reason };
}
