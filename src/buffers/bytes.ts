/**
 * Byte helpers shared by every protocol core. No runtime imports.
 *
 * Fields are decoded as latin1 (one byte, one UTF-16 code unit), which is what
 * RFC 9110 §5.5 means by "treat field values as opaque octets"; TextDecoder's
 * "latin1" label is windows-1252 in the Encoding Standard, so it is not used.
 */

export const EMPTY = new Uint8Array(0);

/** A web standard every runtime we know has; optional, so a core runs without one. */
const decoder = typeof TextDecoder === "function" ? new TextDecoder() : null;

type Latin1Sliceable = Uint8Array & { latin1Slice?: (start: number, end: number) => string };

/**
 * latin1 string of b[start, end). Node's and Bun's Buffers carry a native
 * `latin1Slice`, found by duck typing (no runtime import); other arrays decode here.
 */
export function latin1(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return "";
  const fast = (b as Latin1Sliceable).latin1Slice;
  if (fast !== undefined && n > 8) return fast.call(b, start, end);
  // ASCII reads the same in UTF-8, and the runtime's UTF-8 decoder is native. Its answer
  // is kept only when it can have come from ASCII alone: every multi-byte sequence makes
  // the string shorter than the bytes, and every invalid byte becomes U+FFFD. Where
  // reads are plain Uint8Array reads (Deno), this beats fromCharCode byte by byte.
  if (decoder !== null && n > 16) {
    // A head read whole is most often the whole chunk: no view to make then.
    const s = decoder.decode(start === 0 && end === b.length ? b : b.subarray(start, end));
    if (s.length === n && s.indexOf("\ufffd") < 0) return s;
  }
  if (n <= 64) {
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  let s = "";
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, b.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return s;
}

/** Bytes of a latin1 string (every code unit must be <= 0xff). */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The parts as one; a single part is returned as it is (see copyBytes for a fresh buffer). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : copyBytes(parts);
}

/**
 * The parts copied into one buffer of their own, even when there is only one: a new
 * one, or the region `alloc` gives for their total length (a pool's, say).
 */
export function copyBytes(parts: readonly Uint8Array[], alloc: (n: number) => Uint8Array = (n) => new Uint8Array(n)): Uint8Array {
  const out = alloc(byteLength(parts));
  setParts(out, parts, 0);
  return out;
}

/** The parts' lengths added up. */
export function byteLength(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** Writes the parts one after another into out from index `at`; returns the index after them. */
export function setParts(out: Uint8Array, parts: readonly Uint8Array[], at: number): number {
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return at;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_CODES = Array.from(B64, (c) => c.charCodeAt(0));

/** RFC 4648 §4 base64, padded. Each group of four characters is one string joined on: a handshake's accept value makes 8, not 30. */
export function base64(b: Uint8Array): string {
  const parts: string[] = [];
  let s = "";
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += String.fromCharCode(B64_CODES[n >> 18]!, B64_CODES[(n >> 12) & 63]!, B64_CODES[(n >> 6) & 63]!, B64_CODES[n & 63]!);
    if (s.length >= 8192) {
      parts.push(s);
      s = "";
    }
  }
  if (i < b.length) {
    const n = (b[i]! << 16) | ((i + 1 < b.length ? b[i + 1]! : 0) << 8);
    s += B64[n >> 18]! + B64[(n >> 12) & 63]!;
    s += i + 1 < b.length ? B64[(n >> 6) & 63]! + "=" : "==";
  }
  if (parts.length === 0) return s;
  parts.push(s);
  return parts.join("");
}

export function fromBase64(s: string, urlSafe = false): Uint8Array | null {
  const clean = s.replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    let c = clean[i]!;
    if (urlSafe) c = c === "-" ? "+" : c === "_" ? "/" : c;
    const v = B64.indexOf(c);
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}
