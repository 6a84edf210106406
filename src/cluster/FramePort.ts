/**
 * What an exchange channel's end talks through: a MessagePort between threads (which fits this
 * as it is), a KafkaFramePort between instances (src/cluster/KafkaExchange.ts). Frames go out
 * in the order posted and arrive in that order; `close` on either end closes both, so a peer
 * that closes before the channel ended is seen as gone (ChannelEnd). `error` is a failure of
 * the transport itself (a produce or fetch that failed): a MessagePort never emits it.
 */
export interface FramePort {
  /** `transfer`: buffers the frame alone owns, which a MessagePort moves instead of copying. */
  postMessage(frame: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (frame: unknown) => void): unknown;
  /** A frame that arrived but could not be read back. */
  on(event: 'messageerror', listener: (error: Error) => void): unknown;
  /** Either end closed the port. */
  on(event: 'close', listener: () => void): unknown;
  /** The transport failed: frames were or may be lost. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): void;
}
