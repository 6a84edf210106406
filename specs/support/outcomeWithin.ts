/**
 * A job's outcome, waited for at most `ms`: a spec of a bound fails, instead of hanging, when
 * the job is still running past it (the job is then cancelled, so nothing is left running).
 */
import type { JobHandle } from '../../src';

export type BoundedOutcome =
  | { readonly type: 'finished'; readonly elapsedMs: number }
  | { readonly type: 'failed'; readonly error: Error; readonly elapsedMs: number }
  | { readonly type: 'stillRunning'; readonly status: string; readonly elapsedMs: number };

export async function outcomeWithin(job: JobHandle, ms: number): Promise<BoundedOutcome> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const settled = job.result.then(
    () => ({ type: 'finished' as const, elapsedMs: Date.now() - started }),
    (error: Error) => ({ type: 'failed' as const, error, elapsedMs: Date.now() - started }),
  );
  const first = await Promise.race([settled, late]);
  clearTimeout(timer);
  if (first !== 'late') return first;
  const status = job.status;
  await job.cancel().catch(() => undefined);
  return { type: 'stillRunning', status, elapsedMs: Date.now() - started };
}
