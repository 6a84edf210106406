/**
 * Why an exchange channel between threads failed: each is a task failure for the task on this
 * side, for the job's restart strategy to handle (docs/internals.md, "Task managers on worker
 * threads — design").
 */

export type ExchangeError =
  /** The other end's port closed before the channel ended: its thread threw, ran out of memory, was terminated, or closed early. */
  | { readonly _tag: 'PeerGone'; readonly channel: string }
  /** A message arrived that is not a frame of this protocol (or could not be deserialized). */
  | { readonly _tag: 'BadFrame'; readonly channel: string; readonly reason: string }
  /** The other end broke the channel's bounds: more records than granted, or more frames acknowledged than were sent. */
  | { readonly _tag: 'BoundExceeded'; readonly channel: string; readonly reason: string };

export const peerGone = (channel: string): ExchangeError => ({ _tag: 'PeerGone', channel });
export const badFrame = (channel: string, reason: string): ExchangeError => ({ _tag: 'BadFrame', channel, reason });
export const boundExceeded = (channel: string, reason: string): ExchangeError => ({ _tag: 'BoundExceeded', channel, reason });

export function foldExchangeError<R>(cases: {
  readonly PeerGone: (e: Extract<ExchangeError, { _tag: 'PeerGone' }>) => R;
  readonly BadFrame: (e: Extract<ExchangeError, { _tag: 'BadFrame' }>) => R;
  readonly BoundExceeded: (e: Extract<ExchangeError, { _tag: 'BoundExceeded' }>) => R;
}): (e: ExchangeError) => R {
  return (e) => {
    switch (e._tag) {
      case 'PeerGone':
        return cases.PeerGone(e);
      case 'BadFrame':
        return cases.BadFrame(e);
      case 'BoundExceeded':
        return cases.BoundExceeded(e);
    }
  };
}

/** A sentence for logs and for the task failure it becomes. */
export const describeExchangeError = foldExchangeError({
  PeerGone: (e) => `exchange ${e.channel}: the other end's thread is gone (it threw, ran out of memory, or was terminated) before the channel ended`,
  BadFrame: (e) => `exchange ${e.channel}: refused a message that is not an exchange frame: ${e.reason}`,
  BoundExceeded: (e) => `exchange ${e.channel}: the other end broke the channel's bound: ${e.reason}`,
});
