/**
 * A pino logger of the spec's own (as an application passes one in `logging`) that keeps
 * every line it writes, parsed, so a spec can say which lines a job logged.
 */
import pino from 'pino';
import { Logger } from '../../src';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** pino's numbers for its levels. */
export const LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

export function capturedLog(level: pino.Level = 'debug'): { readonly logger: Logger; readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}
