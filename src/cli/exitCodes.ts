/**
 * The exit codes of the `sluice` command line, one meaning each, documented in docs/cli.md:
 * scripts tell "no such job" from "the job is away" without reading the message.
 */
export const EXIT = {
  /** The command did what was asked. */
  ok: 0,
  /** What was asked for does not exist: no job of that id at that URL, or a key without a value in that state. */
  notFound: 1,
  /** The command line is invalid: an unknown command or option, a missing or malformed value. */
  usage: 2,
  /** A service the command needs cannot be reached or did not answer in time (the job's REST API, Redis). */
  unavailable: 3,
  /** What was found cannot be read as asked: the stored entry is not of the kind given. */
  unreadable: 4,
  /** The job's REST API refused the token (HTTP 401): none was given, or not the right one. */
  unauthorized: 5,
  /**
   * The job refused or did not complete what was asked: a savepoint that could not be taken,
   * a cancel or stop that did not end the job in time, a job module under `run` that failed.
   */
  failed: 6,
  /** A bug of the command line itself (sysexits' EX_SOFTWARE): please report it with its message. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
