/**
 * The options of a job's REST server. Types only, so that the API, which decodes them
 * (api/RestOptions.ts), names them without loading the web server.
 */
/** Options of a job's REST API and dashboard (the environment's `rest` option). */
export interface RestOptions {
  /** The port to listen on; 0 picks a free one (see `JobHandle.rest`). */
  readonly port: number;
  /** Default '127.0.0.1'. Any other than a loopback address needs `allowNonLoopback: true`. */
  readonly host?: string;
  /** Lets the server listen on a non-loopback address: anyone who reaches it can cancel the job, so set a token too. */
  readonly allowNonLoopback?: boolean;
  /** When set, every request must carry `Authorization: Bearer <token>` (the dashboard asks for it once). */
  readonly token?: string;
}
