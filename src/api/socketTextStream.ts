/**
 * `socketTextStream(env, host, port)`, the function form of `env.socketTextStream`. On the API
 * side, not beside SocketTextSource: connectors sit below the API (docs/internals.md, the layers).
 */
import type { SingleOutputStream } from './DataStream';
import type { StreamEnvironment } from './StreamEnvironment';
import { SocketTextSource, SocketTextSourceOptions } from '../connectors/SocketTextSource';

/** The lines received on a TCP connection to host:port; see SocketTextSource. */
export function socketTextStream(env: StreamEnvironment, host: string, port: number, options: SocketTextSourceOptions = {}): SingleOutputStream<string> {
  return env.fromSource(new SocketTextSource(host, port, options));
}
