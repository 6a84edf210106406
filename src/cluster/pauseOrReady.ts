/**
 * A bounded wait on a Redis connection that its owner can end: ioredis emits no 'end' when a
 * client is disconnected while it waits to reconnect, so a wait that listened for 'end' (as
 * whenReady does) would run on to its bound after its owner closed the client.
 */
import type Redis from 'ioredis';

export interface Pause {
  /** Settles after the pause, ended early or not. */
  readonly done: Promise<void>;
  /** Ends the pause now. */
  end(): void;
}

/** Waits `ms`, or less: until `client` is ready (when `orReady`), or until end() is called. */
export function pauseOrReady(client: Redis, ms: number, orReady: boolean): Pause {
  let end = () => undefined as void;
  const done = new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      client.off('ready', finish);
      resolve();
    };
    const timer = setTimeout(finish, Math.max(0, ms));
    if (orReady) client.on('ready', finish);
    end = finish;
  });
  return { done, end: () => end() };
}
