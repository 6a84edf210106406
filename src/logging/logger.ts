/**
 * Sluice's structured logging, on pino: one root logger per job, with a child logger per
 * component that carries its ids (`job`, `task`, `operator`) in every line. JSON on stderr by
 * default, so stdout stays the job's output (PrintSink); `pretty` for people reading a terminal.
 *
 * @example
 * StreamEnvironment.create({ logging: { level: 'debug', pretty: true } });
 * StreamEnvironment.create({ logging: myPinoLogger }); // lines go to the application's own logger
 */
import pino from 'pino';

/** A pino logger: what Sluice logs through, and what `logging` accepts from the application. */
export type Logger = pino.Logger;
/** The levels of pino, lowest last but 'silent', which writes nothing. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Options of the logger Sluice makes itself when the application gives none. */
export interface LoggingOptions {
  /** Lowest level written (default: the SLUICE_LOG_LEVEL environment variable, else 'info'). */
  readonly level?: LogLevel;
  /** One readable line per entry instead of JSON (default false). */
  readonly pretty?: boolean;
}

/** A pino logger of the application's, or options for one of Sluice's own. */
export type LoggingOption = Logger | LoggingOptions;

export function isLogger(u: unknown): u is Logger {
  if (typeof u !== 'object' || u === null) return false;
  const l = u as Record<string, unknown>;
  return typeof l.child === 'function' && typeof l.info === 'function' && typeof l.warn === 'function' && typeof l.error === 'function';
}

/** Why a `logging` option is neither a logger nor valid options, or undefined when it is fine. */
export function loggingOptionProblem(u: unknown): string | undefined {
  if (isLogger(u)) return undefined;
  const shape = `must be a pino logger or { level?: ${LOG_LEVELS.map((l) => `'${l}'`).join(' | ')}, pretty?: boolean }`;
  if (typeof u !== 'object' || u === null) return shape;
  const o = u as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(o).filter((k) => k !== 'level' && k !== 'pretty');
  if (unknown.length > 0) problems.push(`unknown field(s) ${unknown.join(', ')}`);
  if (o.level !== undefined && !LOG_LEVELS.includes(o.level as LogLevel)) problems.push(`level must be one of ${LOG_LEVELS.join(', ')}`);
  if (o.pretty !== undefined && typeof o.pretty !== 'boolean') problems.push('pretty must be a boolean');
  return problems.length === 0 ? undefined : `${shape}: ${problems.join('; ')}`;
}

function levelFromEnvironment(): LogLevel {
  const level = process.env.SLUICE_LOG_LEVEL;
  return level !== undefined && LOG_LEVELS.includes(level as LogLevel) ? (level as LogLevel) : 'info';
}

/** The logger a job writes to: the application's own, or a new one on stderr. */
export function createLogger(option: LoggingOption | undefined): Logger {
  if (isLogger(option)) return option;
  const level = option?.level ?? levelFromEnvironment();
  // Synchronous writes: the lines before a crash are the ones that matter, and logs are rare.
  if (option?.pretty === true) {
    // Loaded only when asked for: pino-pretty and its dependencies are about 40 modules, which every task manager's thread would compile at boot.
    const pinoPretty = require('pino-pretty') as typeof import('pino-pretty');
    return pino({ level, base: undefined }, pinoPretty({ destination: 2, sync: true, ignore: 'pid,hostname', singleLine: true }));
  }
  return pino({ level, base: undefined }, pino.destination({ dest: 2, sync: true }));
}

/** A short, bounded text of a record for a log line or a failure report. */
export function summarizeRecord(record: unknown, maxLength = 200): string {
  let text: string;
  try {
    text = typeof record === 'string' ? JSON.stringify(record) : JSON.stringify(record) ?? String(record);
  } catch {
    text = String(record);
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}… (${text.length} chars)` : text;
}

/** An error as a log line carries it. */
export interface LoggedError {
  readonly type: string;
  readonly message: string;
  /** Left out where another line about the same failure has it already. */
  readonly stack?: string;
  /** The error it wraps (a user function's own error inside a UserFunctionFailed). */
  readonly cause?: LoggedError;
}

/**
 * `error` for a log line's `error` field: type, message, stack (unless `stack: false`) and its
 * causes (at most three deep), and nothing else. Not pino's `err` with the error itself:
 * pino's serializer copies every field of an error (a UserFunctionFailed holds the whole
 * failed record; a line carries `summarizeRecord(record)` instead) and repeats each cause's
 * message in the message.
 */
export function loggedError(error: unknown, options: { readonly stack?: boolean } = {}, depth = 3): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const cause = error.cause !== undefined && depth > 1 ? loggedError(error.cause, options, depth - 1) : undefined;
  return {
    type: error.name,
    message: error.message,
    ...(options.stack === false || error.stack === undefined ? {} : { stack: error.stack }),
    ...(cause === undefined ? {} : { cause }),
  };
}
