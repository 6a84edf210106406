/**
 * How async I/O stores its records in flight in a checkpoint (operator list state): each
 * record's serialized text and its timestamp.
 */
import { left, right } from 'fp-ts/Either';
import { Serializer } from '../../state/Serializer';

export interface StoredRecord {
  readonly r: string;
  readonly t: number | null;
}

/** The stored form of a record in flight: its serialized text and its timestamp (JSON has no NaN). */
export const storedRecordSerializer: Serializer<StoredRecord> = {
  name: 'async-io-record',
  serialize: (value) => JSON.stringify(value),
  deserialize: (text) => {
    try {
      const v = JSON.parse(text) as StoredRecord;
      if (typeof v?.r === 'string' && (typeof v.t === 'number' || v.t === null)) return right(v);
    } catch {
      // reported below
    }
    return left(`not a stored record in flight: ${text.slice(0, 80)}`);
  },
};
