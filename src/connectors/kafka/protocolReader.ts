/**
 * Reads Kafka's protocol types (big-endian integers, strings, zigzag varints and varlongs) from
 * a buffer, as numbers: offsets and timestamps are exact below 2^53, as Kafka's are. Used by
 * fetchResponse.ts; a malformed length is refused, naming where.
 */

/** A signed big-endian int64 as a number (exact below 2^53, as offsets and timestamps are). */
export function readInt64(buffer: Buffer, pos: number): number {
  return buffer.readInt32BE(pos) * 4294967296 + buffer.readUInt32BE(pos + 4);
}

/** Reads Kafka's protocol types from a buffer, from a position it moves on. */
export class Reader {
  constructor(
    private readonly buffer: Buffer,
    public pos = 0,
  ) {}

  int16(): number {
    const v = this.buffer.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    const v = this.buffer.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): number {
    const v = readInt64(this.buffer, this.pos);
    this.pos += 8;
    return v;
  }

  /** An int16-length string (null for -1, read as ''). */
  string(): string {
    const length = this.int16();
    if (length < 0) return '';
    return this.buffer.toString('utf8', this.pos, (this.pos += length));
  }

  bytes(length: number): Buffer {
    if (this.pos + length > this.buffer.length) throw new Error(`a Fetch response is cut off: ${length} bytes announced at ${this.pos}, ${this.buffer.length - this.pos} there`);
    return this.buffer.subarray(this.pos, (this.pos += length));
  }

  /** A zigzag varint of up to 32 bits. */
  varint(): number {
    const buffer = this.buffer;
    let b = buffer[this.pos++];
    let v = b & 0x7f;
    let shift = 7;
    while (b >= 0x80) {
      if (shift > 28) throw new Error('a varint longer than 5 bytes');
      b = buffer[this.pos++];
      v |= (b & 0x7f) << shift;
      shift += 7;
    }
    return (v >>> 1) ^ -(v & 1);
  }

  /** A zigzag varlong, as a number (exact below 2^53). */
  varlong(): number {
    const buffer = this.buffer;
    let b = buffer[this.pos++];
    if (b < 0x80) return (b >>> 1) ^ -(b & 1);
    let v = b & 0x7f;
    let scale = 128;
    do {
      if (scale > 2 ** 63) throw new Error('a varlong longer than 10 bytes');
      b = buffer[this.pos++];
      v += (b & 0x7f) * scale;
      scale *= 128;
    } while (b >= 0x80);
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }
}
