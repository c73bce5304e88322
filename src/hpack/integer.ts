/** RFC 7541 §5.1 integer representation with an N-bit prefix. */
import { HpackError } from "./errors.ts";

/** Largest integer we accept: anything bigger cannot be a valid index or length here. */
const MAX = 2 ** 31 - 1;

/** Decodes at b[pos]; returns [value, next position]. The prefix's high bits are masked off. */
export function decodeInt(b: Uint8Array, pos: number, prefix: number): [number, number] {
  if (pos >= b.length) throw new HpackError("TRUNCATED_INTEGER", "header block ends inside an integer");
  const max = (1 << prefix) - 1;
  let value = b[pos++]! & max;
  if (value < max) return [value, pos];
  let shift = 0;
  for (;;) {
    if (pos >= b.length) throw new HpackError("TRUNCATED_INTEGER", "header block ends inside an integer");
    const c = b[pos++]!;
    value += (c & 0x7f) * 2 ** shift;
    if (value > MAX) throw new HpackError("INTEGER_OVERFLOW", "integer too large");
    if ((c & 0x80) === 0) return [value, pos];
    shift += 7;
  }
}

/** Appends an integer with an N-bit prefix; `first` holds the representation's flag bits. */
export function encodeInt(out: number[], value: number, prefix: number, first: number): void {
  const max = (1 << prefix) - 1;
  if (value < max) {
    out.push(first | value);
    return;
  }
  out.push(first | max);
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
}
