/**
 * Recycled body regions (buffers/recycler.ts) on their way out over HTTP/2. The
 * scheduler cuts a stream's body into DATA frames as views of the region, in order, so
 * the frame whose view ends where the region ends is its last: once the transport is
 * done with that view, nothing reads the region any more (the views before it were
 * written first), and it goes back to the recycler, as the HTTP/1.1 writer gives its
 * regions back (h1-response.ts).
 *
 * A region whose last view is never written (its stream was reset, or the connection
 * went first) is never given back: it is dropped from here and left to the collector.
 */
import { bodyRecycler } from "../buffers/recycler.ts";

export class RecyclingRegions {
  /** The regions queued on streams, by their buffer (one region a buffer), with the stream that sends each. */
  private readonly pending = new Map<ArrayBufferLike, { id: number; region: Uint8Array }>();

  /** Stream `id` has queued `region` as (the whole of) a body. */
  expect(id: number, region: Uint8Array): void {
    this.pending.set(region.buffer, { id, region });
  }

  /**
   * What the transport calls once it is done with `part` (Connection.write's `sent`): the
   * region's give-back when part is the view that ends a pending region; else undefined.
   */
  sentCallback(part: Uint8Array): (() => void) | undefined {
    if (this.pending.size === 0) return undefined;
    const p = this.pending.get(part.buffer);
    if (p === undefined || part.byteOffset + part.length !== p.region.byteOffset + p.region.length) return undefined;
    this.pending.delete(part.buffer);
    const region = p.region;
    return () => bodyRecycler.give(region);
  }

  /** Stream `id` was reset: what it had queued will not all be written. */
  drop(id: number): void {
    if (this.pending.size === 0) return;
    for (const [buffer, p] of this.pending) if (p.id === id) this.pending.delete(buffer);
  }

  /** Regions waiting for their last view to be written (for tests). */
  get size(): number {
    return this.pending.size;
  }
}
