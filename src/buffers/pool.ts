import { copyBytes } from "./bytes.ts";

/**
 * The write pool: where the stack builds the bytes it sends (status lines, field
 * blocks, chunk framing, frame headers).
 *
 * Zero-copy invariants, which every user of the pool relies on:
 *  1. A region handed out by `take()` is never written by the pool again. The pool
 *     is a bump allocator over a slab; when a slab is used up, a new slab is
 *     allocated and the old one is left to the garbage collector, which frees it
 *     once the last view into it (a queued socket write, say) is gone. So a
 *     transport may hold a view for as long as a write takes, with no callback.
 *  2. Received bytes are never written by the stack: parsers hand out `subarray`
 *     views of what the transport gave them, and a transport never reuses a
 *     region of its read buffer that it has already passed up.
 *  3. A caller writes into a reservation only before handing the view on.
 */
export class WritePool {
  /** The slab regions are cut from (kept as the ArrayBuffer: JSC's `.buffer` getter is not free). */
  private slab: ArrayBuffer;
  private used = 0;

  constructor(private readonly slabSize = 64 * 1024) {
    this.slab = new ArrayBuffer(slabSize);
  }

  /** A fresh, writable region of exactly n bytes that nobody else holds. */
  take(n: number): Uint8Array {
    if (n > this.slabSize >> 2) return new Uint8Array(n);
    if (this.used + n > this.slabSize) {
      this.slab = new ArrayBuffer(this.slabSize);
      this.used = 0;
    }
    const view = new Uint8Array(this.slab, this.used, n);
    this.used += n;
    return view;
  }

  /** The parts copied into one pooled region; a single part is returned as it is. */
  concat(parts: readonly Uint8Array[]): Uint8Array {
    return parts.length === 1 ? parts[0]! : copyBytes(parts, (n) => this.take(n));
  }

  /** A pooled copy of b: what a transport hands up when it reuses its read buffer. */
  copy(b: Uint8Array): Uint8Array {
    const out = this.take(b.length);
    out.set(b);
    return out;
  }

  /** Writes a latin1 string into a pooled region (each code unit one byte). */
  latin1(s: string): Uint8Array {
    const out = this.take(s.length);
    writeLatin1(out, s);
    return out;
  }
}

/** TextEncoder where the runtime has one (a web standard, not a runtime import). */
const encoder = typeof TextEncoder === "function" ? new TextEncoder() : null;

/** Writes each code unit of s (all <= 0xff) as one byte, from the start of out. */
export function writeLatin1(out: Uint8Array, s: string): void {
  // ASCII reads the same in UTF-8, and the native encoder copies a head's worth of it
  // about twice as fast as this loop; when s is not ASCII, the loop rewrites it all.
  if (encoder !== null && s.length >= 32) {
    const region = out.length === s.length ? out : out.subarray(0, s.length);
    const r = encoder.encodeInto(s, region);
    if (r.read === s.length && r.written === s.length) return;
  }
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
}

/** One pool per process is enough: JavaScript runs one thread per isolate. */
export const sharedPool = new WritePool();
