/**
 * Large regions that are used again once the socket has sent them.
 *
 * Fetch has `new Response(bytes)` take a copy of the bytes (the handler may change its
 * array afterwards). A fresh ArrayBuffer for each copy is memory outside the heap that
 * only a collection frees, and at tens of megabytes a second those collections cost more
 * than the copies (bench/README.md). So copies too large to gather with a response head
 * are taken from here, and each is given back when the transport says the runtime no
 * longer reads it (the HTTP/1.1 writer, h1-response.ts; HTTP/2, h2-recycling.ts).
 *
 * Invariants, on top of buffers/pool.ts's:
 *  1. A region is given back at most once, by the one holder that took it alone (the
 *     Response that held it gives it up when it is sent: response-class.ts).
 *  2. A region is given back only once nothing reads it: the transport has reported the
 *     write done. A region whose write never completes (the connection went first) is
 *     never given back; the collector takes it.
 *  3. Regions are kept by size class (powers of two), up to SPARE_BYTES of each; the
 *     rest are the collector's.
 *  4. Each region has HEADROOM bytes before it in its buffer that belong to its holder
 *     alone: the HTTP/1.1 writer puts the response head there, so that head and body
 *     leave as one view of one buffer, with no copy (h1-response.ts).
 */

/** Smallest copy taken from here: anything smaller is gathered with its head (h1-response.ts) and copied anyway. */
export const RECYCLE_MIN = 16 * 1024 + 1;
/** Largest: a bigger body is rare enough that a fresh copy costs nothing worth saving. */
export const RECYCLE_MAX = 1024 * 1024;
/**
 * Spare bytes kept per size class: 128 regions of 64 KiB, 8 of 1 MiB. A class keeps
 * as many regions as were out at once, up to this: with 64 clients each waiting for a
 * 64 KiB response, a limit of 32 regions made every other response a new ArrayBuffer
 * (Deno, where a region comes back only when its write's promise settles: a third of the
 * CPU of a 64 KiB response, bench/README.md).
 */
const SPARE_BYTES = 8 * 1024 * 1024;
/**
 * Bytes before each region (invariant 4): room for a response head. Without it a head
 * and a 64 KiB body were two sends (Deno: two write ops), or a 64 KiB copy to make one.
 */
export const HEADROOM = 1024;

export class Recycler {
  /** Spare ArrayBuffers by size class (a power of two; each buffer HEADROOM bytes more). */
  private readonly spare = new Map<number, ArrayBuffer[]>();

  /** Whether a copy of n bytes comes from here. */
  fits(n: number): boolean {
    return n >= RECYCLE_MIN && n <= RECYCLE_MAX;
  }

  /**
   * A region of n bytes (fits(n)) that nobody else holds, HEADROOM bytes into a spare
   * buffer of its class, or into a new one.
   */
  take(n: number): Uint8Array {
    const size = classOf(n);
    const buffer = this.spare.get(size)?.pop() ?? new ArrayBuffer(HEADROOM + size);
    return new Uint8Array(buffer, HEADROOM, n);
  }

  /**
   * Gives back a region from take(), or any view of its buffer (the head written in its
   * headroom and the body, say): see the invariants above.
   */
  give(region: Uint8Array): void {
    const buffer = region.buffer as ArrayBuffer;
    const size = buffer.byteLength - HEADROOM;
    if (size !== classOf(size) || size < RECYCLE_MIN || size > RECYCLE_MAX) return;
    let list = this.spare.get(size);
    if (list === undefined) this.spare.set(size, (list = []));
    if ((list.length + 1) * size <= SPARE_BYTES) list.push(buffer);
  }

  /** Spare regions held now (for tests). */
  get spareCount(): number {
    let n = 0;
    for (const list of this.spare.values()) n += list.length;
    return n;
  }
}

/** The smallest power of two at least n. */
function classOf(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

/** One per process: JavaScript runs one thread per isolate. */
export const bodyRecycler = new Recycler();
