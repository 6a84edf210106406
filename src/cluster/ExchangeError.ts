/**
 * Why an exchange channel between threads or instances failed: each is a task failure for the task on this
 * side, for the job's restart strategy to handle (docs/internals.md, "Task managers on worker
 * threads — design").
 */

export type ExchangeError =
  /** The other end's port closed before the channel ended: its thread threw, ran out of memory, was terminated, or closed early. */
  | { readonly _tag: 'PeerGone'; readonly channel: string }
  /** A message arrived that is not a frame of this protocol (or could not be deserialized). */
  | { readonly _tag: 'BadFrame'; readonly channel: string; readonly reason: string }
  /** The other end broke the channel's bounds: more records than granted, or more frames acknowledged than were sent. */
  | { readonly _tag: 'BoundExceeded'; readonly channel: string; readonly reason: string }
  /** The transport between the ends failed (between instances: a produce or fetch of the channel's partitions). */
  | { readonly _tag: 'TransportFailed'; readonly channel: string; readonly reason: string };

export const peerGone = (channel: string): ExchangeError => ({ _tag: 'PeerGone', channel });
export const badFrame = (channel: string, reason: string): ExchangeError => ({ _tag: 'BadFrame', channel, reason });
export const boundExceeded = (channel: string, reason: string): ExchangeError => ({ _tag: 'BoundExceeded', channel, reason });
export const transportFailed = (channel: string, reason: string): ExchangeError => ({ _tag: 'TransportFailed', channel, reason });
