/** Drives a server-role WebSocket session with frames built by a client-role encoder. */
import { WritePool } from "../../src/buffers/pool.ts";
import { encodeFrame, writeHeader } from "../../src/ws/frame.ts";
import { mask } from "../../src/ws/mask.ts";
import { type SessionEvent, WsSession } from "../../src/ws/session.ts";

const pool = new WritePool();
export const KEY = Uint8Array.of(1, 2, 3, 4);
export const text = (s: string) => new TextEncoder().encode(s);

/** A masked client frame with full control of the header bits. */
export function frame(opcode: number, payload: Uint8Array | string = new Uint8Array(0), opts: { fin?: boolean; rsv?: number; masked?: boolean; length?: number } = {}): Uint8Array {
  const p = typeof payload === "string" ? text(payload) : payload;
  const masked = opts.masked ?? true;
  const out = new Uint8Array(14 + p.length);
  const h = writeHeader(out, opts.fin ?? true, opcode, opts.length ?? p.length, masked ? KEY : null);
  out[0] |= (opts.rsv ?? 0) << 4;
  out.set(p, h);
  if (masked) mask(out, h, h + p.length, KEY);
  return out.subarray(0, h + p.length);
}

export function closeFrame(code?: number, reason: Uint8Array | string = "") {
  const r = typeof reason === "string" ? text(reason) : reason;
  if (code === undefined) return frame(0x8);
  const p = new Uint8Array(2 + r.length);
  p[0] = code >> 8;
  p[1] = code & 0xff;
  p.set(r, 2);
  return frame(0x8, p);
}

/** Decodes the server's unmasked output frames. */
export function decodeFrames(bytes: Uint8Array) {
  const out: { fin: boolean; opcode: number; payload: Uint8Array; masked: boolean }[] = [];
  let i = 0;
  while (i < bytes.length) {
    const fin = (bytes[i]! & 0x80) !== 0, opcode = bytes[i]! & 0xf;
    const masked = (bytes[i + 1]! & 0x80) !== 0;
    let len = bytes[i + 1]! & 0x7f;
    i += 2;
    if (len === 126) (len = (bytes[i]! << 8) | bytes[i + 1]!), (i += 2);
    else if (len === 127) (len = Number(new DataView(bytes.buffer, bytes.byteOffset + i).getBigUint64(0))), (i += 8);
    out.push({ fin, opcode, masked, payload: bytes.slice(i, i + len) });
    i += len;
  }
  return out;
}

export function closeCodeOf(payload: Uint8Array) {
  return payload.length >= 2 ? (payload[0]! << 8) | payload[1]! : 1005;
}

/** Feeds each input to a fresh server session; returns its events and the frames it sent. */
export function run(inputs: Uint8Array[], limits = {}) {
  const s = new WsSession("server", pool, limits);
  const events: SessionEvent[] = [];
  const sent: Uint8Array[] = [];
  for (const i of inputs) {
    s.receive(i, { event: (e) => events.push(e) });
    sent.push(...s.takeOutput());
  }
  const total = new Uint8Array(sent.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of sent) total.set(b, o), (o += b.length);
  const frames = decodeFrames(total);
  const close = frames.find((f) => f.opcode === 8);
  return { session: s, events, frames, closeCode: close ? closeCodeOf(close.payload) : null };
}

export { encodeFrame, pool };
