/**
 * The HPACK Huffman code (RFC 7541 §5.2, Appendix B).
 *
 * The code is canonical: codes are assigned in order of length, then symbol.
 * So only the code lengths are written here; the codes are derived from them
 * (and checked against the RFC's printed codes in spec-tests).
 *
 * Decoding is table-driven, four bits at a time: each state is a node of the code
 * tree, and a 16-entry row per state gives the next state and any symbol emitted.
 */
import { HpackError } from "./errors.ts";
import type { ByteOut } from "./integer.ts";

// deno-fmt-ignore
export const CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30, // EOS
];

export const EOS = 256;

/** Canonical codes from the lengths: CODES[sym] right-aligned in CODE_LENGTHS[sym] bits. */
export const CODES: number[] = (() => {
  const order = CODE_LENGTHS.map((len, sym) => ({ len, sym })).sort((a, b) => a.len - b.len || a.sym - b.sym);
  const codes = new Array<number>(257);
  let code = 0;
  let len = order[0]!.len;
  for (const e of order) {
    code *= 2 ** (e.len - len);
    len = e.len;
    codes[e.sym] = code;
    code++;
  }
  return codes;
})();

// ---- decoding tables ----

/** Row entry: next state (bits 0-8), emitted symbol + 1 (bits 9-17, 0 = none), flags above. */
const FLAG_FAIL = 1 << 18;
/** After this nibble, the bits since the last symbol are a valid padding (all ones, at most 7). */
const FLAG_ACCEPT = 1 << 19;

const { table: DECODE, acceptRoot } = buildDecodeTable();

function buildDecodeTable() {
  // Build the code tree: node 0 is the root; children[2n], children[2n+1]; leaf = -(sym+1).
  const children: number[] = [0, 0];
  let nodes = 1;
  for (let sym = 0; sym < 257; sym++) {
    const len = CODE_LENGTHS[sym]!;
    const code = CODES[sym]!;
    let n = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) & 1;
      if (i === 0) children[2 * n + bit] = -(sym + 1);
      else {
        if (!children[2 * n + bit]) {
          children[2 * n + bit] = nodes++;
          children.push(0, 0);
        }
        n = children[2 * n + bit]!;
      }
    }
  }
  // Depth of each all-ones node (the path of EOS's prefix): those of depth <= 7 may end a string.
  const onesDepth = new Map<number, number>([[0, 0]]);
  for (let n = 0, d = 0; d < 8; d++) {
    n = children[2 * n + 1]!;
    if (n <= 0) break;
    onesDepth.set(n, d + 1);
  }
  const accepting = (n: number) => (onesDepth.get(n) ?? 99) <= 7;
  const table = new Int32Array(nodes * 16);
  for (let s = 0; s < nodes; s++) {
    for (let nib = 0; nib < 16; nib++) {
      let n = s;
      let emitted = 0;
      let fail = false;
      for (let i = 3; i >= 0; i--) {
        const next = children[2 * n + ((nib >> i) & 1)]!;
        if (next < 0) {
          const sym = -next - 1;
          if (sym === EOS) {
            fail = true; // §5.2: EOS in a string is a decoding error
            break;
          }
          emitted = sym + 1;
          n = 0;
        } else n = next;
      }
      table[s * 16 + nib] = fail ? FLAG_FAIL : n | (emitted << 9) | (accepting(n) ? FLAG_ACCEPT : 0);
    }
  }
  return { table, acceptRoot: true };
}

/** Decodes a Huffman string of b[start, end) into a latin1 string. */
export function huffmanDecode(b: Uint8Array, start: number, end: number): string {
  let state = 0;
  let accept = acceptRoot;
  const out: number[] = [];
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    let e = DECODE[state * 16 + (c >> 4)]!;
    if (e & FLAG_FAIL) throw new HpackError("HUFFMAN_EOS", "EOS symbol inside a Huffman string");
    if (e & 0x3fe00) out.push(((e >> 9) & 0x1ff) - 1);
    state = e & 0x1ff;
    e = DECODE[state * 16 + (c & 15)]!;
    if (e & FLAG_FAIL) throw new HpackError("HUFFMAN_EOS", "EOS symbol inside a Huffman string");
    if (e & 0x3fe00) out.push(((e >> 9) & 0x1ff) - 1);
    state = e & 0x1ff;
    accept = (e & FLAG_ACCEPT) !== 0;
  }
  // §5.2: padding longer than 7 bits, or not the EOS prefix, is a decoding error.
  if (!accept) throw new HpackError("HUFFMAN_PADDING", "invalid Huffman padding");
  let s = "";
  for (let i = 0; i < out.length; i += 4096) s += String.fromCharCode.apply(null, out.slice(i, i + 4096));
  return s;
}

/** Bytes the Huffman encoding of a latin1 string takes. */
export function huffmanLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += CODE_LENGTHS[s.charCodeAt(i)]!;
  return Math.ceil(bits / 8);
}

/**
 * Appends the Huffman encoding of a latin1 string, padded with EOS's prefix (all ones).
 * Bits wait in `acc` (fewer than 8 between symbols), so a code of up to 24 bits fits
 * beside them in 31 bits of integer arithmetic; longer codes (rare bytes) go in two steps.
 */
export function huffmanEncode(out: ByteOut, s: string): void {
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const sym = s.charCodeAt(i);
    const len = CODE_LENGTHS[sym]!;
    const code = CODES[sym]!;
    if (len <= 24) {
      acc = (acc << len) | code;
      bits += len;
    } else {
      acc = (acc << (len - 16)) | (code >>> 16);
      bits += len - 16;
      while (bits >= 8) out.push((acc >>> (bits -= 8)) & 0xff);
      acc = ((acc & ((1 << bits) - 1)) << 16) | (code & 0xffff);
      bits += 16;
    }
    while (bits >= 8) out.push((acc >>> (bits -= 8)) & 0xff);
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out.push(((acc << (8 - bits)) | (0xff >> bits)) & 0xff);
}
