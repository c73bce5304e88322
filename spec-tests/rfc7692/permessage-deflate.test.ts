/**
 * RFC 7692, Compression Extensions for WebSocket: the permessage-deflate negotiation
 * (§5, §7), RSV1 (§6), compressed messages both ways (§7.2), and the limits that keep a
 * compressed message from inflating without bound.
 */
import { randomBytes } from "node:crypto";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { WsSession, type SessionEvent } from "../../src/ws/session.ts";
import { negotiateDeflate } from "../../src/ws/handshake.ts";
import { decodeFrames, frame, pool } from "../helpers/ws.ts";
import { WS_HANDSHAKE, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";
import { upgradeWebSocket } from "../../src/mod.ts";

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const compress = (s: string | Uint8Array) => {
  const c = zlib.deflateRawSync(typeof s === "string" ? Buffer.from(s) : s, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return c.subarray(0, c.length - 4);
};

/** A masked client frame with RSV1 set (a compressed message's first frame). */
function compressedFrame(opcode: number, payload: Uint8Array, fin = true): Uint8Array {
  const f = frame(opcode, payload, { fin });
  f[0] |= 0x40;
  return f;
}

function session(deflate: boolean, limits = {}) {
  const s = new WsSession("server", pool, limits);
  if (deflate) s.enableDeflate({ windowBits: 15 });
  const events: SessionEvent[] = [];
  return {
    s,
    events,
    feed(b: Uint8Array) {
      s.receive(b, { event: (e) => events.push(e) });
    },
    sent() {
      const out = s.takeOutput();
      const all = new Uint8Array(out.reduce((n, b) => n + b.length, 0));
      let o = 0;
      for (const b of out) all.set(b, o), (o += b.length);
      return all;
    },
  };
}

const closeCode = (events: SessionEvent[]) => (events.find((e) => e.type === "close") as { code: number } | undefined)?.code;
const texts = (events: SessionEvent[]) =>
  events.filter((e) => e.type === "message").map((e) => Buffer.from((e as { data: Uint8Array }).data).toString());

describe("RFC 7692 §5, §7 negotiation", () => {
  it("accepts the first acceptable permessage-deflate offer, always with server_no_context_takeover", () => {
    expect(negotiateDeflate("permessage-deflate; client_max_window_bits")).toEqual({ header: "permessage-deflate; server_no_context_takeover", windowBits: 15 });
    expect(negotiateDeflate("x-webkit-deflate-frame, permessage-deflate")).toMatchObject({ header: "permessage-deflate; server_no_context_takeover" });
    expect(negotiateDeflate("permessage-deflate; client_no_context_takeover")?.header).toBe("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  });

  it("server_max_window_bits is honoured and answered", () => {
    expect(negotiateDeflate("permessage-deflate; server_max_window_bits=10")).toEqual({
      header: "permessage-deflate; server_no_context_takeover; server_max_window_bits=10", windowBits: 10,
    });
  });

  it("an offer with an unknown, repeated or invalid parameter is declined; a later valid one is taken", () => {
    expect(negotiateDeflate("permessage-deflate; foo")).toBe(null);
    expect(negotiateDeflate("permessage-deflate; server_no_context_takeover; server_no_context_takeover")).toBe(null);
    expect(negotiateDeflate("permessage-deflate; server_max_window_bits=16")).toBe(null);
    expect(negotiateDeflate("permessage-deflate; server_max_window_bits")).toBe(null);
    expect(negotiateDeflate("permessage-deflate; client_max_window_bits=7")).toBe(null);
    expect(negotiateDeflate("permessage-deflate; foo, permessage-deflate")?.windowBits).toBe(15);
    expect(negotiateDeflate("")).toBe(null);
  });
});

describe("RFC 7692 §6 RSV1 and §7.2 compressed messages", () => {
  it("without the extension, RSV1 is a protocol error (1002)", () => {
    const t = session(false);
    t.feed(compressedFrame(1, compress("hi")));
    expect(closeCode(t.events)).toBe(1002);
  });

  it("a compressed text message, whole or in fragments, is inflated; the window carries to the next one", async () => {
    const t = session(true);
    const d = zlib.createDeflateRaw();
    const chunks: Buffer[] = [];
    d.on("data", (c: Buffer) => chunks.push(c));
    const next = async (s: string) => {
      chunks.length = 0;
      d.write(Buffer.from(s));
      await new Promise<void>((r) => d.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
      const all = Buffer.concat(chunks);
      return all.subarray(0, all.length - 4);
    };
    const first = await next("hello hello hello, compressed world");
    t.feed(compressedFrame(1, first));
    const second = await next("hello hello hello, compressed world"); // mostly a reference into the first
    t.feed(compressedFrame(1, second.subarray(0, 2), false));
    t.feed(frame(0, second.subarray(2)));
    expect(texts(t.events)).toEqual(["hello hello hello, compressed world", "hello hello hello, compressed world"]);
    d.close();
  });

  it("§7.2.3.6: an empty message, sent as 0x00 or as an empty payload, is the empty message", () => {
    const t = session(true);
    t.feed(compressedFrame(1, Uint8Array.of(0x00)));
    t.feed(compressedFrame(1, new Uint8Array(0)));
    t.feed(compressedFrame(1, compress("after")));
    expect(texts(t.events)).toEqual(["", "", "after"]);
  });

  it("RSV1 on a control frame or a continuation frame is a protocol error (1002)", () => {
    const ping = session(true);
    ping.feed(compressedFrame(9, new Uint8Array(0)));
    expect(closeCode(ping.events)).toBe(1002);
    const cont = session(true);
    cont.feed(frame(1, "a", { fin: false }));
    cont.feed(compressedFrame(0, compress("b")));
    expect(closeCode(cont.events)).toBe(1002);
  });

  it("a message that inflates past maxMessageSize is refused with 1009, however small on the wire", () => {
    const t = session(true, { maxMessageSize: 64 * 1024 });
    const bomb = compress(new Uint8Array(1 << 20));
    expect(bomb.length).toBeLessThan(2000);
    t.feed(compressedFrame(2, bomb));
    expect(closeCode(t.events)).toBe(1009);
  });

  it("data that does not inflate is 1007; inflated text that is not UTF-8 is 1007", () => {
    const bad = session(true);
    bad.feed(compressedFrame(2, Uint8Array.from([0xff, 0xff, 0xff])));
    expect(closeCode(bad.events)).toBe(1007);
    const notUtf8 = session(true);
    notUtf8.feed(compressedFrame(1, compress(Uint8Array.from([0xc3, 0x28]))));
    expect(closeCode(notUtf8.events)).toBe(1007);
  });

  it("our messages of 64 bytes or more go compressed with RSV1 when that makes them smaller; others plain", () => {
    const first = (send: (t: ReturnType<typeof session>) => void) => {
      const t = session(true);
      send(t);
      const bytes = t.sent();
      return { b0: bytes[0]!, payload: decodeFrames(bytes)[0]!.payload };
    };
    const long = "compress me ".repeat(100);
    const big = first((t) => t.s.send(false, Buffer.from(long)));
    expect(big.b0).toBe(0xc1); // FIN, RSV1, text
    expect(big.payload.length).toBeLessThan(long.length / 4);
    expect(zlib.inflateRawSync(Buffer.concat([big.payload, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString()).toBe(long);
    expect(first((t) => t.s.send(false, Buffer.from("short"))).b0).toBe(0x81);
    const noise = randomBytes(500);
    expect(first((t) => t.s.send(true, noise)).b0).toBe(0x82); // would not shrink
    expect(first((t) => t.s.send(false, Buffer.from(long), false)).b0).toBe(0x81); // the caller said no
  });
});

describe("the option on both APIs", () => {
  const start = fakeServerPerTest();
  const OFFER = Buffer.from(WS_HANDSHAKE.toString("latin1").replace("\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"), "latin1");

  it("Bun style: websocket.perMessageDeflate agrees to the offer; a message comes back compressed", async () => {
    const server = await start((req, srv) => {
      (srv as unknown as { upgrade(r: Request): boolean }).upgrade(req);
      return undefined;
    }, { websocket: { perMessageDeflate: true, message: (ws, m) => void ws.send(m) } });
    const conn = server.connect();
    conn.handler.data(OFFER);
    await settle();
    expect(conn.text()).toContain("sec-websocket-extensions: permessage-deflate; server_no_context_takeover\r\n");
    const before = conn.written.length;
    const long = "echo me ".repeat(200);
    conn.handler.data(compressedFrame(1, compress(long)));
    await settle();
    const reply = Buffer.concat(conn.written.slice(before));
    expect(reply[0]).toBe(0xc1);
    const payload = decodeFrames(reply)[0]!.payload;
    expect(zlib.inflateRawSync(Buffer.concat([payload, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString()).toBe(long);
  });

  it("Deno style: off unless asked; socket.extensions says what was agreed", async () => {
    const agreed: string[] = [];
    const server = await start((req) => {
      const on = new URL(req.url).searchParams.has("deflate");
      const { socket, response } = upgradeWebSocket(req, on ? { perMessageDeflate: true } : {});
      agreed.push(socket.extensions);
      return response;
    });
    server.connect().handler.data(OFFER);
    server.connect().handler.data(Buffer.from(OFFER.toString("latin1").replace("GET /ws ", "GET /ws?deflate "), "latin1"));
    await settle();
    expect(agreed).toEqual(["", "permessage-deflate; server_no_context_takeover"]);
  });
});

describe("publish to sockets that agreed to compression", () => {
  const start = fakeServerPerTest();

  it("every subscriber gets the message compressed for its window; one that did not agree gets it plain", async () => {
    const server = await start((req, srv) => {
      (srv as unknown as { upgrade(r: Request): boolean }).upgrade(req);
      return undefined;
    }, {
      websocket: {
        perMessageDeflate: true,
        open: (ws) => ws.subscribe("room"),
        message: (ws, m) => void ws.publish("room", m),
      },
    });
    const offer = (ext: string) =>
      Buffer.from(WS_HANDSHAKE.toString("latin1").replace("\r\n\r\n", ext ? `\r\nSec-WebSocket-Extensions: ${ext}\r\n\r\n` : "\r\n\r\n"), "latin1");
    const wide = server.connect(), narrow = server.connect(), plain = server.connect(), sender = server.connect();
    wide.handler.data(offer("permessage-deflate"));
    narrow.handler.data(offer("permessage-deflate; server_max_window_bits=9"));
    plain.handler.data(offer(""));
    sender.handler.data(offer("permessage-deflate"));
    await settle();
    const from = [wide, narrow, plain].map((c) => c.written.length);
    const long = "to everyone in the room ".repeat(100);
    sender.handler.data(frame(1, long));
    await settle();
    const first = [wide, narrow, plain].map((c, i) => {
      const bytes = Buffer.concat(c.written.slice(from[i]));
      return { b0: bytes[0], payload: Buffer.from(decodeFrames(bytes)[0]!.payload) };
    });
    expect(first.map((f) => f.b0)).toEqual([0xc1, 0xc1, 0x81]);
    for (const f of first.slice(0, 2)) {
      expect(zlib.inflateRawSync(Buffer.concat([f.payload, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString()).toBe(long);
    }
    expect(first[2]!.payload.toString()).toBe(long);
  });
});
