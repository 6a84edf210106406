/**
 * The exit codes of the `sluice` command line, one meaning each, documented in docs/cli.md:
 * scripts tell "no such state" from "Redis is away" without reading the message.
 */
export const EXIT = {
  /** The command did what was asked. */
  ok: 0,
  /** What was asked for does not exist: the key has no value in that state. */
  notFound: 1,
  /** The command line is invalid: an unknown command or option, a missing or malformed value. */
  usage: 2,
  /** A service the command needs cannot be reached (Redis). */
  unavailable: 3,
  /** What was found cannot be read as asked: the stored entry is not of the kind given. */
  unreadable: 4,
  /** A bug of the command line itself (sysexits' EX_SOFTWARE): please report it with its message. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
