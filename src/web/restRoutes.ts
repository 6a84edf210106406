/**
 * The REST API of a running job, as a function from a decoded request to a response: Flink's
 * paths where they fit (/jobs, /jobs/:id, /jobs/:id/vertices/:vid, /jobs/:id/checkpoints,
 * /jobs/:id/exceptions, PATCH /jobs/:id to cancel, POST /jobs/:id/savepoints and /stop with
 * GET /jobs/:id/savepoints/:requestId; the checkpoint history holds the savepoints too, as Flink's does),
 * Flink's error shape `{ "errors": [...] }`, and /jobs/:id/stall, the stall diagnosis.
 * Path, query and body are decoded with io-ts before any handler sees them.
 */
import * as t from 'io-ts';
import { Either, isLeft, left } from 'fp-ts/Either';
import { PathReporter } from 'io-ts/PathReporter';
import type { ServedJob } from './ServedJob';
import { TaskMetrics } from '../metrics/JobMetrics';
import { BACK_PRESSURED_MS_PER_SECOND } from '../metrics/stallDiagnosis';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../metrics/prometheus';
import { TaskPlan } from '../graph/ExecutionPlan';
import { savepointRequestsOf } from './savepointRequests';

export interface RestRequest {
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The body parsed as JSON; undefined when empty; `invalidJson` when it is not JSON. */
  readonly body: unknown;
}

export interface RestResponse {
  readonly status: number;
  readonly body: unknown;
  /** Set for a body that is text, not JSON. */
  readonly contentType?: string;
}

/** The body of every error: Flink's shape. */
export const errorBody = (...errors: string[]) => ({ errors });
const error = (status: number, ...errors: string[]): RestResponse => ({ status, body: errorBody(...errors) });
const ok = (body: unknown, status = 200): RestResponse => ({ status, body });

export const invalidJson = Symbol('invalidJson');

/** POST /jobs/:id/savepoints, as Flink takes it. */
const SavepointRequestCodec = t.exact(t.intersection([t.type({ 'target-directory': t.string }), t.partial({ 'cancel-job': t.boolean })]));
/** POST /jobs/:id/stop, as Flink takes it. */
const StopRequestCodec = t.exact(t.intersection([t.type({ targetDirectory: t.string }), t.partial({ drain: t.boolean })]));
/** PATCH /jobs/:id?mode=cancel (the mode may be left out). */
const CancelQueryCodec = t.partial({ mode: t.literal('cancel') });
/** A vertex id in a path: a non-negative integer. */
const VertexIdCodec = new t.Type<number, string, unknown>(
  'VertexId',
  (u): u is number => typeof u === 'number',
  (u, c) => (typeof u === 'string' && /^\d{1,9}$/.test(u) ? t.success(Number(u)) : t.failure(u, c, 'a vertex id is a non-negative integer')),
  String,
);

/** Left: every problem, as io-ts's PathReporter words it. */
const decodeProblems = <A>(codec: t.Decoder<unknown, A>, u: unknown): Either<readonly string[], A> => {
  const r = codec.decode(u);
  return isLeft(r) ? left(PathReporter.report(r)) : r;
};

/** What a vertex is: one operator chain and its parallel tasks. */
function verticesOf(tasks: readonly TaskPlan[]) {
  const byVertex = new Map<number, TaskPlan[]>();
  for (const t of tasks) byVertex.set(t.vertex, [...(byVertex.get(t.vertex) ?? []), t]);
  return byVertex;
}

/** Flink's back-pressure levels, from the share of a second spent waiting for credit. */
export function backPressureLevel(msPerSecond: number | undefined): 'ok' | 'low' | 'high' | 'unknown' {
  if (msPerSecond === undefined) return 'unknown';
  return msPerSecond >= BACK_PRESSURED_MS_PER_SECOND ? 'high' : msPerSecond >= 100 ? 'low' : 'ok';
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const maxOf = (xs: ReadonlyArray<number | undefined>) => {
  const defined = xs.filter((x): x is number => x !== undefined);
  return defined.length === 0 ? undefined : Math.max(...defined);
};
const minOf = (xs: ReadonlyArray<number | null>) => {
  const defined = xs.filter((x): x is number => x !== null);
  return defined.length === 0 ? null : Math.min(...defined);
};

/** A vertex's figures summed (records) or at their worst (time, queues, watermarks) over its subtasks. */
function vertexSummary(id: number, plan: readonly TaskPlan[], subtasks: readonly TaskMetrics[]) {
  const backPressured = maxOf(subtasks.map((s) => s.backPressuredTimeMsPerSecond));
  return {
    id,
    name: plan[0].name,
    parallelism: plan[0].parallelism,
    operators: plan[0].chain.map((n) => n.name),
    recordsIn: sum(subtasks.map((s) => s.recordsIn)),
    recordsOut: sum(subtasks.map((s) => s.recordsOut)),
    recordsInPerSecond: sum(subtasks.map((s) => s.recordsInPerSecond)),
    recordsOutPerSecond: sum(subtasks.map((s) => s.recordsOutPerSecond)),
    busyTimeMsPerSecond: maxOf(subtasks.map((s) => s.busyTimeMsPerSecond)),
    backPressuredTimeMsPerSecond: backPressured,
    idleTimeMsPerSecond: maxOf(subtasks.map((s) => s.idleTimeMsPerSecond)),
    backPressureLevel: backPressureLevel(backPressured),
    inputWatermark: minOf(subtasks.map((s) => s.inputWatermark)),
    outputWatermark: minOf(subtasks.map((s) => s.outputWatermark)),
    watermarkLagMs: maxOf(subtasks.map((s) => s.watermarkLagMs ?? undefined)) ?? null,
    lateRecordsDropped: sum(subtasks.map((s) => s.lateRecordsDropped)),
  };
}

/** Answers one request about `job`, the only job this process serves. */
export async function route(job: ServedJob, req: RestRequest): Promise<RestResponse> {
  const parts = req.path.split('/').filter((p) => p.length > 0).map(decodeURIComponent);
  const method = req.method.toUpperCase();
  const allow = (...methods: string[]) => (methods.includes(method) ? undefined : error(405, `${method} is not allowed on ${req.path} (allowed: ${methods.join(', ')})`));

  if (parts.length === 1 && parts[0] === 'metrics') {
    const refused = allow('GET');
    if (refused) return refused;
    return { status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: await renderPrometheus(job.jobName, await job.sampler.latest()) };
  }
  if (parts[0] !== 'jobs') return error(404, `no such resource: ${req.path} (see docs/operations.md for the endpoints)`);
  if (parts.length === 1) {
    return allow('GET') ?? ok({ jobs: [{ id: job.jobId, name: job.jobName, status: job.status }] });
  }
  if (parts[1] !== job.jobId) return error(404, `job '${parts[1]}' not found (this process runs job '${job.jobId}')`);
  const tasks = job.plan.tasks;
  const vertices = verticesOf(tasks);

  if (parts.length === 2) {
    if (method === 'PATCH') {
      const query = decodeProblems(CancelQueryCodec, Object.fromEntries(req.query));
      if (isLeft(query)) return error(400, ...query.left.map((p) => `query: ${p}`));
      void job.cancel().catch(() => undefined);
      return ok({ status: 'cancelling' }, 202);
    }
    const refused = allow('GET', 'PATCH');
    if (refused) return refused;
    const snapshot = await job.sampler.latest();
    const edges = new Map<string, { source: number; target: number; partitioning: string }>();
    for (const task of tasks)
      for (const edge of task.outputs)
        for (const end of edge.channels) {
          const target = tasks.find((t) => t.id === end.task)!.vertex;
          edges.set(`${task.vertex}-${target}-${edge.tag ?? ''}`, { source: task.vertex, target, partitioning: edge.tag === undefined ? edge.partitioning.kind : `side output ${edge.tag}` });
        }
    return ok({
      id: job.jobId,
      name: job.jobName,
      status: job.status,
      startTime: job.startTime,
      durationMs: Date.now() - job.startTime,
      restarts: snapshot.restarts,
      taskRestarts: snapshot.taskRestarts,
      sampledAt: snapshot.at,
      vertices: [...vertices].map(([id, plan]) => vertexSummary(id, plan, snapshot.tasks.filter((s) => s.vertex === id))),
      edges: [...edges.values()],
    });
  }

  switch (parts[2]) {
    case 'vertices': {
      if (parts.length !== 4) return error(404, `no such resource: ${req.path}`);
      const refused = allow('GET');
      if (refused) return refused;
      const decodedVid = decodeProblems(VertexIdCodec, parts[3]);
      const vid = isLeft(decodedVid) ? undefined : decodedVid.right;
      if (vid === undefined || !vertices.has(vid)) return error(404, `vertex '${parts[3]}' not found (vertices: ${[...vertices.keys()].join(', ')})`);
      const snapshot = await job.sampler.latest();
      const subtasks = snapshot.tasks.filter((s) => s.vertex === vid);
      return ok({ ...vertexSummary(vid, vertices.get(vid)!, subtasks), sampledAt: snapshot.at, subtasks: subtasks.map((s) => ({ ...s, backPressureLevel: backPressureLevel(s.backPressuredTimeMsPerSecond) })) });
    }
    case 'checkpoints': {
      if (parts.length !== 3) return error(404, `no such resource: ${req.path}`);
      const refused = allow('GET');
      if (refused) return refused;
      // From the job, not the metrics sample: a savepoint shows at once, whatever the sampling interval.
      const { stats, history } = await job.checkpointHistory();
      const newestFirst = [...history].reverse();
      return ok({
        enabled: job.checkpointing,
        counts: { completed: stats.completed, failed: stats.failed },
        savepoints: stats.savepoints,
        latestCompleted: newestFirst.find((c) => c.status === 'completed' && c.kind === 'checkpoint') ?? null,
        latestSavepoint: newestFirst.find((c) => c.status === 'completed' && c.kind === 'savepoint') ?? null,
        history: newestFirst,
      });
    }
    case 'exceptions': {
      if (parts.length !== 3) return error(404, `no such resource: ${req.path}`);
      const refused = allow('GET');
      if (refused) return refused;
      const failures = job.failures();
      return ok({
        truncated: false,
        exceptions: [...failures].reverse().map((f) => ({
          timestamp: f.time,
          operator: f.operator ?? null,
          subtask: f.instance ?? null,
          record: f.record ?? null,
          exceptionName: f.error.name,
          message: f.error.message,
          stacktrace: f.error.stack ?? null,
          action: f.action,
        })),
      });
    }
    case 'stall': {
      if (parts.length !== 3) return error(404, `no such resource: ${req.path}`);
      return allow('GET') ?? ok(await job.stallDiagnosis());
    }
    case 'savepoints': {
      if (parts.length === 4) {
        const refused = allow('GET');
        if (refused) return refused;
        const trigger = savepointRequestsOf(job).read(parts[3]);
        if (trigger === undefined) return error(404, `savepoint request '${parts[3]}' not found`);
        return ok(trigger);
      }
      if (parts.length !== 3) return error(404, `no such resource: ${req.path}`);
      const refused = allow('POST');
      if (refused) return refused;
      const decoded = decodeProblems(SavepointRequestCodec, req.body === invalidJson ? undefined : req.body);
      if (isLeft(decoded)) return error(400, 'body must be { "target-directory": <directory>, "cancel-job"?: boolean }', ...decoded.left);
      const body = decoded.right;
      const dir = body['target-directory'];
      return ok({ 'request-id': savepointRequestsOf(job).track(body['cancel-job'] === true ? job.stopWithSavepoint(dir, { drain: false }) : job.savepoint(dir)) }, 202);
    }
    case 'stop': {
      if (parts.length !== 3) return error(404, `no such resource: ${req.path}`);
      const refused = allow('POST');
      if (refused) return refused;
      const decoded = decodeProblems(StopRequestCodec, req.body === invalidJson ? undefined : req.body);
      if (isLeft(decoded)) return error(400, 'body must be { "targetDirectory": <directory>, "drain"?: boolean }', ...decoded.left);
      const body = decoded.right;
      return ok({ 'request-id': savepointRequestsOf(job).track(job.stopWithSavepoint(body.targetDirectory, { drain: body.drain === true })) }, 202);
    }
    default:
      return error(404, `no such resource: ${req.path}`);
  }
}
