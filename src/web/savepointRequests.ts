/**
 * The savepoint and stop requests of each job served, by request id, as Flink reports them at
 * GET /jobs/:id/savepoints/:requestId. A stop's outcome is known only once the job has ended,
 * so the server stays up until every outcome has been read (RestServer bounds that wait).
 */
import type { ServedJob } from './ServedJob';
import type { SavepointInfo } from '../checkpoint/Savepoint';

/** A request's state as the API answers it. */
export type SavepointTrigger =
  | { readonly status: { readonly id: 'IN_PROGRESS' } }
  | { readonly status: { readonly id: 'COMPLETED' }; readonly operation: { readonly location: string } | { readonly 'failure-cause': { readonly message: string } } };

let nextRequest = 0;

export class SavepointRequests {
  private readonly requests = new Map<string, { trigger: SavepointTrigger; read: boolean }>();

  /** Follows a savepoint under a new request id. */
  track(savepoint: Promise<SavepointInfo>): string {
    const id = `savepoint-${++nextRequest}`;
    this.requests.set(id, { trigger: { status: { id: 'IN_PROGRESS' } }, read: false });
    const settle = (trigger: SavepointTrigger) => this.requests.set(id, { trigger, read: false });
    savepoint.then(
      (info) => settle({ status: { id: 'COMPLETED' }, operation: { location: info.path } }),
      (e: unknown) => settle({ status: { id: 'COMPLETED' }, operation: { 'failure-cause': { message: e instanceof Error ? e.message : String(e) } } }),
    );
    return id;
  }

  /** The request's state; a completed one counts as read from now on. */
  read(id: string): SavepointTrigger | undefined {
    const request = this.requests.get(id);
    if (request?.trigger.status.id === 'COMPLETED') request.read = true;
    return request?.trigger;
  }

  /** Whether every request has completed and its outcome has been read. */
  allRead(): boolean {
    for (const r of this.requests.values()) if (!r.read) return false;
    return true;
  }
}

/** The requests of each job served (kept while the job's handle lives). */
const byJob = new WeakMap<ServedJob, SavepointRequests>();

export function savepointRequestsOf(job: ServedJob): SavepointRequests {
  let requests = byJob.get(job);
  if (requests === undefined) byJob.set(job, (requests = new SavepointRequests()));
  return requests;
}
