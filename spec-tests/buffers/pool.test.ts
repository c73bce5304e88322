/**
 * The write pool (buffers/pool.ts): every region it hands out is the taker's alone (its
 * invariant 1), cut from a slab until the slab is used up, or its own when larger than
 * a quarter of a slab.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WritePool } from "../../src/buffers/pool.ts";

describe("WritePool", () => {
  it("cuts regions one after another from a slab; one larger than a quarter slab is its own", () => {
    const pool = new WritePool(4096);
    const a = pool.take(10);
    const b = pool.take(20);
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + 10);
    const own = pool.take(1025);
    expect(own.buffer).not.toBe(a.buffer);
    expect(own.buffer.byteLength).toBe(1025);
    expect(pool.take(5).byteOffset).toBe(30);
  });

  it("a region that does not fit what is left of the slab starts a new one", () => {
    const pool = new WritePool(4096);
    const first = pool.take(1000);
    for (let i = 0; i < 3; i++) pool.take(1000);
    const next = pool.take(100);
    expect(next.buffer).not.toBe(first.buffer);
    expect(next.byteOffset).toBe(0);
  });

  it("no region overlaps another, across slabs and sizes", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 200 }), (sizes) => {
      const pool = new WritePool(4096);
      const regions = sizes.map((n, i) => pool.take(n).fill(i & 0xff));
      expect(regions.every((r, i) => r.length === sizes[i] && r.every((x) => x === (i & 0xff)))).toBe(true);
    }), { numRuns: 300 });
  });
});
