/**
 * RFC 9110 §14: Range requests, as files/ranges.ts resolves a Range field against a
 * representation's length.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_RANGES, contentRange, parseRange } from "../../src/files/ranges.ts";

const ranges = (field: string, size: number) => {
  const r = parseRange(field, size);
  return r.kind === "ranges" ? r.ranges.map((x) => [x.first, x.last]) : r.kind;
};

describe("RFC 9110 §14.1.2: byte ranges", () => {
  it("an int-range names first and last byte, both included", () => {
    expect(ranges("bytes=0-499", 10000)).toEqual([[0, 499]]);
    expect(ranges("bytes=500-999", 10000)).toEqual([[500, 999]]);
  });
  it("a last-pos past the end, or none, means the rest of the representation", () => {
    expect(ranges("bytes=9500-", 10000)).toEqual([[9500, 9999]]);
    expect(ranges("bytes=9500-20000", 10000)).toEqual([[9500, 9999]]);
  });
  it("a suffix-range names the last N bytes, the whole when N is larger", () => {
    expect(ranges("bytes=-500", 10000)).toEqual([[9500, 9999]]);
    expect(ranges("bytes=-20000", 10000)).toEqual([[0, 9999]]);
  });
  it("the range unit is case-insensitive and OWS is allowed around list elements", () => {
    expect(ranges("Bytes= 0-1 , 5-6", 10)).toEqual([[0, 1], [5, 6]]);
  });
  it("an int-range whose first-pos is at or past the length is unsatisfiable; with none satisfiable, 416", () => {
    expect(ranges("bytes=10-", 10)).toBe("unsatisfiable");
    expect(ranges("bytes=10-20, 30-", 10)).toBe("unsatisfiable");
    expect(ranges("bytes=10-20, 3-4", 10)).toEqual([[3, 4]]);
  });
  it("a suffix-range of zero bytes, or any range of an empty representation, is unsatisfiable", () => {
    expect(ranges("bytes=-0", 10)).toBe("unsatisfiable");
    expect(ranges("bytes=0-", 0)).toBe("unsatisfiable");
    expect(ranges("bytes=-5", 0)).toBe("unsatisfiable");
  });
});

describe("RFC 9110 §14.2: a Range the server does not understand is ignored (200 with the whole)", () => {
  it.each([
    ["items=0-5"], ["bytes"], ["bytes="], ["bytes=5-2"], ["bytes=a-b"], ["bytes=-"], ["bytes=1-2-3"], ["bytes=0x1-2"], ["bytes=+1-2"],
  ])("%s", (field) => expect(ranges(field, 100)).toBe("ignore"));
});

describe("RFC 9110 §14.2: overlapping and adjacent ranges are coalesced", () => {
  it("sorted, merged where they overlap or touch", () => {
    expect(ranges("bytes=50-60, 0-10, 5-20, 21-30, 70-", 100)).toEqual([[0, 30], [50, 60], [70, 99]]);
  });
  it("many small ranges of the same bytes come back as one", () => {
    expect(ranges(`bytes=${Array(1000).fill("0-99").join(",")}`, 100)).toEqual([[0, 99]]);
  });
  it("property: the coalesced ranges cover exactly the bytes asked for, sorted, apart, within the representation", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 200 }),
      fc.array(fc.tuple(fc.nat(250), fc.option(fc.nat(250))), { minLength: 1, maxLength: 20 }),
      (size, specs) => {
        const field = "bytes=" + specs.map(([a, b]) => (b === null ? `${a}-` : `${Math.min(a, b)}-${Math.max(a, b)}`)).join(",");
        const want = new Set<number>();
        for (const [a, b] of specs) {
          const first = b === null ? a : Math.min(a, b), last = b === null ? size - 1 : Math.min(Math.max(a, b), size - 1);
          for (let i = first; i <= last && i < size; i++) want.add(i);
        }
        const r = parseRange(field, size);
        if (want.size === 0) return r.kind === "unsatisfiable";
        if (r.kind !== "ranges") return false;
        const got = new Set<number>();
        let prevLast = -2;
        for (const x of r.ranges) {
          if (x.first <= prevLast + 1 || x.last >= size || x.first > x.last) return false;
          prevLast = x.last;
          for (let i = x.first; i <= x.last; i++) got.add(i);
        }
        return got.size === want.size && [...want].every((i) => got.has(i));
      },
    ));
  });
  it(`more than ${MAX_RANGES} ranges after coalescing is a number the file server answers whole`, () => {
    const field = "bytes=" + Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i * 10}-${i * 10}`).join(",");
    expect((parseRange(field, 1000) as { ranges: unknown[] }).ranges.length).toBe(MAX_RANGES + 1);
  });
});

describe("RFC 9110 §14.4: Content-Range", () => {
  it("bytes first-last/complete-length", () => expect(contentRange({ first: 0, last: 499 }, 1234)).toBe("bytes 0-499/1234"));
});
