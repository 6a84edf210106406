/**
 * The pauses an operator chained to a source asks for (ChainedSource.pauseUntil, watermark
 * alignment): the SourceDriver reads no batch while one is pending, and reads again when the
 * last settles. The task's mailbox stays open meanwhile (checkpoints, credits, cancellation).
 */
export class SourcePause {
  private pending = 0;
  private onRelease: (() => void) | undefined;

  /** Pauses the source until `until` settles. */
  until(until: Promise<void>): void {
    this.pending++;
    const release = () => {
      this.pending--;
      if (this.pending === 0) this.onRelease?.();
    };
    until.then(release, release);
  }

  get paused(): boolean {
    return this.pending > 0;
  }

  /** Called when the last pending pause settles. */
  whenReleased(callback: () => void): void {
    this.onRelease = callback;
  }
}
