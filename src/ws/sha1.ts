/** SHA-1 (RFC 3174), only for the Sec-WebSocket-Accept hash of RFC 6455 §4.2.2. */

/**
 * One digest's scratch, shared by every call (a digest runs to its end without yielding):
 * the padded message while it fits, and the 80-word schedule. A handshake's key and GUID
 * are 60 bytes, two blocks; a digest allocates only its 20-byte result.
 */
const BLOCKS = new Uint8Array(128);
const W = new Uint32Array(80);

const read32 = (b: Uint8Array, i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

function write32(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 24;
  b[i + 1] = v >>> 16;
  b[i + 2] = v >>> 8;
  b[i + 3] = v;
}

export function sha1(msg: Uint8Array): Uint8Array {
  const ml = msg.length;
  // §4: the message, a 1 bit, zeros, then its length in bits as 64 bits, to a multiple of 512 bits.
  const total = ((ml + 9 + 63) >> 6) << 6;
  const m = total <= BLOCKS.length ? BLOCKS : new Uint8Array(total);
  m.set(msg);
  m.fill(0, ml, total);
  m[ml] = 0x80;
  write32(m, total - 8, Math.floor(ml / 2 ** 29));
  write32(m, total - 4, (ml * 8) >>> 0);
  let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
  const w = W;
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = read32(m, off + i * 4);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let i = 0; i < 80; i++) {
      const f = i < 20 ? (b & c) | (~b & d) : i < 40 ? b ^ c ^ d : i < 60 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
      const k = i < 20 ? 0x5a827999 : i < 40 ? 0x6ed9eba1 : i < 60 ? 0x8f1bbcdc : 0xca62c1d6;
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) >>> 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) >>> 0, h1 = (h1 + b) >>> 0, h2 = (h2 + c) >>> 0, h3 = (h3 + d) >>> 0, h4 = (h4 + e) >>> 0;
  }
  const out = new Uint8Array(20);
  write32(out, 0, h0);
  write32(out, 4, h1);
  write32(out, 8, h2);
  write32(out, 12, h3);
  write32(out, 16, h4);
  return out;
}
