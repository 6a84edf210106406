/**
 * A fault that strikes once per run, whichever thread or attempt reaches it first: the first to
 * claim the marker file (created exclusively) strikes, so a restarted attempt — in a new
 * thread, with its modules loaded afresh — goes past it.
 */
import { writeFileSync } from 'fs';

/** True the first time any thread asks. */
export function claimOnce(marker: string): boolean {
  try {
    writeFileSync(marker, `${process.pid}`, { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}
