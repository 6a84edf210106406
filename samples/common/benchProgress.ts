/**
 * The progress of a benchmark driver (make bench): on a terminal, one line per group of runs,
 * rewritten every second with the marks of the runs done, the run under way and how long it
 * and the whole driver have taken; where stderr is not a terminal (a log), the marks alone, one
 * character a run, as before.
 *
 *   keyed-metrics [5/21]: sbsb · run 5 of 6 (Sluice) 0:04 · 3:12 in all
 */
import { LineStream, TerminalLine } from '../../src';
import { clock } from '../../src/api/progressLine';

export class BenchProgress {
  private readonly line: TerminalLine;
  private readonly tty: boolean;
  private readonly started = Date.now();
  private label = '';
  private marks = '';
  private current: { readonly what: string; readonly since: number } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stream: LineStream = process.stderr) {
    this.line = new TerminalLine(stream);
    this.tty = stream.isTTY === true;
  }

  /** A group of runs begins (a benchmark, a payload, a state backend). */
  begin(label: string): void {
    this.label = label;
    this.marks = '';
    if (!this.tty) {
      this.stream.write(`  ${label}: `);
      return;
    }
    this.show();
    this.timer = setInterval(() => this.show(), 1000);
    this.timer.unref();
  }

  /** A run starts: `what` names it on the line. */
  run(what: string): void {
    this.current = { what, since: Date.now() };
    this.show();
  }

  /** The run under way ended: `mark` stands for it. */
  ran(mark: string): void {
    this.marks += mark;
    this.current = undefined;
    if (this.tty) this.show();
    else this.stream.write(mark);
  }

  /** The group ended: its marks stay on their line. */
  end(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) this.line.end(`  ${this.label}: ${this.marks}`);
    else this.stream.write('\n');
  }

  private show(): void {
    if (!this.tty) return;
    const now = Date.now();
    const current = this.current === undefined ? '' : ` · ${this.current.what} ${clock(now - this.current.since)}`;
    this.line.update(`  ${this.label}: ${this.marks}${current} · ${clock(now - this.started)} in all`);
  }
}

/**
 * Shows `what` with its time on a terminal line while `work` runs, and erases the line when it
 * ends, for a driver that prints a row of results after each run (nothing in a log).
 */
export async function whileRunning<T>(what: string, work: () => Promise<T>, stream: LineStream = process.stderr): Promise<T> {
  const line = new TerminalLine(stream);
  const started = Date.now();
  const show = () => line.update(`  ${what} ${clock(Date.now() - started)}`);
  show();
  const timer = setInterval(show, 1000);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    line.end();
  }
}
