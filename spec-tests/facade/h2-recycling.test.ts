/**
 * HTTP/2 gives recycled body regions back (facade/h2-recycling.ts): only once the view
 * that ends the region has been written, never for one of its earlier frames, and never
 * for a region whose stream was reset. Over real sockets on every runtime:
 * peers/recycled-body-runtimes.test.ts.
 */
import { describe, expect, it } from "vitest";
import { bodyRecycler } from "../../src/buffers/recycler.ts";
import { RecyclingRegions } from "../../src/facade/h2-recycling.ts";

/** A region of n bytes as the Response class takes it, cut as the scheduler cuts DATA frames. */
function regionIn(n: number, frame: number): { region: Uint8Array; frames: Uint8Array[] } {
  const region = bodyRecycler.take(n);
  const frames: Uint8Array[] = [];
  for (let o = 0; o < n; o += frame) frames.push(region.subarray(o, Math.min(n, o + frame)));
  return { region, frames };
}

describe("recycled regions over HTTP/2", () => {
  it("the frame that ends the region brings it back, once; the frames before it do not", () => {
    const r = new RecyclingRegions();
    const { region, frames } = regionIn(65_536, 16_384);
    r.expect(3, region);
    expect(frames.slice(0, -1).map((f) => r.sentCallback(f))).toEqual([undefined, undefined, undefined]);
    const give = r.sentCallback(frames.at(-1)!);
    expect(give).toBeTypeOf("function");
    expect(r.size).toBe(0);
    // Asked again (the same view written twice cannot happen, but a second region's could): nothing.
    expect(r.sentCallback(frames.at(-1)!)).toBe(undefined);
    const spare = bodyRecycler.spareCount;
    give!();
    expect(bodyRecycler.spareCount).toBe(spare + 1);
  });

  it("other bytes (frame headers, other bodies, a copy of the region's end) are not its end", () => {
    const r = new RecyclingRegions();
    const { region } = regionIn(40_000, 16_384);
    r.expect(1, region);
    expect(r.sentCallback(new Uint8Array(9))).toBe(undefined);
    expect(r.sentCallback(region.slice(30_000))).toBe(undefined);
    const other = regionIn(40_000, 16_384);
    expect(r.sentCallback(other.frames.at(-1)!)).toBe(undefined);
    expect(r.size).toBe(1);
  });

  it("a reset stream's region is dropped, and the others' stay", () => {
    const r = new RecyclingRegions();
    const a = regionIn(20_000, 16_384);
    const b = regionIn(20_000, 16_384);
    r.expect(1, a.region);
    r.expect(3, b.region);
    r.drop(1);
    expect(r.size).toBe(1);
    expect(r.sentCallback(a.frames.at(-1)!)).toBe(undefined);
    expect(r.sentCallback(b.frames.at(-1)!)).toBeTypeOf("function");
    r.drop(7); // nothing queued: nothing happens
    expect(r.size).toBe(0);
  });
});
