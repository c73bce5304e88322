/**
 * DEFLATE (RFC 1951) for permessage-deflate (RFC 7692), sans-I/O, no runtime zlib.
 *
 * - `Inflater` decodes raw DEFLATE, keeping the last 32 KiB it produced as the window
 *   for the next message (the peer's "context takeover"), and stops with an error when
 *   a message would inflate past a limit (no zip bomb is ever buffered whole).
 * - `deflateMessage` compresses one message on its own (we always negotiate
 *   server_no_context_takeover): greedy LZ77 over a hash of three bytes, coded with the
 *   fixed Huffman code, ended by an empty stored block (a sync flush) whose four bytes
 *   00 00 FF FF RFC 7692 §7.2.1 has us leave off.
 */

export class InflateError extends Error {
  constructor(readonly reason: string, readonly tooBig = false) {
    super(reason);
  }
}

// RFC 1951 §3.2.5: base lengths and extra bits of length codes 257..285, and of distance codes 0..29.
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** §3.2.7: the order in which code length code lengths are sent. */
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code (§3.2.2) as counts per length and symbols in code order. */
interface Huffman {
  counts: Uint16Array;
  symbols: Uint16Array;
}

function huffman(lengths: ArrayLike<number>, n: number): Huffman {
  const counts = new Uint16Array(16);
  for (let i = 0; i < n; i++) counts[lengths[i]!]!++;
  counts[0] = 0;
  // Over-subscribed codes are malformed; incomplete ones are allowed (a single distance code, say).
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = (left << 1) - counts[len]!;
    if (left < 0) throw new InflateError("over-subscribed Huffman code");
  }
  const offsets = new Uint16Array(16);
  for (let len = 1; len < 15; len++) offsets[len + 1] = offsets[len]! + counts[len]!;
  const symbols = new Uint16Array(n);
  for (let i = 0; i < n; i++) if (lengths[i]) symbols[offsets[lengths[i]!]!++] = i;
  return { counts, symbols };
}

const FIXED_LIT = (() => {
  const l = new Uint8Array(288);
  l.fill(8, 0, 144);
  l.fill(9, 144, 256);
  l.fill(7, 256, 280);
  l.fill(8, 280, 288);
  return huffman(l, 288);
})();
const FIXED_DIST = huffman(new Uint8Array(30).fill(5), 30);

const WINDOW = 32 * 1024;

/** Decodes raw DEFLATE messages, each ended by a sync flush, with the window carried over. */
export class Inflater {
  /** The last WINDOW bytes produced (for back-references into earlier messages). */
  private window = new Uint8Array(0);
  private input: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private bit = 0;
  private bits = 0;
  private out: Uint8Array = new Uint8Array(0);
  private outLen = 0;
  private limit = 0;
  /** Where this message's output starts in `out` (after the window). */
  private base = 0;

  constructor(private readonly takeover = true) {}

  /**
   * One message's compressed bytes (without the 00 00 FF FF that RFC 7692 has the sender
   * leave off: added here), inflated; throws InflateError past `maxBytes` or on bad data.
   */
  inflate(message: Uint8Array, maxBytes: number): Uint8Array {
    // RFC 7692 §7.2.3.6 has an empty message sent as one 0x00 byte; an empty payload is
    // taken as the empty message, as zlib takes it (it inflates to nothing).
    if (message.length === 0) return new Uint8Array(0);
    const input = new Uint8Array(message.length + 4);
    input.set(message);
    input.set([0x00, 0x00, 0xff, 0xff], message.length);
    this.input = input;
    this.pos = 0;
    this.bit = 0;
    this.bits = 0;
    this.limit = maxBytes;
    // The output starts with the window, so back-references need no special case.
    const w = this.takeover ? this.window : new Uint8Array(0);
    this.out = new Uint8Array(w.length + Math.max(Math.min(message.length * 4, maxBytes), 1024));
    this.out.set(w);
    this.outLen = this.base = w.length;
    // Blocks until the input is used up: the sync flush's empty stored block ends at a byte boundary.
    while (this.pos < this.input.length) {
      const final = this.need(1);
      const type = this.need(2);
      if (type === 0) this.stored();
      else if (type === 1) this.codes(FIXED_LIT, FIXED_DIST);
      else if (type === 2) this.dynamic();
      else throw new InflateError("invalid block type 3");
      if (final) break;
    }
    const result = this.out.slice(w.length, this.outLen);
    if (this.takeover) this.window = this.out.slice(Math.max(0, this.outLen - WINDOW), this.outLen);
    this.out = new Uint8Array(0);
    return result;
  }

  private need(n: number): number {
    while (this.bits < n) {
      if (this.pos >= this.input.length) throw new InflateError("compressed data ends inside a block");
      this.bit |= this.input[this.pos++]! << this.bits;
      this.bits += 8;
    }
    const v = this.bit & ((1 << n) - 1);
    this.bit >>>= n;
    this.bits -= n;
    return v;
  }

  private decode(h: Huffman): number {
    let code = 0, first = 0, index = 0;
    for (let len = 1; len < 16; len++) {
      code |= this.need(1);
      const count = h.counts[len]!;
      if (code - count < first) return h.symbols[index + (code - first)]!;
      index += count;
      first += count;
      first <<= 1;
      code <<= 1;
    }
    throw new InflateError("invalid Huffman code");
  }

  /** Makes room for n more output bytes; past the message limit, stops. */
  private room(n: number): void {
    if (this.outLen - this.base + n > this.limit) throw new InflateError("message inflates past the limit", true);
    if (this.outLen + n <= this.out.length) return;
    const bigger = new Uint8Array(Math.max(this.out.length * 2, this.outLen + n));
    bigger.set(this.out.subarray(0, this.outLen));
    this.out = bigger;
  }

  private stored(): void {
    this.bit = 0;
    this.bits = 0; // to a byte boundary
    if (this.pos + 4 > this.input.length) throw new InflateError("stored block header cut short");
    const i = this.input;
    const len = i[this.pos]! | (i[this.pos + 1]! << 8);
    const nlen = i[this.pos + 2]! | (i[this.pos + 3]! << 8);
    if ((len ^ 0xffff) !== nlen) throw new InflateError("stored block LEN and NLEN disagree");
    this.pos += 4;
    if (this.pos + len > i.length) throw new InflateError("stored block longer than the data");
    this.room(len);
    this.out.set(i.subarray(this.pos, this.pos + len), this.outLen);
    this.outLen += len;
    this.pos += len;
  }

  private codes(lit: Huffman, dist: Huffman): void {
    for (;;) {
      const sym = this.decode(lit);
      if (sym < 256) {
        this.room(1);
        this.out[this.outLen++] = sym;
      } else if (sym === 256) return;
      else {
        const l = sym - 257;
        if (l >= 29) throw new InflateError("invalid length code");
        const length = LENGTH_BASE[l]! + this.need(LENGTH_EXTRA[l]!);
        const d = this.decode(dist);
        if (d >= 30) throw new InflateError("invalid distance code");
        const distance = DIST_BASE[d]! + this.need(DIST_EXTRA[d]!);
        if (distance > this.outLen) throw new InflateError("distance before the start of the window");
        this.room(length);
        const out = this.out;
        let from = this.outLen - distance;
        for (let k = 0; k < length; k++) out[this.outLen++] = out[from++]!;
      }
    }
  }

  private dynamic(): void {
    const nlen = this.need(5) + 257, ndist = this.need(5) + 1, ncode = this.need(4) + 4;
    if (nlen > 286 || ndist > 30) throw new InflateError("too many length or distance codes");
    const clen = new Uint8Array(19);
    for (let i = 0; i < ncode; i++) clen[CLEN_ORDER[i]!] = this.need(3);
    const lencode = huffman(clen, 19);
    const lengths = new Uint8Array(nlen + ndist);
    for (let i = 0; i < nlen + ndist;) {
      const sym = this.decode(lencode);
      if (sym < 16) lengths[i++] = sym;
      else {
        let repeat: number, value = 0;
        if (sym === 16) {
          if (i === 0) throw new InflateError("repeat with no previous length");
          value = lengths[i - 1]!;
          repeat = 3 + this.need(2);
        } else if (sym === 17) repeat = 3 + this.need(3);
        else repeat = 11 + this.need(7);
        if (i + repeat > nlen + ndist) throw new InflateError("code lengths repeat past the end");
        while (repeat--) lengths[i++] = value;
      }
    }
    if (lengths[256] === 0) throw new InflateError("no end-of-block code");
    this.codes(huffman(lengths, nlen), huffman(lengths.subarray(nlen), ndist));
  }
}

// ---- compression ----

/** Writes bits least significant first, as DEFLATE packs them. */
class BitWriter {
  buf = new Uint8Array(1024);
  len = 0;
  private bit = 0;
  private bits = 0;

  write(value: number, n: number): void {
    this.bit |= value << this.bits;
    this.bits += n;
    while (this.bits >= 8) {
      this.byte(this.bit & 0xff);
      this.bit >>>= 8;
      this.bits -= 8;
    }
  }


  align(): void {
    if (this.bits > 0) this.write(0, 8 - this.bits);
  }

  private byte(b: number): void {
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }
}

/** A Huffman code is sent most significant bit first: its bits reversed, for write(). */
function reversed(code: number, n: number): number {
  let rev = 0;
  for (let i = 0; i < n; i++) rev |= ((code >> i) & 1) << (n - 1 - i);
  return rev;
}

/** §3.2.6: the fixed literal/length code of each symbol, reversed, and its length. */
const LIT_CODE = new Uint16Array(288);
const LIT_BITS = new Uint8Array(288);
for (let sym = 0; sym < 288; sym++) {
  const [code, n] = sym < 144 ? [0x30 + sym, 8] : sym < 256 ? [0x190 + sym - 144, 9] : sym < 280 ? [sym - 256, 7] : [0xc0 + sym - 280, 8];
  LIT_CODE[sym] = reversed(code, n);
  LIT_BITS[sym] = n;
}
/** The fixed distance codes: five bits each, reversed. */
const DIST_CODE = Uint8Array.from({ length: 30 }, (_, d) => reversed(d, 5));

function lengthSymbol(length: number): number {
  let i = 28;
  while (LENGTH_BASE[i]! > length) i--;
  return i;
}

function distSymbol(distance: number): number {
  let i = 29;
  while (DIST_BASE[i]! > distance) i--;
  return i;
}

const MIN_MATCH = 3;
const MAX_MATCH = 258;
const HASH_BITS = 14;
const MAX_CHAIN = 32;
/** A match this long is taken without looking further down the chain (zlib's nice_length). */
const NICE_MATCH = 64;

/**
 * The hash heads, shared by every call: an entry holds `stamp + position + 1` and counts
 * only when above this call's stamp, so a call needs no 64 KiB table of its own (which
 * cost more than compressing a short message).
 */
const HEAD = new Int32Array(1 << HASH_BITS);
let stamp = 0;

/**
 * One message compressed on its own, as RFC 7692 §7.2.1 sends it: DEFLATE, flushed, the
 * final 00 00 FF FF left off. `windowBits` (8..15) bounds how far back a match may reach
 * (the peer's client_max_window_bits for what it inflates... our server_max_window_bits).
 */
export function deflateMessage(data: Uint8Array, windowBits = 15): Uint8Array {
  const w = new BitWriter();
  const maxDist = Math.min(1 << windowBits, WINDOW) - 1;
  w.write(0, 1); // BFINAL = 0: a sync flush follows
  w.write(1, 2); // BTYPE = 01, fixed Huffman codes
  if (stamp + data.length + 1 >= 0x7fffffff) {
    HEAD.fill(0);
    stamp = 0;
  }
  const base = stamp;
  stamp += data.length + 1;
  const head = HEAD;
  // prev[i]: the previous position with the same hash as i, or -1.
  const prev = new Int32Array(data.length);
  const hash = (i: number) => (((data[i]! << 10) ^ (data[i + 1]! << 5) ^ data[i + 2]!) * 2654435761 >>> (32 - HASH_BITS));
  const headOf = (h: number) => (head[h]! > base ? head[h]! - base - 1 : -1);
  const lit = (b: number) => w.write(LIT_CODE[b]!, LIT_BITS[b]!);
  let i = 0;
  while (i < data.length) {
    let best = 0, bestDist = 0;
    if (i + MIN_MATCH <= data.length) {
      const h = hash(i);
      let j = headOf(h);
      for (let chain = 0; j >= 0 && i - j <= maxDist && chain < MAX_CHAIN; chain++, j = prev[j]!) {
        const max = Math.min(MAX_MATCH, data.length - i);
        // A candidate can only do better if it also matches at the current best length.
        if (best > 0 && (best >= max || data[j + best] !== data[i + best])) continue;
        let len = 0;
        while (len < max && data[j + len] === data[i + len]) len++;
        if (len > best) {
          best = len;
          bestDist = i - j;
          if (len >= NICE_MATCH || len === max) break;
        }
      }
      prev[i] = headOf(h);
      head[h] = base + i + 1;
    }
    if (best >= MIN_MATCH) {
      const ls = lengthSymbol(best);
      lit(257 + ls);
      if (LENGTH_EXTRA[ls]) w.write(best - LENGTH_BASE[ls]!, LENGTH_EXTRA[ls]!);
      const ds = distSymbol(bestDist);
      w.write(DIST_CODE[ds]!, 5);
      if (DIST_EXTRA[ds]) w.write(bestDist - DIST_BASE[ds]!, DIST_EXTRA[ds]!);
      // The skipped positions go into the hash chains too, so later matches can find them.
      for (let k = 1; k < best && i + k + MIN_MATCH <= data.length; k++) {
        const h = hash(i + k);
        prev[i + k] = headOf(h);
        head[h] = base + i + k + 1;
      }
      i += best;
    } else {
      lit(data[i]!);
      i++;
    }
  }
  lit(256); // end of block
  // The sync flush: an empty stored block, whose 00 00 FF FF are left off.
  w.write(0, 1);
  w.write(0, 2);
  w.align();
  return w.buf.slice(0, w.len);
}
