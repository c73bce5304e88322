/**
 * Incremental UTF-8 validation (RFC 3629), so a text message split across frames
 * fails as soon as an invalid byte arrives (RFC 6455 §8.1, close code 1007).
 * A state machine over the byte classes of the Unicode "well-formed" table.
 */
export class Utf8Validator {
  /** Continuation bytes still needed. */
  private need = 0;
  /** Bounds for the next continuation byte (narrowed after E0, ED, F0, F4). */
  private lo = 0x80;
  private hi = 0xbf;

  /** Feeds bytes; false at the first byte that cannot be part of UTF-8. */
  push(b: Uint8Array, start = 0, end = b.length): boolean {
    let need = this.need, lo = this.lo, hi = this.hi;
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      if (need === 0) {
        if (c < 0x80) continue;
        if (c >= 0xc2 && c <= 0xdf) need = 1;
        else if (c >= 0xe0 && c <= 0xef) {
          need = 2;
          if (c === 0xe0) lo = 0xa0;
          else if (c === 0xed) hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
          need = 3;
          if (c === 0xf0) lo = 0x90;
          else if (c === 0xf4) hi = 0x8f;
        } else return false;
        continue;
      }
      if (c < lo || c > hi) return false;
      lo = 0x80;
      hi = 0xbf;
      need--;
    }
    this.need = need;
    this.lo = lo;
    this.hi = hi;
    return true;
  }

  /** True when the input so far ends on a character boundary. */
  get complete(): boolean {
    return this.need === 0;
  }

  reset(): void {
    this.need = 0;
    this.lo = 0x80;
    this.hi = 0xbf;
  }
}

export function isValidUtf8(b: Uint8Array): boolean {
  const v = new Utf8Validator();
  return v.push(b) && v.complete;
}
