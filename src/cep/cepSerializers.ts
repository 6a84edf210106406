/**
 * How the CEP operator's keyed state is stored: its partial matches and its buffer of events
 * waiting for the watermark, each event through the event serializer. Decoded with io-ts on
 * the way back, as anything read from a checkpoint.
 */
import { Either, isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import { Serializer } from '../state/Serializer';
import { PartialMatch } from './Nfa';

const StoredPartialMatch = t.intersection([
  t.type({
    stage: t.number,
    count: t.number,
    events: t.array(t.tuple([t.number, t.string])),
    start: t.number,
    gap: t.number,
    innerClosed: t.boolean,
    closed: t.array(t.boolean),
    vetoed: t.boolean,
  }),
  // Absent in snapshots taken before skip strategies: only they read it.
  t.partial({ seqs: t.array(t.number) }),
]);

function decode<A>(codec: t.Type<A>, text: string): Either<string, A> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return left(`not JSON: ${(e as Error).message}`);
  }
  const decoded = codec.decode(json);
  return isLeft(decoded) ? left(PathReporter.report(decoded).join('; ')) : right(decoded.right);
}

function eventsOf<T>(texts: readonly string[], events: Serializer<T>): Either<string, T[]> {
  const out: T[] = [];
  for (const text of texts) {
    const e = events.deserialize(text);
    if (isLeft(e)) return left(`event ${text.slice(0, 80)}: ${e.left}`);
    out.push(e.right);
  }
  return right(out);
}

export function partialMatchesSerializer<T>(events: Serializer<T>): Serializer<PartialMatch<T>[]> {
  return {
    name: `cep-partial-matches(${events.name})`,
    serialize: (pms) => JSON.stringify(pms.map((pm) => ({ ...pm, events: pm.events.map(([s, e]) => [s, events.serialize(e)]) }))),
    deserialize(text) {
      const stored = decode(t.array(StoredPartialMatch), text);
      if (isLeft(stored)) return stored;
      const pms: PartialMatch<T>[] = [];
      for (const pm of stored.right) {
        const taken = eventsOf(pm.events.map(([, e]) => e), events);
        if (isLeft(taken)) return taken;
        pms.push({ ...pm, seqs: pm.seqs ?? [], events: pm.events.map(([s], i) => [s, taken.right[i]]) });
      }
      return right(pms);
    },
  };
}

export function eventListSerializer<T>(events: Serializer<T>): Serializer<T[]> {
  return {
    name: `list(${events.name})`,
    serialize: (list) => JSON.stringify(list.map((e) => events.serialize(e))),
    deserialize(text) {
      const stored = decode(t.array(t.string), text);
      return isLeft(stored) ? stored : eventsOf(stored.right, events);
    },
  };
}
