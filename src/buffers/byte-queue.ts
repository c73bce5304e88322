/**
 * Received chunks in order, read from the front. `take(n)` is a view when the n
 * bytes lie in one chunk and a copy only when they span chunks. The front chunk is
 * read from an offset rather than re-sliced, so reading a frame header (`at`, then
 * `skip`) makes no view at all: a `subarray` costs more than the rest of reading a
 * small WebSocket frame on Bun.
 */
/** What chunks holds while the queue is empty: an idle WebSocket or HTTP/2 stream keeps no array. Never written. */
const NO_CHUNKS: Uint8Array[] = [];

export class ByteQueue {
  private chunks: Uint8Array[] = NO_CHUNKS;
  /** Bytes of chunks[0] already read. */
  private offset = 0;
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.chunks === NO_CHUNKS) this.chunks = [chunk];
    else this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Byte at offset i from the front (i < length). */
  at(i: number): number {
    i += this.offset;
    for (let k = 0; k < this.chunks.length; k++) {
      const c = this.chunks[k]!;
      if (i < c.length) return c[i]!;
      i -= c.length;
    }
    return -1;
  }

  /** Consumes n bytes (n <= length) without looking at them. */
  skip(n: number): void {
    this.length -= n;
    while (n > 0) {
      const left = this.chunks[0]!.length - this.offset;
      if (n < left) {
        this.offset += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      if (this.chunks.length === 0) this.chunks = NO_CHUNKS;
      this.offset = 0;
    }
  }

  /** The next n bytes (n <= length), consumed. */
  take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const first = this.chunks[0]!;
    const start = this.offset;
    if (first.length - start >= n) {
      const view = start === 0 && first.length === n ? first : first.subarray(start, start + n);
      this.skip(n);
      return view;
    }
    const out = this.copy(0, n);
    this.skip(n);
    return out;
  }

  /** A copy of bytes [start, end) from the front, without consuming them. */
  copy(start: number, end: number): Uint8Array {
    const out = new Uint8Array(end - start);
    let skip = start + this.offset;
    let o = 0;
    for (let k = 0; k < this.chunks.length && o < out.length; k++) {
      const c = this.chunks[k]!;
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      const part = c.subarray(skip, skip + (out.length - o));
      out.set(part, o);
      o += part.length;
      skip = 0;
    }
    return out;
  }

  clear(): void {
    this.chunks = NO_CHUNKS;
    this.offset = 0;
    this.length = 0;
  }
}
