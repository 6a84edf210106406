/**
 * Sides measured beside each other in rounds (samples/nexmark/sqlBeside.ts, samples/bench-beside):
 * each round runs every side once, one after the other, each run in a process of its own (the
 * caller's `run`); every round starts with the next side, so that no side always runs first
 * (nor always right after the same other side).
 */
import { median } from './median';

/** The order of the sides in round `round` (from 0): the list rotated by the round. */
export function sideOrder<S>(sides: readonly S[], round: number): S[] {
  return sides.map((_, k) => sides[(round + k) % sides.length]);
}

/** Runs `rounds` rounds of `sides`; `beforeRound` is called as each begins (to read the load, say). */
export async function alternateRounds<S extends string, R>(
  sides: readonly S[],
  rounds: number,
  run: (side: S, round: number) => Promise<R>,
  beforeRound: (round: number) => void = () => undefined,
): Promise<Record<S, R>[]> {
  const all: Record<S, R>[] = [];
  for (let i = 0; i < rounds; i++) {
    beforeRound(i);
    const round: Partial<Record<S, R>> = {};
    for (const side of sideOrder(sides, i)) round[side] = await run(side, i);
    all.push(round as Record<S, R>);
  }
  return all;
}

/** A median and the rounds' values it is the median of: `**0.98** (0.97, 0.98, 1.01)`. */
export const roundsCell = (each: readonly number[]): string => `**${median(each).toFixed(2)}** (${each.map((x) => x.toFixed(2)).join(', ')})`;

/** A positive integer from the environment variable `name`, or `fallback` when it is not set; refused with what is wrong. */
export function roundsFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  const n = text === undefined ? fallback : Number(text);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`${name} must be a positive integer, got ${text}`);
  return n;
}
