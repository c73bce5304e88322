/**
 * Received chunks in order, read from the front. `take(n)` is a view when the n
 * bytes lie in one chunk and a copy only when they span chunks.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Byte at offset i from the front (i < length). */
  at(i: number): number {
    for (const c of this.chunks) {
      if (i < c.length) return c[i]!;
      i -= c.length;
    }
    return -1;
  }

  take(n: number): Uint8Array {
    this.length -= n;
    const first = this.chunks[0]!;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }

  /** A copy of bytes [start, end) from the front, without consuming them. */
  copy(start: number, end: number): Uint8Array {
    const out = new Uint8Array(end - start);
    let skip = start;
    let o = 0;
    for (const c of this.chunks) {
      if (o >= out.length) break;
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
    this.chunks = [];
    this.length = 0;
  }
}
