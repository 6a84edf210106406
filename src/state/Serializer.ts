/**
 * Serializers turn state values into text for snapshots and remote backends, and decode them
 * back at the boundary: a value read from outside the process is decoded, never trusted.
 */
import { Either, left, right, isLeft } from 'fp-ts/Either';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';

/** Turns state values into text and back; `Serializers` has the common ones. */
export interface Serializer<T> {
  /** A short name shown in errors and in the state layout docs. */
  readonly name: string;
  /** The text stored for `value`. */
  serialize(value: T): string;
  /** Left carries the reason the text is not a T. */
  deserialize(text: string): Either<string, T>;
}

function parseJson(text: string): Either<string, unknown> {
  try {
    return right(JSON.parse(text) as unknown);
  } catch (e) {
    return left(`not JSON: ${(e as Error).message}`);
  }
}

/** A serializer that checks decoded values against an io-ts codec. */
export function codecSerializer<A, O>(codec: t.Type<A, O, unknown>): Serializer<A> {
  return {
    name: codec.name,
    serialize: (value) => JSON.stringify(codec.encode(value)),
    deserialize: (text) => {
      const parsed = parseJson(text);
      if (isLeft(parsed)) return parsed;
      const decoded = codec.decode(parsed.right);
      return isLeft(decoded) ? left(PathReporter.report(decoded).join('; ')) : right(decoded.right);
    },
  };
}

/**
 * A codec serializer for a primitive type whose valid JSON values decode to themselves: those
 * skip the codec (remote state decodes an entry per cache miss), anything else goes through it.
 */
function primitiveSerializer<A, O>(codec: t.Type<A, O, unknown>, type: 'string' | 'number' | 'boolean'): Serializer<A> {
  const checked = codecSerializer(codec);
  return {
    name: codec.name,
    serialize: checked.serialize,
    deserialize: (text) => {
      const parsed = parseJson(text);
      if (isLeft(parsed)) return parsed;
      return typeof parsed.right === type ? (parsed as Either<string, A>) : checked.deserialize(text);
    },
  };
}

/** JSON has no NaN or Infinity: they are written as the strings "NaN", "Infinity", "-Infinity". */
const NumberCodec = new t.Type<number, number | string, unknown>(
  'number',
  (u): u is number => typeof u === 'number',
  (u, c) =>
    typeof u === 'number' ? t.success(u) : u === 'NaN' || u === 'Infinity' || u === '-Infinity' ? t.success(Number(u)) : t.failure(u, c),
  (n) => (Number.isFinite(n) ? n : String(n)),
);

/** Ready serializers for common value types. */
export const Serializers = {
  string: primitiveSerializer(t.string, 'string'),
  number: primitiveSerializer(NumberCodec, 'number'),
  boolean: primitiveSerializer(t.boolean, 'boolean'),
  /** Any JSON value, trusted as T on the way back: use `fromCodec` when state comes from outside. */
  json<T>(): Serializer<T> {
    return {
      name: 'json',
      serialize: (value) => JSON.stringify(value),
      deserialize: (text) => parseJson(text) as Either<string, T>,
    };
  },
  /** Values checked with an io-ts codec on the way back: for state that comes from outside. */
  fromCodec: codecSerializer,
};
