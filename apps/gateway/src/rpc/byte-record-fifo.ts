/** Chunk size: large enough that a chunk holds hundreds of records, small enough to free promptly. */
const CHUNK_BYTES = 64 * 1024;
const LENGTH_BYTES = 4;

interface Chunk {
  readonly bytes: Buffer;
  /** Where the next record is written. */
  end: number;
}

/**
 * A first-in first-out queue of byte records packed into 64 KiB chunks: a record costs its bytes
 * plus a 4-byte length, with no object per record (a JS object, array slot or Buffer view per
 * record would cost more than the record). A chunk is freed once every record in it was read.
 */
export class ByteRecordFifo {
  private readonly chunks: Chunk[] = [];
  private readOffset = 0;
  private count = 0;

  /** Records waiting. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the chunks (what the queue costs in memory). */
  get allocatedBytes(): number {
    let total = 0;
    for (const chunk of this.chunks) total += chunk.bytes.length;
    return total;
  }

  push(record: Uint8Array): void {
    const needed = LENGTH_BYTES + record.length;
    let last = this.chunks.at(-1);
    if (!last || last.end + needed > last.bytes.length) {
      // allocUnsafeSlow: a chunk of its own, not a slice keeping Node's shared pool alive.
      last = { bytes: Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, needed)), end: 0 };
      this.chunks.push(last);
    }
    last.bytes.writeUInt32LE(record.length, last.end);
    last.bytes.set(record, last.end + LENGTH_BYTES);
    last.end += needed;
    this.count++;
  }

  /** The oldest record (a copy: the chunk it came from may be freed), or null when empty. */
  shift(): Buffer | null {
    if (this.count === 0) return null;
    let first = this.chunks[0];
    if (this.readOffset >= first.end) {
      this.chunks.shift();
      this.readOffset = 0;
      first = this.chunks[0];
    }
    const length = first.bytes.readUInt32LE(this.readOffset);
    const start = this.readOffset + LENGTH_BYTES;
    const record = Buffer.from(first.bytes.subarray(start, start + length));
    this.readOffset = start + length;
    this.count--;
    if (this.count === 0) {
      // Empty: keep nothing (a burst's chunks are not held for the next one).
      this.chunks.length = 0;
      this.readOffset = 0;
    }
    return record;
  }
}
