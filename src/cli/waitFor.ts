/**
 * Asks the job's API again and again, 100 ms apart, until `step` has an answer or `deadline`
 * passes: how the commands that wait (cancel, savepoint, stop) stay bounded in time.
 */
import { RestTarget } from './restClient';

const POLL_MS = 100;
/** One request of a wait may take this long at most, and never past the deadline. */
const REQUEST_MS = 5000;

/** `step`'s first answer that is not undefined; undefined when `deadline` (ms since the epoch) passed first. */
export async function waitFor<A>(deadline: number, target: RestTarget, step: (target: RestTarget) => Promise<A | undefined>): Promise<A | undefined> {
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    const answer = await step({ ...target, timeoutMs: Math.min(REQUEST_MS, left) });
    if (answer !== undefined) return answer;
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}
