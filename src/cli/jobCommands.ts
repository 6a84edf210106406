/**
 * `sluice list`, `status`, `checkpoints` and `cancel`: questions to a running job's REST API
 * and the one command that ends it, printed as aligned text or, with --json, as the API's
 * own documents.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/Either';
import { CommandOutcome, done, refused } from './CommandOutcome';
import { EXIT } from './exitCodes';
import { RestTarget, callApi, exitCodeOf, jobPath } from './restClient';
import { table } from './table';
import { waitFor } from './waitFor';

const JobsCodec = t.type({ jobs: t.array(t.type({ id: t.string, name: t.string, status: t.string })) });

const VertexCodec = t.type({
  id: t.number,
  name: t.string,
  parallelism: t.number,
  recordsIn: t.number,
  recordsOut: t.number,
  backPressureLevel: t.string,
});
const JobDetailsCodec = t.type({ id: t.string, name: t.string, status: t.string, startTime: t.number, restarts: t.number, vertices: t.array(VertexCodec) });
type JobDetails = t.TypeOf<typeof JobDetailsCodec>;

const CheckpointCodec = t.intersection([
  t.type({ id: t.number, kind: t.string, status: t.string, triggeredAt: t.number, durationMs: t.number, alignmentMs: t.number }),
  t.partial({ sizeBytes: t.number, reason: t.string, location: t.string }),
]);
const CountsCodec = t.type({ completed: t.number, failed: t.number });
const CheckpointsCodec = t.type({ enabled: t.boolean, counts: CountsCodec, savepoints: CountsCodec, history: t.array(CheckpointCodec) });
type Checkpoints = t.TypeOf<typeof CheckpointsCodec>;

/** What every command of a job prints with `--json`: the document as the API gave it. */
const json = (document: unknown) => `${JSON.stringify(document)}\n`;
const iso = (ms: number) => new Date(ms).toISOString();

export async function list(target: RestTarget, asJson: boolean): Promise<CommandOutcome> {
  const answer = await callApi(target, 'GET', '/jobs', JobsCodec);
  if (isLeft(answer)) return refused(exitCodeOf(answer.left), answer.left.message);
  if (asJson) return done(json(answer.right));
  return done(table(['ID', 'STATUS', 'NAME'], answer.right.jobs.map((j) => [j.id, j.status, j.name])));
}

/** The status as text: the job on one line, then a line per vertex. */
export function formatStatus(d: JobDetails): string {
  const head = `job ${d.id} '${d.name}': ${d.status} since ${iso(d.startTime)}, ${d.restarts} restart${d.restarts === 1 ? '' : 's'}\n`;
  const rows = d.vertices.map((v) => [String(v.id), v.name, String(v.parallelism), String(v.recordsIn), String(v.recordsOut), v.backPressureLevel]);
  return head + table(['VERTEX', 'NAME', 'PARALLELISM', 'RECORDS IN', 'RECORDS OUT', 'BACK PRESSURE'], rows);
}

export async function status(target: RestTarget, job: string, asJson: boolean): Promise<CommandOutcome> {
  const answer = await callApi(target, 'GET', jobPath(job), JobDetailsCodec);
  if (isLeft(answer)) return refused(exitCodeOf(answer.left), answer.left.message);
  return done(asJson ? json(answer.right) : formatStatus(answer.right));
}

/** The checkpoint history as text, newest first, as the API lists it, savepoints among the checkpoints. */
export function formatCheckpoints(job: string, c: Checkpoints): string {
  if (!c.enabled) return `job ${job} takes no checkpoints (checkpointing is off)\n`;
  const head = `job ${job}: checkpoints ${c.counts.completed} completed, ${c.counts.failed} failed; savepoints ${c.savepoints.completed} completed, ${c.savepoints.failed} failed\n`;
  const rows = c.history.map((r) => [
    String(r.id),
    r.kind,
    r.status,
    iso(r.triggeredAt),
    `${r.durationMs} ms`,
    r.sizeBytes === undefined ? '-' : `${r.sizeBytes} B`,
    `${r.alignmentMs} ms`,
    r.location ?? '',
    r.reason ?? '',
  ]);
  return head + table(['ID', 'KIND', 'STATUS', 'TRIGGERED', 'DURATION', 'SIZE', 'ALIGNMENT', 'LOCATION', 'REASON'], rows);
}

export async function checkpoints(target: RestTarget, job: string, asJson: boolean): Promise<CommandOutcome> {
  const answer = await callApi(target, 'GET', jobPath(job, '/checkpoints'), CheckpointsCodec);
  if (isLeft(answer)) return refused(exitCodeOf(answer.left), answer.left.message);
  return done(asJson ? json(answer.right) : formatCheckpoints(job, answer.right));
}

const CancellingCodec = t.type({ status: t.string });
const ENDED = ['cancelled', 'finished', 'failed'];

/**
 * Cancels the job and waits, at most `target.timeoutMs`, until it has ended: its status says
 * so, or its API has closed (the server closes once the job has ended).
 */
export async function cancel(target: RestTarget, job: string, asJson: boolean): Promise<CommandOutcome> {
  const deadline = Date.now() + target.timeoutMs;
  const accepted = await callApi(target, 'PATCH', `${jobPath(job)}?mode=cancel`, CancellingCodec);
  if (isLeft(accepted)) return refused(exitCodeOf(accepted.left), accepted.left.message);
  const ended = await waitFor(deadline, target, async (ask) => {
    const answer = await callApi(ask, 'GET', jobPath(job), JobDetailsCodec);
    if (isLeft(answer)) return answer.left._tag === 'Unreachable' ? (answer.left.refused ? 'cancelled' : undefined) : answer.left;
    return ENDED.includes(answer.right.status) ? answer.right.status : undefined;
  });
  if (ended === undefined) return refused(EXIT.failed, `job ${job} is still cancelling after ${target.timeoutMs} ms`);
  if (typeof ended !== 'string') return refused(exitCodeOf(ended), ended.message);
  const stdout = asJson ? json({ job, status: ended }) : `job ${job} ${ended}\n`;
  return ended === 'failed' ? refused(EXIT.failed, `job ${job} failed while cancelling (see its exceptions)`, stdout) : done(stdout);
}
