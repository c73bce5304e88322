/** RFC 9113 §6: frame definitions, their size and flag rules, and the errors for each. */
import { describe, expect, it } from "vitest";
import { Client, E, F, GET, POST, T, goawayCode, rawFrame, rstCode, settings, u32 } from "../helpers/h2.ts";

const fresh = () => {
  const c = new Client();
  c.read();
  return c;
};

describe("§6.1 DATA", () => {
  it("DATA on stream 0 is a PROTOCOL_ERROR", () => expect(goawayCode(fresh().send(rawFrame(T.DATA, 0, 0, [1])))).toBe(E.PROTOCOL_ERROR));
  it("padding is removed; a pad length past the payload is a PROTOCOL_ERROR", () => {
    const c = fresh();
    c.send(c.headers(1, POST, F.END_HEADERS), rawFrame(T.DATA, F.PADDED | F.END_STREAM, 1, [2, 0x61, 0x62, 0, 0]));
    expect(c.events.at(-1)).toMatchObject({ type: "data", text: "ab", end: true });
    const d = fresh();
    d.send(d.headers(1, POST, F.END_HEADERS));
    expect(goawayCode(d.send(rawFrame(T.DATA, F.PADDED, 1, [5, 0, 0])))).toBe(E.PROTOCOL_ERROR);
  });
});

describe("§6.2 HEADERS", () => {
  it("HEADERS on stream 0 is a PROTOCOL_ERROR", () => {
    const c = fresh();
    expect(goawayCode(c.send(c.headers(0, GET)))).toBe(E.PROTOCOL_ERROR);
  });
  it("PADDED and PRIORITY flags are honoured", () => {
    const c = fresh();
    const block = c.enc.encode(GET);
    c.send(rawFrame(T.HEADERS, F.END_HEADERS | F.END_STREAM | F.PADDED | F.PRIORITY, 1, [3, 0, 0, 0, 0, 16, ...block, 0, 0, 0]));
    expect(c.events[0]).toMatchObject({ type: "request", id: 1 });
  });
  it("a stream that depends on itself is a stream error PROTOCOL_ERROR", () => {
    const c = fresh();
    const block = c.enc.encode(GET);
    expect(rstCode(c.send(rawFrame(T.HEADERS, F.END_HEADERS | F.END_STREAM | F.PRIORITY, 1, [...u32(1), 16, ...block])), 1)).toBe(E.PROTOCOL_ERROR);
  });
});

describe("§6.3 PRIORITY", () => {
  it("is accepted and ignored, even on idle streams", () => {
    const c = fresh();
    expect(c.send(rawFrame(T.PRIORITY, 0, 3, [0, 0, 0, 1, 16])).length).toBe(0);
  });
  it("a length other than 5 is a stream error FRAME_SIZE_ERROR", () => expect(rstCode(fresh().send(rawFrame(T.PRIORITY, 0, 1, [0, 0, 0, 0])), 1)).toBe(E.FRAME_SIZE_ERROR));
  it("on stream 0 is a PROTOCOL_ERROR", () => expect(goawayCode(fresh().send(rawFrame(T.PRIORITY, 0, 0, [0, 0, 0, 1, 16])))).toBe(E.PROTOCOL_ERROR));
  it("self-dependency is a stream error PROTOCOL_ERROR", () => expect(rstCode(fresh().send(rawFrame(T.PRIORITY, 0, 1, [0, 0, 0, 1, 16])), 1)).toBe(E.PROTOCOL_ERROR));
});

describe("§6.4 RST_STREAM", () => {
  it("on stream 0 is a PROTOCOL_ERROR", () => expect(goawayCode(fresh().send(rawFrame(T.RST_STREAM, 0, 0, u32(8))))).toBe(E.PROTOCOL_ERROR));
  it("a length other than 4 is a FRAME_SIZE_ERROR", () => {
    const c = fresh();
    c.send(c.headers(1, POST, F.END_HEADERS));
    expect(goawayCode(c.send(rawFrame(T.RST_STREAM, 0, 1, [0, 0, 8])))).toBe(E.FRAME_SIZE_ERROR);
  });
});

describe("§6.5 SETTINGS", () => {
  it("an ACK with a payload is a FRAME_SIZE_ERROR", () => expect(goawayCode(fresh().send(rawFrame(T.SETTINGS, F.ACK, 0, [0, 0, 0, 0, 0, 0])))).toBe(E.FRAME_SIZE_ERROR));
  it("a length not a multiple of 6 is a FRAME_SIZE_ERROR", () => expect(goawayCode(fresh().send(rawFrame(T.SETTINGS, 0, 0, [0, 3, 0, 0])))).toBe(E.FRAME_SIZE_ERROR));
  it("on a stream is a PROTOCOL_ERROR", () => expect(goawayCode(fresh().send(rawFrame(T.SETTINGS, 0, 1, [])))).toBe(E.PROTOCOL_ERROR));
  it("ENABLE_PUSH other than 0/1 is a PROTOCOL_ERROR", () => expect(goawayCode(fresh().send(settings([[2, 2]])))).toBe(E.PROTOCOL_ERROR));
  it("INITIAL_WINDOW_SIZE above 2^31-1 is a FLOW_CONTROL_ERROR", () => expect(goawayCode(fresh().send(settings([[4, 0x80000000]])))).toBe(E.FLOW_CONTROL_ERROR));
  it("MAX_FRAME_SIZE outside 16384..2^24-1 is a PROTOCOL_ERROR", () => {
    expect(goawayCode(fresh().send(settings([[5, 16383]])))).toBe(E.PROTOCOL_ERROR);
    expect(goawayCode(fresh().send(settings([[5, 16777216]])))).toBe(E.PROTOCOL_ERROR);
  });
  it("unknown settings are ignored and ACKed", () => {
    const out = fresh().send(settings([[0x99, 7]]));
    expect(out.some((f) => f.type === T.SETTINGS && f.flags & F.ACK)).toBe(true);
  });
  it("the peer's MAX_FRAME_SIZE bounds our DATA frames; HEADER_TABLE_SIZE 0 empties our encoder's table", () => {
    const c = fresh();
    c.send(settings([[1, 0]]), c.headers(1, GET));
    c.read();
    c.server.respond(1, [[":status", "200"], ["x-custom", "v"]], false);
    c.server.sendData(1, new Uint8Array(20000), true);
    const out = c.read();
    expect(out.filter((f) => f.type === T.DATA).map((f) => f.payload.length)).toEqual([16384, 3616]);
    const h = out.find((f) => f.type === T.HEADERS)!;
    expect(h.payload[0]).toBe(0x20); // size update to 0 first
  });
});

describe("§6.6 PUSH_PROMISE, §6.7 PING, §6.8 GOAWAY", () => {
  it("PUSH_PROMISE from a client is a PROTOCOL_ERROR", () => expect(goawayCode(fresh().send(rawFrame(T.PUSH_PROMISE, F.END_HEADERS, 1, [0, 0, 0, 2])))).toBe(E.PROTOCOL_ERROR));
  it("PING is answered with an ACK carrying the same payload", () => {
    const out = fresh().send(rawFrame(T.PING, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]));
    const ack = out.find((f) => f.type === T.PING)!;
    expect([ack.flags, [...ack.payload]]).toEqual([F.ACK, [1, 2, 3, 4, 5, 6, 7, 8]]);
  });
  it("a PING ACK is not answered", () => expect(fresh().send(rawFrame(T.PING, F.ACK, 0, new Uint8Array(8)))).toHaveLength(0));
  it("PING of the wrong length is a FRAME_SIZE_ERROR; on a stream a PROTOCOL_ERROR", () => {
    expect(goawayCode(fresh().send(rawFrame(T.PING, 0, 0, new Uint8Array(7))))).toBe(E.FRAME_SIZE_ERROR);
    expect(goawayCode(fresh().send(rawFrame(T.PING, 0, 1, new Uint8Array(8))))).toBe(E.PROTOCOL_ERROR);
  });
  it("GOAWAY on a stream is a PROTOCOL_ERROR", () => expect(goawayCode(fresh().send(rawFrame(T.GOAWAY, 0, 1, [...u32(0), ...u32(0)])))).toBe(E.PROTOCOL_ERROR));
});

describe("§6.9 WINDOW_UPDATE", () => {
  it("an increment of 0 is a PROTOCOL_ERROR: connection on stream 0, stream error otherwise", () => {
    expect(goawayCode(fresh().send(rawFrame(T.WINDOW_UPDATE, 0, 0, u32(0))))).toBe(E.PROTOCOL_ERROR);
    const c = fresh();
    c.send(c.headers(1, GET));
    expect(rstCode(c.send(rawFrame(T.WINDOW_UPDATE, 0, 1, u32(0))), 1)).toBe(E.PROTOCOL_ERROR);
  });
  it("a length other than 4 is a FRAME_SIZE_ERROR", () => expect(goawayCode(fresh().send(rawFrame(T.WINDOW_UPDATE, 0, 0, [0, 0, 1])))).toBe(E.FRAME_SIZE_ERROR));
});
