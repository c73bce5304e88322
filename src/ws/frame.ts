/** RFC 6455 §5.2 base framing: opcodes, header layout, and frame serialization. */
import type { WritePool } from "../buffers/pool.ts";
import { mask } from "./mask.ts";

export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

export const isControl = (op: number) => (op & 0x8) !== 0;
export const isKnownOpcode = (op: number) => op <= 2 || (op >= 8 && op <= 10);

/** Length of the frame header for a payload of n bytes. */
export function headerLength(n: number, masked: boolean): number {
  return (n < 126 ? 2 : n < 65536 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Writes a frame header into out[0..]; returns its length. A client passes its
 * 4-byte masking key; a server never masks (§5.1).
 */
export function writeHeader(out: Uint8Array, fin: boolean, opcode: number, n: number, key: Uint8Array | null): number {
  out[0] = (fin ? 0x80 : 0) | opcode;
  let o = 2;
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out[2] = n >>> 8;
    out[3] = n & 0xff;
    o = 4;
  } else {
    out[1] = 127;
    const hi = Math.floor(n / 2 ** 32);
    out[2] = 0, out[3] = 0, out[4] = (hi >>> 8) & 0xff, out[5] = hi & 0xff;
    out[6] = n >>> 24, out[7] = (n >>> 16) & 0xff, out[8] = (n >>> 8) & 0xff, out[9] = n & 0xff;
    o = 10;
  }
  if (key) {
    out[1] |= 0x80;
    out.set(key, o);
    o += 4;
  }
  return o;
}

/**
 * One frame as the views to write. Small frames are one pooled buffer; a large
 * unmasked payload is not copied, only its header is built.
 */
export function encodeFrame(
  pool: WritePool,
  opcode: number,
  payload: Uint8Array,
  opts: { fin?: boolean; maskKey?: Uint8Array | null; rsv1?: boolean } = {},
): Uint8Array[] {
  const fin = opts.fin ?? true;
  const key = opts.maskKey ?? null;
  const n = payload.length;
  const h = headerLength(n, key !== null);
  // RSV1 marks a compressed message (RFC 7692 §6), on its first frame.
  const rsv1 = opts.rsv1 ? 0x40 : 0;
  if (key || n <= 4096) {
    const out = key && n > 4096 ? new Uint8Array(h + n) : pool.take(h + n);
    writeHeader(out, fin, opcode, n, key);
    out[0] |= rsv1;
    out.set(payload, h);
    if (key) mask(out, h, h + n, key);
    return [out];
  }
  const head = pool.take(h);
  writeHeader(head, fin, opcode, n, null);
  head[0] |= rsv1;
  return [head, payload];
}

/** The payload of a Close frame: code, then a UTF-8 reason (§5.5.1). */
export function closePayload(code: number | undefined, reason: string): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const r = new TextEncoder().encode(reason);
  const out = new Uint8Array(2 + r.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
}

/**
 * RFC 6455 §7.4 and the IANA registry: codes an endpoint may send in a Close
 * frame. 1004-1006 and 1015 are reserved and MUST NOT be sent; 1016-2999 are
 * unassigned; 3000-4999 are for libraries and applications.
 */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}
