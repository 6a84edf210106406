/**
 * A single-producer single-consumer ring of byte frames in a SharedArrayBuffer, the alternative
 * to a MessagePort that the exchange benchmark measures. Each frame is its length, its send
 * time and its bytes, 8-byte aligned; a frame that would not fit before the end of the ring
 * starts again at 0 (the tail is skipped). Both sides wait with `Atomics.waitAsync`, so neither
 * blocks its event loop; the producer keeps at most a window of frames unread (the credit window).
 */

const WRITE_SEQ = 0; // frames written: the consumer waits on it
const READ_SEQ = 1; // frames read: the producer waits on it
const USED = 2; // bytes in use, skipped tails included
const HEADER_INTS = 4;
const DATA_OFFSET = HEADER_INTS * 4;
const FRAME_HEADER = 16; // int32 length, 4 bytes padding, float64 send time
const SKIP = -1;

// Node 20 has Atomics.waitAsync (V8); the ES2022 library TypeScript is given lacks its type.
type WaitAsync = (array: Int32Array, index: number, value: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

async function waitWhileEqual(header: Int32Array, index: number, value: number): Promise<void> {
  const result = waitAsync(header, index, value);
  if (result.async) await result.value;
}

const align8 = (n: number) => (n + 7) & ~7;

export function createRing(capacityBytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(DATA_OFFSET + align8(capacityBytes));
}

/** The views both ends read the ring through. */
abstract class RingEnd {
  protected readonly header: Int32Array;
  protected readonly data: Uint8Array;
  protected readonly view: DataView;
  protected readonly capacity: number;

  constructor(sab: SharedArrayBuffer) {
    this.header = new Int32Array(sab, 0, HEADER_INTS);
    this.capacity = sab.byteLength - DATA_OFFSET;
    this.data = new Uint8Array(sab, DATA_OFFSET, this.capacity);
    this.view = new DataView(sab, DATA_OFFSET, this.capacity);
  }
}

export class RingProducer extends RingEnd {
  private writePos = 0;
  private written = 0;

  /** Writes one frame, first waiting (without blocking the thread) until fewer than `window` frames are unread and it fits. */
  async write(bytes: Uint8Array, sentAt: number, window: number): Promise<void> {
    const size = align8(FRAME_HEADER + bytes.byteLength);
    if (size > this.capacity) throw new Error(`a frame of ${size} bytes does not fit a ring of ${this.capacity}`);
    const tail = this.writePos + size > this.capacity ? this.capacity - this.writePos : 0;
    for (;;) {
      const read = Atomics.load(this.header, READ_SEQ);
      if (this.written - read < window && this.capacity - Atomics.load(this.header, USED) >= tail + size) break;
      await waitWhileEqual(this.header, READ_SEQ, read);
    }
    if (tail > 0) {
      if (tail >= 4) this.view.setInt32(this.writePos, SKIP, true);
      this.writePos = 0;
    }
    this.view.setInt32(this.writePos, bytes.byteLength, true);
    this.view.setFloat64(this.writePos + 8, sentAt, true);
    this.data.set(bytes, this.writePos + FRAME_HEADER);
    this.writePos = (this.writePos + size) % this.capacity;
    this.written++;
    Atomics.add(this.header, USED, tail + size);
    Atomics.add(this.header, WRITE_SEQ, 1);
    Atomics.notify(this.header, WRITE_SEQ);
  }
}

export class RingConsumer extends RingEnd {
  private readPos = 0;
  private read = 0;

  /**
   * Takes the next frame out of the ring (a copy: decoders read ordinary memory faster than
   * shared memory, and the frame's room is free again at once); waits (without blocking the
   * thread) while the ring is empty.
   */
  async next(): Promise<{ readonly bytes: Uint8Array; readonly sentAt: number }> {
    for (;;) {
      const written = Atomics.load(this.header, WRITE_SEQ);
      if (written !== this.read) break;
      await waitWhileEqual(this.header, WRITE_SEQ, written);
    }
    let freed = 0;
    if (this.capacity - this.readPos < FRAME_HEADER || this.view.getInt32(this.readPos, true) === SKIP) {
      freed = this.capacity - this.readPos;
      this.readPos = 0;
    }
    const length = this.view.getInt32(this.readPos, true);
    const frame = { bytes: this.data.slice(this.readPos + FRAME_HEADER, this.readPos + FRAME_HEADER + length), sentAt: this.view.getFloat64(this.readPos + 8, true) };
    const size = align8(FRAME_HEADER + length);
    this.readPos = (this.readPos + size) % this.capacity;
    this.read++;
    Atomics.sub(this.header, USED, freed + size);
    Atomics.add(this.header, READ_SEQ, 1);
    Atomics.notify(this.header, READ_SEQ);
    return frame;
  }
}
