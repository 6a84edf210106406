/**
 * One line of a terminal rewritten in place (carriage return, then erase to the end of the
 * line), for progress while a long run goes on. On a stream that is not a terminal (a pipe,
 * a log file, a spec) it writes nothing unless asked to, and then a whole line each time: a log
 * gets no carriage returns.
 */

/** Where a line goes: process.stderr, or any stream that says whether it is a terminal. */
export interface LineStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** ANSI: erase from the cursor to the end of the line. */
const ERASE_TO_END = '\x1b[K';

export class TerminalLine {
  private shown = false;
  private readonly tty: boolean;

  /** `always`: on a stream that is not a terminal, write each update as a line of its own. */
  constructor(private readonly stream: LineStream = process.stderr, private readonly always = false) {
    this.tty = stream.isTTY === true;
  }

  /** Whether updates are written at all. */
  get active(): boolean {
    return this.tty || this.always;
  }

  /** Shows `text` in place of the line shown before. */
  update(text: string): void {
    if (this.tty) {
      this.stream.write(`\r${text}${ERASE_TO_END}`);
      this.shown = true;
    } else if (this.always) this.stream.write(`${text}\n`);
  }

  /** Leaves `text` as the line's last state (on a terminal, followed by a new line), or erases the line. */
  end(text?: string): void {
    if (this.tty) {
      if (text !== undefined) this.stream.write(`\r${text}${ERASE_TO_END}\n`);
      else if (this.shown) this.stream.write(`\r${ERASE_TO_END}`);
    } else if (this.always && text !== undefined) this.stream.write(`${text}\n`);
    this.shown = false;
  }
}
