/**
 * Where the job's REST API and dashboard listen. A type only, so that the API (JobHandle.rest)
 * names it without loading the web server.
 */
export interface RestAddress {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, the dashboard's address. */
  readonly url: string;
}
