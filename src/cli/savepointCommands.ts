/**
 * `sluice savepoint` and `sluice stop`: trigger a savepoint (and, for stop, the job's end at
 * it) through the job's REST API, then follow the request until the savepoint is written,
 * at most `--timeout`. The directory is resolved here, against the command's working
 * directory, and sent absolute: the job may run from another one.
 */
import * as path from 'path';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { CommandOutcome, done, refused } from './CommandOutcome';
import { EXIT } from './exitCodes';
import { RestCallError, RestTarget, callApi, exitCodeOf, jobPath } from './restClient';
import { waitFor } from './waitFor';

const TriggeredCodec = t.type({ 'request-id': t.string });
const OperationCodec = t.union([t.type({ location: t.string }), t.type({ 'failure-cause': t.type({ message: t.string }) })]);
const TriggerStatusCodec = t.union([
  t.type({ status: t.type({ id: t.literal('IN_PROGRESS') }) }),
  t.type({ status: t.type({ id: t.literal('COMPLETED') }), operation: OperationCodec }),
]);
type Operation = t.TypeOf<typeof OperationCodec>;

async function follow(target: RestTarget, job: string, what: string, trigger: string, body: object, asJson: boolean): Promise<CommandOutcome> {
  const deadline = Date.now() + target.timeoutMs;
  const triggered = await callApi(target, 'POST', jobPath(job, trigger), TriggeredCodec, body);
  if (isLeft(triggered)) return refused(exitCodeOf(triggered.left), triggered.left.message);
  const request = jobPath(job, `/savepoints/${encodeURIComponent(triggered.right['request-id'])}`);
  const outcome = await waitFor<Operation | RestCallError>(deadline, target, async (ask) => {
    const answer = await callApi(ask, 'GET', request, TriggerStatusCodec);
    // One request that timed out is asked again; the wait as a whole is bounded.
    if (isLeft(answer)) return answer.left._tag === 'Unreachable' && !answer.left.refused ? undefined : answer.left;
    return answer.right.status.id === 'COMPLETED' && 'operation' in answer.right ? answer.right.operation : undefined;
  });
  if (outcome === undefined) return refused(EXIT.failed, `the ${what} of job ${job} is not written after ${target.timeoutMs} ms (the job goes on with it; --timeout waits longer)`);
  if ('_tag' in outcome) return refused(exitCodeOf(outcome), outcome.message);
  if ('failure-cause' in outcome) return refused(EXIT.failed, `the ${what} of job ${job} failed: ${outcome['failure-cause'].message}`);
  return done(asJson ? `${JSON.stringify({ job, savepoint: outcome.location })}\n` : `${outcome.location}\n`);
}

/** Takes a savepoint under `dir`; the job goes on. Prints the savepoint's directory. */
export function savepoint(target: RestTarget, job: string, dir: string, asJson: boolean): Promise<CommandOutcome> {
  return follow(target, job, 'savepoint', '/savepoints', { 'target-directory': path.resolve(dir) }, asJson);
}

/** Stops the job at a savepoint under `dir` (`drain`: after ending its input). Prints the savepoint's directory. */
export function stop(target: RestTarget, job: string, dir: string, drain: boolean, asJson: boolean): Promise<CommandOutcome> {
  return follow(target, job, 'stop with a savepoint', '/stop', { targetDirectory: path.resolve(dir), drain }, asJson);
}
