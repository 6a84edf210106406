/**
 * The WITH options of a CREATE TABLE, read by a connector: every invalid option and every
 * option no connector read is a problem, listed with its position.
 */
import { SqlPosition, SqlProblem } from './SqlProblem';

/** A table's WITH options, each with where it was written. */
export type TableOptions = ReadonlyMap<string, { readonly value: string; readonly pos: SqlPosition }>;

export interface OptionReader {
  string(key: string, fallback?: string): string | undefined;
  integer(key: string, fallback?: number): number | undefined;
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T;
}

/** Reads options, recording a problem for each invalid one and for each it never read. */
export function optionReader(options: TableOptions, problems: SqlProblem[], at: SqlPosition): OptionReader & { unread(allowedPattern: string): void } {
  const read = new Set<string>(['connector']);
  const pos = (key: string) => options.get(key)?.pos ?? at;
  return {
    string(key, fallback) {
      read.add(key);
      return options.get(key)?.value ?? fallback;
    },
    integer(key, fallback) {
      read.add(key);
      const text = options.get(key)?.value;
      if (text === undefined) return fallback;
      const n = Number(text);
      if (!Number.isInteger(n)) problems.push({ ...pos(key), message: `option '${key}' must be an integer, got '${text}'` });
      return n;
    },
    oneOf(key, allowed, fallback) {
      read.add(key);
      const text = options.get(key)?.value;
      if (text === undefined) return fallback;
      if (!(allowed as readonly string[]).includes(text)) problems.push({ ...pos(key), message: `option '${key}' must be one of ${allowed.join(', ')}, got '${text}'` });
      return text as typeof fallback;
    },
    unread(allowed) {
      for (const key of options.keys()) {
        if (!read.has(key)) problems.push({ ...pos(key), message: `unknown option '${key}' for this connector (supported: ${allowed})` });
      }
    },
  };
}
