/** RFC 9113 §4 and §6: the frame layout and serializers for every frame type we send. */
import type { WritePool } from "../buffers/pool.ts";

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const FRAME_HEADER_LENGTH = 9;
export const CONNECTION_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  /** A view of the received bytes. */
  payload: Uint8Array;
}

export function writeFrameHeader(out: Uint8Array, o: number, length: number, type: number, flags: number, streamId: number): void {
  out[o] = (length >>> 16) & 0xff;
  out[o + 1] = (length >>> 8) & 0xff;
  out[o + 2] = length & 0xff;
  out[o + 3] = type;
  out[o + 4] = flags;
  out[o + 5] = (streamId >>> 24) & 0x7f; // §4.1: the reserved bit is sent as 0
  out[o + 6] = (streamId >>> 16) & 0xff;
  out[o + 7] = (streamId >>> 8) & 0xff;
  out[o + 8] = streamId & 0xff;
}

export function frame(pool: WritePool, type: number, flags: number, streamId: number, payload: Uint8Array | null): Uint8Array {
  const n = payload ? payload.length : 0;
  const out = pool.take(FRAME_HEADER_LENGTH + n);
  writeFrameHeader(out, 0, n, type, flags, streamId);
  if (payload) out.set(payload, FRAME_HEADER_LENGTH);
  return out;
}

const u32 = (out: Uint8Array, o: number, v: number) => {
  out[o] = (v >>> 24) & 0xff;
  out[o + 1] = (v >>> 16) & 0xff;
  out[o + 2] = (v >>> 8) & 0xff;
  out[o + 3] = v & 0xff;
};

export const readU32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

export function settingsFrame(pool: WritePool, settings: [number, number][]): Uint8Array {
  const p = new Uint8Array(settings.length * 6);
  settings.forEach(([id, v], i) => {
    p[i * 6] = id >> 8;
    p[i * 6 + 1] = id & 0xff;
    u32(p, i * 6 + 2, v);
  });
  return frame(pool, FrameType.SETTINGS, 0, 0, p);
}

export function windowUpdateFrame(pool: WritePool, streamId: number, increment: number): Uint8Array {
  const p = new Uint8Array(4);
  u32(p, 0, increment & 0x7fffffff);
  return frame(pool, FrameType.WINDOW_UPDATE, 0, streamId, p);
}

export function rstStreamFrame(pool: WritePool, streamId: number, code: number): Uint8Array {
  const p = new Uint8Array(4);
  u32(p, 0, code);
  return frame(pool, FrameType.RST_STREAM, 0, streamId, p);
}

export function goawayFrame(pool: WritePool, lastStreamId: number, code: number, debug: string): Uint8Array {
  const d = new TextEncoder().encode(debug);
  const p = new Uint8Array(8 + d.length);
  u32(p, 0, lastStreamId & 0x7fffffff);
  u32(p, 4, code);
  p.set(d, 8);
  return frame(pool, FrameType.GOAWAY, 0, 0, p);
}

/** A header block as HEADERS plus CONTINUATION frames of at most `maxFrame` bytes (§4.3). */
export function headerFrames(pool: WritePool, streamId: number, block: Uint8Array, endStream: boolean, maxFrame: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  let first = true;
  do {
    const n = Math.min(maxFrame, block.length - o);
    const last = o + n >= block.length;
    const type = first ? FrameType.HEADERS : FrameType.CONTINUATION;
    const flags = (last ? Flag.END_HEADERS : 0) | (first && endStream ? Flag.END_STREAM : 0);
    out.push(frame(pool, type, flags, streamId, block.subarray(o, o + n)));
    o += n;
    first = false;
  } while (o < block.length);
  return out;
}

/** A DATA frame header; the payload is written after it as its own view (no copy). */
export function dataFrameHeader(pool: WritePool, streamId: number, length: number, endStream: boolean): Uint8Array {
  const out = pool.take(FRAME_HEADER_LENGTH);
  writeFrameHeader(out, 0, length, FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId);
  return out;
}
