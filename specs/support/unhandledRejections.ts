/**
 * For specs that prove a failure never becomes an unhandled rejection: while recording, the
 * suite's own listener (hooks.ts, which turns one into a thrown error) is set aside and each
 * unhandled rejection is kept instead, so the spec can say exactly which fired.
 */

export interface RejectionRecorder {
  /** The reasons of the unhandled rejections reported since recording began. */
  readonly reasons: unknown[];
  /** Puts the suite's listeners back. */
  restore(): void;
}

export function recordUnhandledRejections(): RejectionRecorder {
  const previous = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const reasons: unknown[] = [];
  const record = (reason: unknown) => void reasons.push(reason);
  process.on('unhandledRejection', record);
  return {
    reasons,
    restore: () => {
      process.off('unhandledRejection', record);
      for (const listener of previous) process.on('unhandledRejection', listener);
    },
  };
}

/**
 * One turn of the event loop: Node reports a rejection left without a handler once the
 * microtasks of the tick that rejected it have run, so after this any would have been.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Waits until `condition` holds, checking each few milliseconds; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
