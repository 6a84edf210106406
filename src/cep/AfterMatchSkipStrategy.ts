/**
 * After-match skip strategies, with Flink's names: which partial matches a match discards once
 * it is reported, so that the matches of one key overlap only as the strategy allows (SQL's
 * AFTER MATCH SKIP). `noSkip` keeps them all (every match is reported). The others report
 * matches in the order of their first events, and a match waits while a partial match that
 * started at or before its first event may still complete (docs/cep.md, "After a match").
 *
 * @example
 * Pattern.begin<Tick>('down', AfterMatchSkipStrategy.skipPastLastEvent()).where(falls).oneOrMore().next('up').where(rises);
 */
import { PartialMatch } from './Nfa';

export type AfterMatchSkipStrategy =
  | { readonly kind: 'noSkip' }
  | { readonly kind: 'skipToNext' }
  | { readonly kind: 'skipPastLastEvent' }
  | { readonly kind: 'skipToFirst'; readonly stage: string }
  | { readonly kind: 'skipToLast'; readonly stage: string };

/** The strategies (`AfterMatchSkipStrategy.skipPastLastEvent()`). */
export const AfterMatchSkipStrategy = {
  /** Every match is reported (the default of the Pattern API). */
  noSkip: (): AfterMatchSkipStrategy => ({ kind: 'noSkip' }),
  /** Discards the partial matches that started with the match's first event (SQL: SKIP TO NEXT ROW). */
  skipToNext: (): AfterMatchSkipStrategy => ({ kind: 'skipToNext' }),
  /** Discards the partial matches that started at or before the match's last event (SQL: SKIP PAST LAST ROW). */
  skipPastLastEvent: (): AfterMatchSkipStrategy => ({ kind: 'skipPastLastEvent' }),
  /** Discards the partial matches that started before the first event of `stage` in the match (SQL: SKIP TO FIRST stage). */
  skipToFirst: (stage: string): AfterMatchSkipStrategy => ({ kind: 'skipToFirst', stage }),
  /** Discards the partial matches that started before the last event of `stage` in the match (SQL: SKIP TO LAST stage). */
  skipToLast: (stage: string): AfterMatchSkipStrategy => ({ kind: 'skipToLast', stage }),
};

/**
 * Which matches `match` discards: those whose first event's sequence number passes the test.
 * `stageName` names the stage of a step index of the match's events.
 */
export function discardedBy<T>(strategy: AfterMatchSkipStrategy, match: PartialMatch<T>, stageName: (step: number) => string): (firstSeq: number) => boolean {
  const seqsOf = (stage: string) => match.seqs.filter((_, i) => stageName(match.events[i][0]) === stage);
  switch (strategy.kind) {
    case 'noSkip':
      return () => false;
    case 'skipToNext': {
      const first = match.seqs[0];
      return (s) => s <= first;
    }
    case 'skipPastLastEvent': {
      const last = match.seqs[match.seqs.length - 1];
      return (s) => s <= last;
    }
    case 'skipToFirst':
    case 'skipToLast': {
      const seqs = seqsOf(strategy.stage);
      // patternProblems refuses a stage that may take no event, so seqs is not empty.
      const to = strategy.kind === 'skipToFirst' ? seqs[0] : seqs[seqs.length - 1];
      return (s) => s < to;
    }
  }
}

/**
 * The order matches are reported in: by first event; of two with the same first event, the
 * one whose events went to earlier stages first (the greedier one, as SQL prefers it), then
 * the shorter.
 */
export function compareMatches<T>(a: PartialMatch<T>, b: PartialMatch<T>): number {
  if (a.seqs[0] !== b.seqs[0]) return a.seqs[0] - b.seqs[0];
  const n = Math.min(a.events.length, b.events.length);
  for (let i = 0; i < n; i++) if (a.events[i][0] !== b.events[i][0]) return a.events[i][0] - b.events[i][0];
  return a.events.length - b.events.length;
}

/**
 * Reports the held matches that can no longer be discarded, earliest first, each discarding
 * what the strategy says among the partial and held matches. A held match waits while a
 * partial match started at or before its first event (unless `flush`: the end of input).
 * Returns what is left of both lists.
 */
export function releaseMatches<T>(
  strategy: AfterMatchSkipStrategy,
  held: readonly PartialMatch<T>[],
  partials: readonly PartialMatch<T>[],
  flush: boolean,
  stageName: (step: number) => string,
  report: (match: PartialMatch<T>) => void,
): { held: PartialMatch<T>[]; partials: PartialMatch<T>[] } {
  let waiting = [...held].sort(compareMatches);
  let open = partials as PartialMatch<T>[];
  while (waiting.length > 0) {
    const next = waiting[0];
    if (!flush && open.some((p) => p.seqs[0] <= next.seqs[0])) break;
    report(next);
    const discarded = discardedBy(strategy, next, stageName);
    waiting = waiting.slice(1).filter((m) => !discarded(m.seqs[0]));
    open = open.filter((p) => !discarded(p.seqs[0]));
  }
  return { held: waiting, partials: open };
}
