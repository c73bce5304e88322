/**
 * Range requests (RFC 9110 §14): the Range field's byte ranges resolved against a
 * representation's length.
 */

/** A resolved byte range: first and last byte positions, both included (RFC 9110 §14.1.1). */
export interface ByteRange {
  first: number;
  last: number;
}

/**
 * What a Range field asks of a representation of `size` bytes:
 * - `ignore`: the field is not a bytes range-set we understand (RFC 9110 §14.2: a server
 *   MAY ignore it; the whole representation is sent, 200);
 * - `unsatisfiable`: no range overlaps the representation (416, §15.5.17);
 * - `ranges`: the satisfiable ranges, sorted, overlapping and adjacent ones coalesced
 *   (§14.2 allows it, and it keeps a request from asking for the same bytes many times).
 */
export type RangeAnswer = { kind: "ignore" } | { kind: "unsatisfiable" } | { kind: "ranges"; ranges: ByteRange[] };

/** More ranges than this (after coalescing) are answered with the whole representation. */
export const MAX_RANGES = 16;

const IGNORE: RangeAnswer = { kind: "ignore" };
const RANGE_SPEC = /^(\d*)-(\d*)$/;

export function parseRange(field: string, size: number): RangeAnswer {
  // ranges-specifier = range-unit "=" range-set; "bytes" is case-insensitive (§14.1).
  const eq = field.indexOf("=");
  if (eq < 0 || field.slice(0, eq).trim().toLowerCase() !== "bytes") return IGNORE;
  const wanted: ByteRange[] = [];
  let specs = 0;
  for (const raw of field.slice(eq + 1).split(",")) {
    const spec = raw.trim();
    if (spec === "") continue; // the list rule (§5.6.1) allows empty elements
    specs++;
    const m = RANGE_SPEC.exec(spec);
    if (m === null || (m[1] === "" && m[2] === "")) return IGNORE;
    const range = m[1] === "" ? suffixRange(Number(m[2]), size) : intRange(Number(m[1]), m[2] === "" ? null : Number(m[2]), size);
    if (range === undefined) return IGNORE;
    if (range !== null) wanted.push(range);
  }
  if (specs === 0) return IGNORE;
  if (wanted.length === 0) return { kind: "unsatisfiable" };
  return { kind: "ranges", ranges: coalesce(wanted) };
}

/** int-range "first-last" or "first-": undefined when invalid (last before first), null when unsatisfiable. */
function intRange(first: number, last: number | null, size: number): ByteRange | null | undefined {
  if (!Number.isSafeInteger(first) || (last !== null && (!Number.isSafeInteger(last) || last < first))) return undefined;
  if (first >= size) return null; // §14.1.1: satisfiable only when first-pos is less than the length
  return { first, last: last === null || last >= size ? size - 1 : last };
}

/** suffix-range "-N": the last N bytes; null when unsatisfiable (N = 0, or an empty representation). */
function suffixRange(n: number, size: number): ByteRange | null | undefined {
  if (!Number.isSafeInteger(n)) return undefined;
  if (n === 0 || size === 0) return null;
  return { first: Math.max(0, size - n), last: size - 1 };
}

function coalesce(ranges: ByteRange[]): ByteRange[] {
  ranges.sort((a, b) => a.first - b.first);
  const out: ByteRange[] = [{ ...ranges[0]! }];
  for (let i = 1; i < ranges.length; i++) {
    const r = ranges[i]!, top = out[out.length - 1]!;
    if (r.first <= top.last + 1) top.last = Math.max(top.last, r.last);
    else out.push({ ...r });
  }
  return out;
}

/** Content-Range for one range of a `size`-byte representation (RFC 9110 §14.4). */
export function contentRange(r: ByteRange, size: number): string {
  return `bytes ${r.first}-${r.last}/${size}`;
}
