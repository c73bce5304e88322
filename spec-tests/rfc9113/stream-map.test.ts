/** RFC 9113 §5.1: the table a connection keeps its streams in (h2/stream-map.ts), against a Map. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StreamMap } from "../../src/h2/stream-map.ts";

type Op = { kind: "set" | "delete" | "get" | "clear"; id: number };
/** Odd ids, as a client opens them: small ones crowd a small table's slots, large ones wrap around it. */
const id = fc.oneof(fc.integer({ min: 0, max: 40 }).map((k) => 2 * k + 1), fc.integer({ min: 0, max: 0x3fffffff }).map((k) => 2 * k + 1));
const op: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom<Op["kind"]>("set", "set", "delete", "delete", "get", "clear"), id });
const held = <T>(m: StreamMap<T>) => (m as unknown as { vals: (T | undefined)[] }).vals.filter((v) => v !== undefined);

describe("StreamMap", () => {
  it("agrees with a Map under any sequence of sets, deletes and lookups, through growth and wrap-around", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const m = new StreamMap<{ id: number }>(2);
        const model = new Map<number, { id: number }>();
        for (const o of ops) {
          if (o.kind === "set") {
            const v = { id: o.id };
            m.set(o.id, v);
            model.set(o.id, v);
          } else if (o.kind === "delete") expect(m.delete(o.id)).toBe(model.delete(o.id));
          else if (o.kind === "get") {
            expect(m.get(o.id)).toBe(model.get(o.id));
            expect(m.has(o.id)).toBe(model.has(o.id));
          } else {
            m.clear();
            model.clear();
          }
          expect(m.size).toBe(model.size);
        }
        for (const [k, v] of model) expect(m.get(k)).toBe(v);
        expect(new Set(m.keys())).toEqual(new Set(model.keys()));
        expect(new Set(m.values())).toEqual(new Set(model.values()));
        // What the table references is exactly what it holds: nothing deleted stays reachable from it.
        expect(new Set(held(m))).toEqual(new Set(model.values()));
      }),
      { numRuns: 500 },
    );
  });

  it("a run of colliding ids survives deleting from its middle, across the table's end", () => {
    const m = new StreamMap<number>(8);
    // Homes (id >>> 1) & 7: 7, 7, 7, 0: the run wraps from slot 7 to slots 0-2.
    for (const id of [15, 31, 47, 17]) m.set(id, id);
    expect(m.delete(31)).toBe(true);
    for (const id of [15, 47, 17]) expect(m.get(id)).toBe(id);
    expect(m.get(31)).toBeUndefined();
    expect(m.delete(15)).toBe(true);
    expect([m.get(47), m.get(17), m.size]).toEqual([47, 17, 2]);
    // Slots 7, 0, 1 all homed at 7: deleting the one in slot 0 must bring slot 1's back over the end.
    const w = new StreamMap<number>(8);
    for (const id of [15, 31, 47]) w.set(id, id);
    expect(w.delete(31)).toBe(true);
    expect([w.get(15), w.get(47), w.get(31)]).toEqual([15, 47, undefined]);
  });

  it("keeps streams opened in order in that order, and hands out copies to walk while deleting", () => {
    const m = new StreamMap<string>();
    for (const id of [1, 3, 5, 7]) m.set(id, `s${id}`);
    expect(m.keys()).toEqual([1, 3, 5, 7]);
    for (const k of m.keys()) m.delete(k);
    expect(m.size).toBe(0);
  });

  it("stream 0 (the connection) and ids outside 31 bits are never kept", () => {
    const m = new StreamMap<string>();
    expect(m.has(0)).toBe(false);
    expect(m.get(0)).toBeUndefined();
    expect(m.delete(0)).toBe(false);
    expect(() => m.set(0, "x")).toThrow(RangeError);
    expect(() => m.set(2 ** 31, "x")).toThrow(RangeError);
  });
});
