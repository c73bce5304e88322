/** Drives the sans-I/O HTTP/2 server connection with raw client frames. */
import { WritePool } from "../../src/buffers/pool.ts";
import { HpackDecoder } from "../../src/hpack/decoder.ts";
import { HpackEncoder } from "../../src/hpack/encoder.ts";
import { H2ServerConnection, type H2Options } from "../../src/h2/connection.ts";
import { CONNECTION_PREFACE, writeFrameHeader } from "../../src/h2/frames.ts";

export const T = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 };
export const F = { END_STREAM: 1, ACK: 1, END_HEADERS: 4, PADDED: 8, PRIORITY: 0x20 };
export const E = { NO_ERROR: 0, PROTOCOL_ERROR: 1, FLOW_CONTROL_ERROR: 3, STREAM_CLOSED: 5, FRAME_SIZE_ERROR: 6, REFUSED_STREAM: 7, COMPRESSION_ERROR: 9, ENHANCE_YOUR_CALM: 11 };

export function rawFrame(type: number, flags: number, streamId: number, payload: Uint8Array | number[] = []): Uint8Array {
  const p = payload instanceof Uint8Array ? payload : Uint8Array.from(payload);
  const out = new Uint8Array(9 + p.length);
  writeFrameHeader(out, 0, p.length, type, flags, streamId);
  out.set(p, 9);
  return out;
}

export const u32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
export const settings = (pairs: [number, number][] = []) => rawFrame(T.SETTINGS, 0, 0, pairs.flatMap(([id, v]) => [id >> 8, id & 0xff, ...u32(v)]));

export const GET: [string, string][] = [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "example.com"]];
export const POST: [string, string][] = [[":method", "POST"], [":scheme", "http"], [":path", "/"], [":authority", "example.com"]];

export interface Received {
  type: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
}

/** A client session against one server connection, recording what the app layer saw. */
export class Client {
  readonly enc = new HpackEncoder();
  readonly dec = new HpackDecoder(4096);
  readonly server: H2ServerConnection;
  readonly events: Array<Record<string, unknown>> = [];
  closedWith: unknown = undefined;
  now = 0;
  private buffer = new Uint8Array(0);

  constructor(options: Partial<H2Options> = {}, opts: { preface?: boolean } = {}) {
    this.server = new H2ServerConnection(new WritePool(), {
      onRequest: (id, req, end) => this.events.push({ type: "request", id, req, end }),
      onData: (id, data, end) => this.events.push({ type: "data", id, text: Buffer.from(data).toString(), end }),
      onTrailers: (id, fields) => this.events.push({ type: "trailers", id, fields }),
      onReset: (id, code, byPeer) => this.events.push({ type: "reset", id, code, byPeer }),
      onWritable: (id) => this.events.push({ type: "writable", id }),
      onClose: (e) => (this.closedWith = e),
    }, options);
    if (opts.preface !== false) this.send(Buffer.from(CONNECTION_PREFACE), settings());
  }

  send(...chunks: Uint8Array[]): Received[] {
    for (const c of chunks) this.server.receive(c, this.now);
    return this.read();
  }

  /** Frames the server has written since the last read. */
  read(): Received[] {
    const out = this.server.takeOutput();
    const total = Buffer.concat([this.buffer, ...out]);
    const frames: Received[] = [];
    let i = 0;
    while (i + 9 <= total.length) {
      const len = (total[i]! << 16) | (total[i + 1]! << 8) | total[i + 2]!;
      if (i + 9 + len > total.length) break;
      frames.push({ type: total[i + 3]!, flags: total[i + 4]!, streamId: total.readUInt32BE(i + 5) & 0x7fffffff, payload: total.subarray(i + 9, i + 9 + len) });
      i += 9 + len;
    }
    this.buffer = total.subarray(i);
    return frames;
  }

  headers(id: number, fields: [string, string][], flags = F.END_STREAM | F.END_HEADERS): Uint8Array {
    return rawFrame(T.HEADERS, flags, id, this.enc.encode(fields));
  }

  /** The server's HEADERS decoded, for frames in `frames`. */
  decodeHeaders(f: Received): string[] {
    return this.dec.decode(f.payload).fields;
  }
}

export const goawayCode = (frames: Received[]) => {
  const g = frames.find((f) => f.type === T.GOAWAY);
  return g ? g.payload.readUInt32BE?.(4) ?? Buffer.from(g.payload).readUInt32BE(4) : null;
};
export const rstCode = (frames: Received[], id: number) => {
  const r = frames.find((f) => f.type === T.RST_STREAM && f.streamId === id);
  return r ? Buffer.from(r.payload).readUInt32BE(0) : null;
};

/**
 * A header block of literal fields without indexing (RFC 7541 §6.2.2), written by hand
 * (names and values under 127 bytes): for peer tests whose client side must use no
 * codec of ours.
 */
export function literalBlock(fields: [string, string][]): Buffer {
  return Buffer.concat(fields.map(([n, v]) => Buffer.concat([Buffer.from([0, n.length]), Buffer.from(n), Buffer.from([v.length]), Buffer.from(v)])));
}
