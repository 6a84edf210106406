/**
 * How one stored entry of a state (a value, a whole list, a whole map) becomes text and back,
 * derived from the state's descriptor. Backends use it for snapshots and remote storage.
 */
import { absurd } from 'fp-ts/function';
import { Either, isLeft, left, right } from 'fp-ts/Either';
import { AnyStateDescriptor } from './StateDescriptor';
import { Serializer } from './Serializer';

export interface EntryCodec {
  encode(value: unknown): string;
  decode(text: string): Either<string, unknown>;
}

function decodeAll<T>(texts: unknown, serializer: Serializer<T>): Either<string, T[]> {
  if (!Array.isArray(texts)) return left('expected an array of entries');
  const out: T[] = [];
  for (const text of texts) {
    if (typeof text !== 'string') return left('expected serialized entries');
    const v = serializer.deserialize(text);
    if (isLeft(v)) return v;
    out.push(v.right);
  }
  return right(out);
}

function parse(text: string): Either<string, unknown> {
  try {
    return right(JSON.parse(text) as unknown);
  } catch (e) {
    return left(`not JSON: ${(e as Error).message}`);
  }
}

/** With a TTL, an entry is stored with its time: `[t, entry text]`. */
export function entryCodecFor(descriptor: AnyStateDescriptor): EntryCodec {
  const plain = plainEntryCodecFor(descriptor);
  if (descriptor.ttlConfig === undefined) return plain;
  return {
    encode: (stamped) => JSON.stringify([(stamped as { t: number }).t, plain.encode((stamped as { v: unknown }).v)]),
    decode: (text) => {
      const p = parse(text);
      if (isLeft(p)) return p;
      const pair = p.right;
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number' || typeof pair[1] !== 'string') {
        return left('expected [time, entry] for a state with a time-to-live');
      }
      const v = plain.decode(pair[1]);
      return isLeft(v) ? v : right({ v: v.right, t: pair[0] });
    },
  };
}

function plainEntryCodecFor(descriptor: AnyStateDescriptor): EntryCodec {
  switch (descriptor.kind) {
    case 'value':
    case 'reducing':
    case 'aggregating': {
      const s = descriptor.serializer as Serializer<unknown>;
      return { encode: (v) => s.serialize(v), decode: (t) => s.deserialize(t) };
    }
    case 'list': {
      const s = descriptor.serializer as Serializer<unknown>;
      return {
        encode: (v) => JSON.stringify((v as unknown[]).map((x) => s.serialize(x))),
        decode: (t) => {
          const p = parse(t);
          return isLeft(p) ? p : decodeAll(p.right, s);
        },
      };
    }
    case 'map': {
      const ks = descriptor.keySerializer as Serializer<unknown>;
      const vs = descriptor.valueSerializer as Serializer<unknown>;
      return {
        encode: (v) => JSON.stringify([...(v as Map<unknown, unknown>)].map(([k, x]) => [ks.serialize(k), vs.serialize(x)])),
        decode: (t) => {
          const p = parse(t);
          if (isLeft(p)) return p;
          if (!Array.isArray(p.right)) return left('expected an array of map entries');
          const m = new Map<unknown, unknown>();
          for (const pair of p.right as unknown[]) {
            if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
              return left('expected [key, value] pairs of serialized text');
            }
            const k = ks.deserialize(pair[0]);
            if (isLeft(k)) return k;
            const x = vs.deserialize(pair[1]);
            if (isLeft(x)) return x;
            m.set(k.right, x.right);
          }
          return right(m);
        },
      };
    }
    default:
      return absurd(descriptor);
  }
}
