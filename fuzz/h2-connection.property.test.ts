/**
 * HTTP/2 connection properties (RFC 9113), with fast-check: any sequence of frames, valid
 * or not, split into reads anyhow, with an application that answers every request it is
 * given, never makes the connection throw, and leaves it in a legal state:
 *
 * - what it writes is a clean sequence of frames, starting with its SETTINGS preface;
 * - every GOAWAY and RST_STREAM carries a code of RFC 9113 §7, and a connection error is
 *   the last thing written; a stream we reset while it was open on our side gets no
 *   second RST_STREAM unless the client sends on it after resetting it itself;
 * - HEADERS and DATA go only on streams the client opened, never after our END_STREAM or
 *   RST_STREAM on that stream (§5.1), and DATA stays within the connection window the
 *   client gave (§6.9);
 * - every request the application answered was answered (HEADERS), or its stream was
 *   reset, or the connection ended with GOAWAY.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WritePool } from "../src/buffers/pool.ts";
import { ConnectionError } from "../src/h2/errors.ts";
import { H2ServerConnection } from "../src/h2/connection.ts";
import { CONNECTION_PREFACE } from "../src/h2/frames.ts";
import { HpackEncoder } from "../src/hpack/encoder.ts";
import { assertFor, testTimeout } from "./budget.ts";

const T = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 };
const END_STREAM = 1, END_HEADERS = 4, PADDED = 8, PRIORITY_FLAG = 0x20;

interface Wire {
  type: number;
  flags: number;
  id: number;
  payload: Uint8Array;
}

function encodeFrame(f: Wire): Uint8Array {
  const out = new Uint8Array(9 + f.payload.length);
  out[0] = f.payload.length >>> 16;
  out[1] = (f.payload.length >>> 8) & 0xff;
  out[2] = f.payload.length & 0xff;
  out[3] = f.type;
  out[4] = f.flags;
  new DataView(out.buffer).setUint32(5, f.id >>> 0);
  out.set(f.payload, 9);
  return out;
}

const u32 = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0);
  return b;
};

// Header blocks: valid requests (encoded by a fresh encoder, so only static-table and
// literal representations), malformed ones, and raw bytes.
const REQUESTS: [string, string][][] = [
  [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "a"]],
  [[":method", "POST"], [":scheme", "http"], [":path", "/p"], [":authority", "a"], ["content-length", "3"]],
  [[":method", "POST"], [":scheme", "https"], [":path", "/q"], [":authority", "a"]],
  [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "a"], ["X-Upper", "1"]],
  [[":method", "GET"], [":path", "/"]],
  [[":method", "CONNECT"], [":protocol", "websocket"], [":scheme", "http"], [":path", "/ws"], [":authority", "a"]],
  [["x-trailer", "1"]],
];
const block = fc.oneof(
  fc.constantFrom(...REQUESTS).map((fields) => new HpackEncoder().encode(fields)),
  fc.uint8Array({ maxLength: 40 }),
);

const streamId = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 13 }), fc.constant(2 ** 31 - 1), fc.integer({ min: 0, max: 2 ** 31 - 1 }));
const flags = (...allowed: number[]) => fc.subarray(allowed).map((fs) => fs.reduce((a, b) => a | b, 0));
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const increment = fc.oneof(fc.constantFrom(0, 1, 100, 65535, 2 ** 31 - 1, 2 ** 31), fc.integer({ min: 0, max: 2 ** 32 - 1 }));

const frameArb: fc.Arbitrary<Wire> = fc.oneof(
  fc.record({ type: fc.constant(T.DATA), flags: flags(END_STREAM, PADDED), id: streamId, payload: bytes(64) }),
  fc.record({ type: fc.constant(T.HEADERS), flags: flags(END_STREAM, END_HEADERS, PADDED, PRIORITY_FLAG), id: streamId, payload: block }).map((f) => {
    // A padded or prioritised frame gets the fields those flags announce, most of the time.
    let p = f.payload;
    if (f.flags & PRIORITY_FLAG) p = Uint8Array.from([0, 0, 0, 0, 16, ...p]);
    if (f.flags & PADDED) p = Uint8Array.from([2, ...p, 0, 0]);
    return { ...f, payload: p };
  }),
  fc.record({ type: fc.constant(T.HEADERS), flags: fc.constant(END_HEADERS | END_STREAM), id: fc.integer({ min: 0, max: 20 }).map((i) => 2 * i + 1), payload: block }),
  fc.record({ type: fc.constant(T.PRIORITY), flags: fc.constant(0), id: streamId, payload: fc.oneof(bytes(5).map((b) => Uint8Array.from({ length: 5 }, (_, i) => b[i] ?? 0)), bytes(8)) }),
  fc.record({ type: fc.constant(T.RST_STREAM), flags: fc.constant(0), id: streamId, payload: fc.oneof(fc.integer({ min: 0, max: 15 }).map(u32), bytes(6)) }),
  fc.record({
    type: fc.constant(T.SETTINGS),
    flags: flags(1),
    id: fc.oneof(fc.constant(0), streamId),
    payload: fc.oneof(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.oneof(fc.constantFrom(0, 1, 16384, 65535, 2 ** 24, 2 ** 31), fc.integer({ min: 0, max: 2 ** 32 - 1 }))), { maxLength: 4 })
        .map((pairs) => Uint8Array.from(pairs.flatMap(([k, v]) => [k >> 8, k & 0xff, ...u32(v)]))),
      bytes(13),
    ),
  }),
  fc.record({ type: fc.constant(T.PUSH_PROMISE), flags: flags(END_HEADERS), id: streamId, payload: bytes(12) }),
  fc.record({ type: fc.constant(T.PING), flags: flags(1), id: fc.oneof(fc.constant(0), streamId), payload: fc.oneof(bytes(8).map((b) => Uint8Array.from({ length: 8 }, (_, i) => b[i] ?? 0)), bytes(10)) }),
  fc.record({ type: fc.constant(T.GOAWAY), flags: fc.constant(0), id: fc.oneof(fc.constant(0), streamId), payload: bytes(16) }),
  fc.record({ type: fc.constant(T.WINDOW_UPDATE), flags: fc.constant(0), id: streamId, payload: fc.oneof(increment.map(u32), bytes(6)) }),
  fc.record({ type: fc.constant(T.CONTINUATION), flags: flags(END_HEADERS), id: streamId, payload: block }),
  fc.record({ type: fc.integer({ min: 10, max: 255 }), flags: fc.integer({ min: 0, max: 255 }), id: streamId, payload: bytes(16) }),
);

/** The client's preface, then the frames, as one byte string cut into reads at the given points. */
function reads(frames: Wire[], cuts: number[], withSettings: boolean): Uint8Array[] {
  const parts = [new TextEncoder().encode(CONNECTION_PREFACE), ...(withSettings ? [encodeFrame({ type: T.SETTINGS, flags: 0, id: 0, payload: new Uint8Array(0) })] : []), ...frames.map(encodeFrame)];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) all.set(p, o), (o += p.length);
  const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, all.length]) {
    if (p > prev) out.push(all.slice(prev, p));
    prev = p;
  }
  return out;
}

function parseOutput(bytes: Uint8Array): { frames: Wire[]; rest: number } {
  const frames: Wire[] = [];
  let i = 0;
  while (i + 9 <= bytes.length) {
    const len = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    if (i + 9 + len > bytes.length) break;
    frames.push({ type: bytes[i + 3]!, flags: bytes[i + 4]!, id: new DataView(bytes.buffer, bytes.byteOffset + i + 5, 4).getUint32(0) & 0x7fffffff, payload: bytes.subarray(i + 9, i + 9 + len) });
    i += 9 + len;
  }
  return { frames, rest: bytes.length - i };
}

/** Runs a connection over the reads with an application that answers every request, and checks the properties. */
function check(frames: Wire[], cuts: number[], withSettings: boolean, bodySize: number): void {
  const answered = new Set<number>();
  const resetByPeer = new Set<number>();
  const pending: (() => void)[] = [];
  let closedWith: ConnectionError | null | undefined;
  const conn: H2ServerConnection = new H2ServerConnection(new WritePool(), {
    onRequest: (id, _req, end) => {
      if (end) pending.push(() => answer(id));
    },
    onData: (id, _data, end) => {
      if (end) pending.push(() => answer(id));
    },
    onTrailers: (id) => pending.push(() => answer(id)),
    onReset: (id, _code, byPeer) => {
      if (byPeer) resetByPeer.add(id);
    },
    onWritable: () => {},
    onClose: (e) => (closedWith = e),
  });
  // The application answers after the read that completed the request, as the facade does.
  function answer(id: number) {
    answered.add(id);
    conn.respond(id, [[":status", "200"]], bodySize === 0);
    if (bodySize > 0) conn.sendData(id, new Uint8Array(bodySize), true);
  }
  const out: Uint8Array[] = [];
  let now = 0;
  for (const r of reads(frames, cuts, withSettings)) {
    conn.receive(r, (now += 7));
    for (const p of pending.splice(0)) p();
    out.push(...conn.takeOutput());
  }
  conn.tick(now + 1000);
  conn.shutdown();
  out.push(...conn.takeOutput());

  const total = new Uint8Array(out.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of out) total.set(b, o), (o += b.length);
  const { frames: sent, rest } = parseOutput(total);
  expect(rest).toBe(0);
  expect(sent[0]).toMatchObject({ type: T.SETTINGS, flags: 0, id: 0 });

  const peerReset = new Set(frames.filter((f) => f.type === T.RST_STREAM).map((f) => f.id));
  const opened = new Set(frames.filter((f) => f.type === T.HEADERS && f.id % 2 === 1).map((f) => f.id));
  // Without the client's SETTINGS first (§3.4), no stream may open.
  if (!withSettings && !(frames[0]?.type === T.SETTINGS && frames[0].flags === 0)) opened.clear();
  let connectionWindow = 65535;
  for (const f of frames) if (f.type === T.WINDOW_UPDATE && f.id === 0 && f.payload.length === 4) connectionWindow += new DataView(f.payload.buffer, f.payload.byteOffset).getUint32(0) & 0x7fffffff;
  let dataSent = 0;
  const ended = new Set<number>();
  const reset = new Set<number>();
  const resetWhileOpen = new Set<number>();
  let goawayError = false;
  for (const f of sent) {
    expect(goawayError, "nothing follows a GOAWAY with an error").toBe(false);
    if (f.type === T.GOAWAY || f.type === T.RST_STREAM) {
      const code = new DataView(f.payload.buffer, f.payload.byteOffset).getUint32(f.type === T.GOAWAY ? 4 : 0);
      expect(code).toBeLessThanOrEqual(0xd);
      if (f.type === T.GOAWAY) {
        expect(f.id).toBe(0);
        goawayError = code !== 0;
      } else {
        expect(f.id).toBeGreaterThan(0);
        // Once we reset a stream still open on our side, what the client had in flight is
        // ignored: no second RST_STREAM, unless the client sends on it after its own RST_STREAM
        // (§5.1: STREAM_CLOSED). A stream we had ended may get one per frame sent on it.
        expect(resetWhileOpen.has(f.id) && !peerReset.has(f.id), `a second RST_STREAM on stream ${f.id}`).toBe(false);
        if (!ended.has(f.id)) resetWhileOpen.add(f.id);
        reset.add(f.id);
      }
      continue;
    }
    if (f.type === T.HEADERS || f.type === T.DATA) {
      expect(opened.has(f.id), `${f.type === T.DATA ? "DATA" : "HEADERS"} on stream ${f.id}, which the client never opened`).toBe(true);
      expect(ended.has(f.id) || reset.has(f.id), `a frame on stream ${f.id} after our END_STREAM or RST_STREAM`).toBe(false);
      if (f.type === T.DATA) dataSent += f.payload.length;
      if (f.flags & END_STREAM) ended.add(f.id);
      continue;
    }
    expect([T.SETTINGS, T.PING, T.WINDOW_UPDATE]).toContain(f.type);
    expect(f.id).toBe(0); // our WINDOW_UPDATEs for streams are checked below
  }
  expect(dataSent).toBeLessThanOrEqual(connectionWindow);
  if (closedWith instanceof ConnectionError) {
    const last = sent.at(-1)!;
    expect(last.type).toBe(T.GOAWAY);
    expect(new DataView(last.payload.buffer, last.payload.byteOffset).getUint32(4)).toBe(closedWith.code);
  }
  const goaway = sent.some((f) => f.type === T.GOAWAY);
  for (const id of answered) {
    const served = sent.some((f) => f.type === T.HEADERS && f.id === id);
    expect(served || reset.has(id) || resetByPeer.has(id) || goaway, `stream ${id} was answered by the application but nothing was sent`).toBe(true);
  }
}

describe("HTTP/2 connection properties", () => {
  it("any frame sequence, in any reads: never throws, and leaves a legal state", async () => {
    await assertFor(
      "h2 connection, any frames",
      fc.property(fc.array(frameArb, { maxLength: 24 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), fc.constantFrom(0, 5, 70_000), (frames, cuts, settings, body) => {
        check(frames, cuts, settings, body);
      }),
      400,
    );
  }, testTimeout);

  it("valid requests among invalid frames: the same, weighted towards open streams", async () => {
    const open = fc.integer({ min: 0, max: 6 }).map((i) => 2 * i + 1);
    const near: fc.Arbitrary<Wire> = fc.oneof(
      fc.record({ type: fc.constant(T.HEADERS), flags: fc.constantFrom(END_HEADERS, END_HEADERS | END_STREAM), id: open, payload: fc.constantFrom(...REQUESTS.slice(0, 3)).map((r) => new HpackEncoder().encode(r)) }),
      fc.record({ type: fc.constant(T.DATA), flags: flags(END_STREAM), id: open, payload: bytes(8) }),
      fc.record({ type: fc.constant(T.RST_STREAM), flags: fc.constant(0), id: open, payload: fc.integer({ min: 0, max: 13 }).map(u32) }),
      fc.record({ type: fc.constant(T.WINDOW_UPDATE), flags: fc.constant(0), id: fc.oneof(fc.constant(0), open), payload: increment.map(u32) }),
      frameArb,
    );
    await assertFor(
      "h2 connection, open streams",
      fc.property(fc.array(near, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 6 }), fc.constantFrom(0, 5, 70_000), (frames, cuts, body) => {
        check(frames, cuts, true, body);
      }),
      400,
    );
  }, testTimeout);
});
