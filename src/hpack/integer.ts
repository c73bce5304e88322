/** RFC 7541 §5.1 integer representation with an N-bit prefix. */
import { HpackError } from "./errors.ts";

/** Largest integer we accept: anything bigger cannot be a valid index or length here. */
const MAX = 2 ** 31 - 1;

/** A read position in a header block; what is read moves it on. */
export interface Cursor {
  pos: number;
}

/** Decodes the integer at b[at.pos] and moves at.pos past it. The prefix's high bits are masked off. */
export function decodeInt(b: Uint8Array, at: Cursor, prefix: number): number {
  let pos = at.pos;
  if (pos >= b.length) throw new HpackError("TRUNCATED_INTEGER", "header block ends inside an integer");
  const max = (1 << prefix) - 1;
  let value = b[pos++]! & max;
  if (value < max) {
    at.pos = pos;
    return value;
  }
  let shift = 0;
  for (;;) {
    if (pos >= b.length) throw new HpackError("TRUNCATED_INTEGER", "header block ends inside an integer");
    const c = b[pos++]!;
    value += (c & 0x7f) * 2 ** shift;
    if (value > MAX) throw new HpackError("INTEGER_OVERFLOW", "integer too large");
    if ((c & 0x80) === 0) {
      at.pos = pos;
      return value;
    }
    shift += 7;
  }
}

/** Where encoded bytes go: a number[] will do, the encoder uses a ByteWriter. */
export interface ByteOut {
  push(byte: number): unknown;
}

/**
 * The bytes of a header block as it is encoded: a buffer that grows, reused by its
 * encoder from block to block (a number[] turned into bytes cost more than encoding).
 */
export class ByteWriter implements ByteOut {
  private buf = new Uint8Array(256);
  length = 0;

  push(byte: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = byte;
  }

  /** A copy of what was written since the last take, which starts the next block. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/** Appends an integer with an N-bit prefix; `first` holds the representation's flag bits. */
export function encodeInt(out: ByteOut, value: number, prefix: number, first: number): void {
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
