/** What a command of the `sluice` command line ends with: its exit code and what it prints. */
import { EXIT, ExitCode } from './exitCodes';

/** A line or a JSON document on stdout, a reason on stderr (each `sluice: `-prefixed). */
export interface CommandOutcome {
  readonly code: ExitCode;
  readonly stdout: string;
  readonly stderr: string;
}

export const done = (stdout: string): CommandOutcome => ({ code: EXIT.ok, stdout, stderr: '' });
export const refused = (code: ExitCode, message: string, stdout = ''): CommandOutcome => ({ code, stdout, stderr: `sluice: ${message}\n` });
