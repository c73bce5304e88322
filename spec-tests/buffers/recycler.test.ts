/**
 * buffers/recycler.ts: large regions used again once sent. What must hold: a region is
 * never handed out while another holder has it, sizes outside the recycled range are
 * refused, and only a few spares are kept per size class.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HEADROOM, RECYCLE_MAX, RECYCLE_MIN, Recycler } from "../../src/buffers/recycler.ts";

describe("Recycler", () => {
  it("takes regions of exactly the size asked, HEADROOM into a buffer of a power of two past it, and hands a given-back one out again", () => {
    const r = new Recycler();
    const a = r.take(65536);
    expect([a.length, a.byteOffset, a.buffer.byteLength]).toEqual([65536, HEADROOM, HEADROOM + 65536]);
    const b = r.take(20_000);
    expect([b.length, b.byteOffset, b.buffer.byteLength]).toEqual([20_000, HEADROOM, HEADROOM + 32768]);
    r.give(a);
    expect(r.spareCount).toBe(1);
    const c = r.take(40_000); // the same class as a (64 KiB)
    expect(c.buffer).toBe(a.buffer);
    expect(c.length).toBe(40_000);
    expect(r.spareCount).toBe(0);
  });

  it("fits only sizes too large to gather with a head and not larger than RECYCLE_MAX", () => {
    const r = new Recycler();
    expect([r.fits(RECYCLE_MIN - 1), r.fits(RECYCLE_MIN), r.fits(RECYCLE_MAX), r.fits(RECYCLE_MAX + 1)]).toEqual([false, true, true, false]);
  });

  it("ignores buffers of sizes it never hands out", () => {
    const r = new Recycler();
    r.give(new Uint8Array(new ArrayBuffer(65536), 16, 1000));
    r.give(new Uint8Array(65536));
    r.give(new Uint8Array(50_000));
    r.give(new Uint8Array(HEADROOM + 1024));
    expect(r.spareCount).toBe(0);
  });

  it("takes back any view of a buffer it handed out (a head written into the headroom and the body), as the one buffer", () => {
    const r = new Recycler();
    const a = r.take(70_000);
    r.give(new Uint8Array(a.buffer, HEADROOM - 100, 100 + a.length));
    expect(r.spareCount).toBe(1);
    expect(r.take(100_000).buffer).toBe(a.buffer);
  });

  it("keeps at most 8 MiB of spares per class: 128 of 64 KiB, 8 of 1 MiB", () => {
    const r = new Recycler();
    const regions = Array.from({ length: 140 }, () => r.take(65536));
    for (const x of regions) r.give(x);
    expect(r.spareCount).toBe(128);
    const big = Array.from({ length: 10 }, () => r.take(1024 * 1024));
    for (const x of big) r.give(x);
    expect(r.spareCount).toBe(128 + 8);
    // Kept ones are handed out again before any new one is made.
    const again = Array.from({ length: 128 }, () => r.take(65536));
    expect(new Set(again.map((x) => x.buffer)).size).toBe(128);
    expect(again.every((x) => regions.some((y) => y.buffer === x.buffer))).toBe(true);
  });

  it("property: no buffer is held by two holders at once, whatever the order of takes and gives", () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.record({ take: fc.integer({ min: RECYCLE_MIN, max: 300_000 }) }), fc.record({ give: fc.nat() })), { maxLength: 200 }),
      (ops) => {
        const r = new Recycler();
        const held: Uint8Array[] = [];
        for (const op of ops) {
          if ("take" in op) {
            const x = r.take(op.take);
            expect(x.length).toBe(op.take);
            expect(held.some((h) => h.buffer === x.buffer)).toBe(false);
            held.push(x);
          } else if (held.length > 0) {
            r.give(held.splice(op.give % held.length, 1)[0]!);
          }
        }
      },
    ));
  });
});
