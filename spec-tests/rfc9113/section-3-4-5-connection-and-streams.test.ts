/** RFC 9113 §3 (starting HTTP/2), §4 (frames), §5 (streams, flow control, errors). */
import { describe, expect, it } from "vitest";
import { CONNECTION_PREFACE } from "../../src/h2/frames.ts";
import { Client, E, F, GET, POST, T, goawayCode, rawFrame, rstCode, settings, u32 } from "../helpers/h2.ts";

describe("§3.4 connection preface", () => {
  it("the server's preface is a SETTINGS frame, and it ACKs the client's SETTINGS", () => {
    const c = new Client({}, { preface: false });
    const first = c.read();
    expect(first[0]!.type).toBe(T.SETTINGS);
    const after = c.send(Buffer.from(CONNECTION_PREFACE), settings());
    expect(after.some((f) => f.type === T.SETTINGS && f.flags & F.ACK)).toBe(true);
  });
  it("an invalid preface is a connection error PROTOCOL_ERROR", () => {
    const c = new Client({}, { preface: false });
    c.read();
    expect(goawayCode(c.send(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")))).toBe(E.PROTOCOL_ERROR);
  });
  it("a first frame other than SETTINGS is a connection error PROTOCOL_ERROR", () => {
    const c = new Client({}, { preface: false });
    c.read();
    expect(goawayCode(c.send(Buffer.from(CONNECTION_PREFACE), rawFrame(T.PING, 0, 0, new Uint8Array(8))))).toBe(E.PROTOCOL_ERROR);
  });
});

describe("§4 frames", () => {
  it("§4.1: unknown frame types are ignored", () => {
    const c = new Client();
    c.read();
    expect(c.send(rawFrame(0x42, 0xff, 0, [1, 2, 3]), c.headers(1, GET)).some((f) => f.type === T.GOAWAY)).toBe(false);
    expect(c.events[0]).toMatchObject({ type: "request", id: 1 });
  });
  it("§4.1: unknown flags are ignored", () => {
    const c = new Client();
    c.read();
    c.send(rawFrame(T.HEADERS, F.END_STREAM | F.END_HEADERS | 0x40 | 0x10, 1, c.enc.encode(GET)));
    expect(c.events[0]).toMatchObject({ type: "request", id: 1 });
  });
  it("§4.2: a frame over SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS));
    expect(goawayCode(c.send(rawFrame(T.DATA, 0, 1, new Uint8Array(16385))))).toBe(E.FRAME_SIZE_ERROR);
  });
  it("§4.3: a header block that does not decode is a COMPRESSION_ERROR", () => {
    const c = new Client();
    c.read();
    expect(goawayCode(c.send(rawFrame(T.HEADERS, F.END_HEADERS | F.END_STREAM, 1, [0x80])))).toBe(E.COMPRESSION_ERROR);
  });
  it("§4.3: a header block split into HEADERS + CONTINUATION is reassembled", () => {
    const c = new Client();
    c.read();
    const block = c.enc.encode(GET);
    c.send(rawFrame(T.HEADERS, F.END_STREAM, 1, block.subarray(0, 3)), rawFrame(T.CONTINUATION, 0, 1, block.subarray(3, 5)), rawFrame(T.CONTINUATION, F.END_HEADERS, 1, block.subarray(5)));
    expect(c.events[0]).toMatchObject({ type: "request", id: 1, end: true });
  });
  it("§4.3: any other frame between HEADERS and CONTINUATION is a PROTOCOL_ERROR", () => {
    const c = new Client();
    c.read();
    const block = c.enc.encode(GET);
    expect(goawayCode(c.send(rawFrame(T.HEADERS, F.END_STREAM, 1, block.subarray(0, 3)), rawFrame(T.PING, 0, 0, new Uint8Array(8))))).toBe(E.PROTOCOL_ERROR);
  });
  it("§6.10: CONTINUATION on another stream, or without HEADERS, is a PROTOCOL_ERROR", () => {
    const c = new Client();
    c.read();
    const block = c.enc.encode(GET);
    expect(goawayCode(c.send(rawFrame(T.HEADERS, F.END_STREAM, 1, block.subarray(0, 3)), rawFrame(T.CONTINUATION, F.END_HEADERS, 3, block.subarray(3))))).toBe(E.PROTOCOL_ERROR);
    const d = new Client();
    d.read();
    expect(goawayCode(d.send(rawFrame(T.CONTINUATION, F.END_HEADERS, 1, [0x82])))).toBe(E.PROTOCOL_ERROR);
  });
});

describe("§5.1 stream states", () => {
  it("§5.1.1: an even client stream id is a PROTOCOL_ERROR", () => {
    const c = new Client();
    c.read();
    expect(goawayCode(c.send(c.headers(2, GET)))).toBe(E.PROTOCOL_ERROR);
  });
  it("§5.1.1: a stream id lower than one already used is a PROTOCOL_ERROR", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(5, GET));
    expect(goawayCode(c.send(c.headers(3, GET)))).toBe(E.PROTOCOL_ERROR);
  });
  it("idle: DATA on an idle stream is a connection error PROTOCOL_ERROR", () => {
    const c = new Client();
    c.read();
    expect(goawayCode(c.send(rawFrame(T.DATA, 0, 1, [1])))).toBe(E.PROTOCOL_ERROR);
  });
  it("idle: RST_STREAM and WINDOW_UPDATE on an idle stream are PROTOCOL_ERRORs", () => {
    const c = new Client();
    c.read();
    expect(goawayCode(c.send(rawFrame(T.RST_STREAM, 0, 1, u32(8))))).toBe(E.PROTOCOL_ERROR);
    const d = new Client();
    d.read();
    expect(goawayCode(d.send(rawFrame(T.WINDOW_UPDATE, 0, 1, u32(1))))).toBe(E.PROTOCOL_ERROR);
  });
  it("half-closed (remote): DATA is a stream error STREAM_CLOSED", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, GET));
    expect(rstCode(c.send(rawFrame(T.DATA, 0, 1, [1])), 1)).toBe(E.STREAM_CLOSED);
  });
  it("half-closed (remote): HEADERS is a stream error STREAM_CLOSED", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, GET));
    expect(rstCode(c.send(c.headers(1, GET)), 1)).toBe(E.STREAM_CLOSED);
  });
  it("closed: HEADERS after RST_STREAM is a connection error STREAM_CLOSED; DATA a stream error", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS), rawFrame(T.RST_STREAM, 0, 1, u32(8)));
    expect(rstCode(c.send(rawFrame(T.DATA, 0, 1, [1])), 1)).toBe(E.STREAM_CLOSED);
    expect(goawayCode(c.send(c.headers(1, GET)))).toBe(E.STREAM_CLOSED);
  });
  it("closed by our RST_STREAM: what the peer had in flight is ignored, its DATA credited, its header block decoded", () => {
    const c = new Client();
    c.read();
    // An uppercase field name: we reset stream 1 (PROTOCOL_ERROR) while the client is still sending.
    expect(rstCode(c.send(c.headers(1, [...POST, ["X-Upper", "1"]], F.END_HEADERS)), 1)).toBe(E.PROTOCOL_ERROR);
    const after = c.send(rawFrame(T.DATA, 0, 1, new Uint8Array(100)), c.headers(1, [["x-trailer", "kept in the table"]]));
    expect(after.filter((f) => f.type === T.RST_STREAM || f.type === T.GOAWAY)).toEqual([]);
    // The trailer block's new table entry is used by the next request: the server decoded it.
    c.send(c.headers(3, [...GET, ["x-trailer", "kept in the table"]]));
    expect(c.events.at(-1)).toMatchObject({ type: "request", id: 3, req: { fields: ["x-trailer", "kept in the table"] } });
    expect(c.closedWith).toBeUndefined();
  });
  it("a stream the peer closed stays the peer's: a frame it sends after is still an error, even once we answered one", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, GET));
    c.server.respond(1, [[":status", "204"]], true);
    c.read();
    // Closed both ways by END_STREAM: DATA is a stream error, and HEADERS still a connection error after it.
    expect(rstCode(c.send(rawFrame(T.DATA, 0, 1, [1])), 1)).toBe(E.STREAM_CLOSED);
    expect(goawayCode(c.send(c.headers(1, GET)))).toBe(E.STREAM_CLOSED);
  });
  it("closed streams are remembered for the last 1,024: a frame on an older one reads as a stream id gone backwards", () => {
    const c = new Client({ maxConcurrentStreams: 2000 });
    c.read();
    const count = 1100;
    for (let i = 0, id = 1; i < count; i++, id += 2) {
      c.send(c.headers(id, GET));
      c.server.respond(id, [[":status", "204"]], true);
    }
    c.read();
    // The newest 1,024 closed streams: HEADERS on one is STREAM_CLOSED.
    const recent = 2 * (count - 1024) + 1;
    expect(goawayCode(c.send(c.headers(recent, GET)))).toBe(E.STREAM_CLOSED);
    // Older ones are forgotten in the order they closed: a lower id than the last, PROTOCOL_ERROR.
    const d = new Client({ maxConcurrentStreams: 2000 });
    d.read();
    for (let i = 0, id = 1; i < count; i++, id += 2) {
      d.send(d.headers(id, GET));
      d.server.respond(id, [[":status", "204"]], true);
    }
    d.read();
    expect(goawayCode(d.send(d.headers(recent - 2, GET)))).toBe(E.PROTOCOL_ERROR);
  });
  it("closed by our RST_STREAM, then the peer's crossing it: anything the peer sends after its own RST_STREAM is STREAM_CLOSED", () => {
    // As over TLS, each frame in its own read: the response is out, we asked the client to
    // stop sending with RST_STREAM(NO_ERROR) (§8.1), and its RST_STREAM crossed ours.
    const c = new Client();
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS));
    c.server.respond(1, [[":status", "204"]], true);
    c.server.stopReceiving(1);
    expect(rstCode(c.read(), 1)).toBe(E.NO_ERROR);
    expect(c.send(rawFrame(T.RST_STREAM, 0, 1, u32(8)))).toEqual([]);
    expect(rstCode(c.send(rawFrame(T.DATA, 0, 1, [1])), 1)).toBe(E.STREAM_CLOSED);
    expect(rstCode(c.send(rawFrame(T.WINDOW_UPDATE, 0, 1, u32(1))), 1)).toBe(E.STREAM_CLOSED);
    expect(goawayCode(c.send(c.headers(1, GET)))).toBe(E.STREAM_CLOSED);
  });
  it("closed by our RST_STREAM: a malformed frame the peer still sends on it is ignored too, not reset again (found by fuzz/)", () => {
    const c = new Client();
    c.read();
    expect(rstCode(c.send(c.headers(1, [[":method", "GET"], [":path", "/"]], F.END_HEADERS)), 1)).toBe(E.PROTOCOL_ERROR);
    // A PRIORITY of the wrong length is a stream error FRAME_SIZE_ERROR (§6.3), but on a stream we reset it is ignored.
    expect(c.send(rawFrame(T.PRIORITY, 0, 1, []))).toEqual([]);
    expect(c.closedWith).toBeUndefined();
  });
  it("closed by the peer's RST_STREAM: WINDOW_UPDATE after it is STREAM_CLOSED too, a frame per read", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS));
    c.send(rawFrame(T.RST_STREAM, 0, 1, u32(8)));
    expect(rstCode(c.send(rawFrame(T.WINDOW_UPDATE, 0, 1, u32(100))), 1)).toBe(E.STREAM_CLOSED);
    // PRIORITY is the one frame allowed on a closed stream.
    expect(c.send(rawFrame(T.PRIORITY, 0, 1, [0, 0, 0, 0, 16]))).toEqual([]);
    expect(c.closedWith).toBeUndefined();
  });
  it("§6.9.1: a WINDOW_UPDATE that takes a stream's window past 2^31-1 is FLOW_CONTROL_ERROR, also once its response is out", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, GET));
    c.server.respond(1, [[":status", "200"]], false);
    c.server.sendData(1, new Uint8Array(10), true);
    const response = c.read();
    expect(response.at(-1)).toMatchObject({ type: T.DATA, flags: F.END_STREAM, streamId: 1 });
    // The stream is closed both ways; its window is 65,525 and may still be updated, not overflowed.
    expect(c.send(rawFrame(T.WINDOW_UPDATE, 0, 1, u32(100)))).toEqual([]);
    expect(rstCode(c.send(rawFrame(T.WINDOW_UPDATE, 0, 1, u32(2 ** 31 - 1 - 65525))), 1)).toBe(E.FLOW_CONTROL_ERROR);
    expect(c.closedWith).toBeUndefined();
    // A stream we reset ourselves ignores what the peer had in flight, window updates included.
    c.send(c.headers(3, [...POST, ["X-Upper", "1"]], F.END_HEADERS));
    expect(c.send(rawFrame(T.WINDOW_UPDATE, 0, 3, u32(2 ** 31 - 1)))).toEqual([]);
  });
  it("the peer's RST_STREAM aborts the stream for the application", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS), rawFrame(T.RST_STREAM, 0, 1, u32(8)));
    expect(c.events.at(-1)).toEqual({ type: "reset", id: 1, code: 8, byPeer: true });
  });
  it("§5.1.2: streams over SETTINGS_MAX_CONCURRENT_STREAMS are refused with REFUSED_STREAM", () => {
    const c = new Client({ maxConcurrentStreams: 2 });
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS), c.headers(3, POST, F.END_HEADERS));
    expect(rstCode(c.send(c.headers(5, POST, F.END_HEADERS)), 5)).toBe(E.REFUSED_STREAM);
    expect(goawayCode(c.read())).toBeNull();
  });
});

describe("§5.2 and §6.9 flow control", () => {
  it("DATA beyond the stream window is a stream error FLOW_CONTROL_ERROR", () => {
    const c = new Client({ initialWindowSize: 10 });
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS));
    expect(rstCode(c.send(rawFrame(T.DATA, 0, 1, new Uint8Array(11))), 1)).toBe(E.FLOW_CONTROL_ERROR);
  });
  it("DATA beyond the connection window is a connection error FLOW_CONTROL_ERROR", () => {
    const c = new Client({ connectionWindowSize: 65535, initialWindowSize: 1 << 20 });
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS));
    let out: ReturnType<Client["read"]> = [];
    for (let i = 0; i < 5; i++) out = out.concat(c.send(rawFrame(T.DATA, 0, 1, new Uint8Array(16384))));
    expect(goawayCode(out)).toBe(E.FLOW_CONTROL_ERROR);
  });
  it("WINDOW_UPDATE is sent only as the application consumes the body", () => {
    const c = new Client({ initialWindowSize: 65535, connectionWindowSize: 65535 });
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS));
    const data = [1, 2, 3].map(() => rawFrame(T.DATA, 0, 1, new Uint8Array(13000)));
    expect(c.send(...data).filter((f) => f.type === T.WINDOW_UPDATE)).toHaveLength(0);
    c.server.consumed(1, 39000);
    const updates = c.read().filter((f) => f.type === T.WINDOW_UPDATE);
    expect(updates.map((f) => f.streamId).sort()).toEqual([0, 1]);
  });
  it("padding counts against the window and is returned at once", () => {
    const c = new Client({ initialWindowSize: 65535, connectionWindowSize: 65535 });
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS));
    const p = new Uint8Array(1 + 3 + 20000);
    p[0] = 20000 & 0xff; // pad length must fit a byte: use 200
    p[0] = 200;
    c.send(rawFrame(T.DATA, F.PADDED, 1, p.subarray(0, 1 + 3 + 200)));
    expect(c.events.at(-1)).toMatchObject({ type: "data", text: "\0\0\0" });
  });
  it("we never send past the peer's stream window; WINDOW_UPDATE releases more", () => {
    const c = new Client();
    c.read();
    c.send(settings([[4, 100]]), c.headers(1, GET));
    c.read();
    c.server.respond(1, [[":status", "200"]], false);
    c.server.sendData(1, new Uint8Array(250), true);
    const sent = c.read().filter((f) => f.type === T.DATA);
    expect(sent.reduce((n, f) => n + f.payload.length, 0)).toBe(100);
    const more = c.send(rawFrame(T.WINDOW_UPDATE, 0, 1, u32(1000))).filter((f) => f.type === T.DATA);
    expect(more.reduce((n, f) => n + f.payload.length, 0)).toBe(150);
    expect(more.at(-1)!.flags & F.END_STREAM).toBe(F.END_STREAM);
  });
  it("DATA the windows allow beyond one output batch is framed by refill() once the batch is taken, END_STREAM last", () => {
    const c = new Client();
    c.read();
    // Windows of 4 MiB: only the output batch (256 KiB of frames) holds the body back.
    c.send(settings([[4, 4 << 20]]), rawFrame(T.WINDOW_UPDATE, 0, 0, u32((4 << 20) - 65535)), c.headers(1, GET));
    c.read();
    c.server.respond(1, [[":status", "200"]], false);
    const body = 400_000;
    c.server.sendData(1, new Uint8Array(body), true);
    const data = (frames: ReturnType<Client["read"]>) => frames.filter((f) => f.type === T.DATA);
    let got = data(c.read());
    const first = got.reduce((n, f) => n + f.payload.length, 0);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(body);
    let batches = 1;
    while (c.server.refill()) {
      got = got.concat(data(c.read()));
      batches++;
    }
    expect(batches).toBeGreaterThan(1);
    expect(got.reduce((n, f) => n + f.payload.length, 0)).toBe(body);
    expect(got.at(-1)!.flags & F.END_STREAM).toBe(F.END_STREAM);
    expect(c.server.refill()).toBe(false);
  });
  it("§6.9.2: a SETTINGS_INITIAL_WINDOW_SIZE change applies to open streams, even making them negative", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, GET));
    c.server.respond(1, [[":status", "200"]], false);
    c.server.sendData(1, new Uint8Array(70000), true);
    expect(c.read().filter((f) => f.type === T.DATA).reduce((n, f) => n + f.payload.length, 0)).toBe(65535);
    c.send(settings([[4, 65535 - 1000]])); // window now -1000
    expect(c.send(rawFrame(T.WINDOW_UPDATE, 0, 1, u32(1000)), rawFrame(T.WINDOW_UPDATE, 0, 0, u32(100000))).filter((f) => f.type === T.DATA)).toHaveLength(0);
    const after = c.send(settings([[4, 65535 + 10000]])).filter((f) => f.type === T.DATA);
    expect(after.reduce((n, f) => n + f.payload.length, 0)).toBe(4465);
  });
  it("a WINDOW_UPDATE overflowing 2^31-1 is FLOW_CONTROL_ERROR (stream and connection)", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, GET));
    expect(rstCode(c.send(rawFrame(T.WINDOW_UPDATE, 0, 1, u32(0x7fffffff))), 1)).toBe(E.FLOW_CONTROL_ERROR);
    expect(goawayCode(c.send(rawFrame(T.WINDOW_UPDATE, 0, 0, u32(0x7fffffff))))).toBe(E.FLOW_CONTROL_ERROR);
  });
  it("a SETTINGS_INITIAL_WINDOW_SIZE that overflows a window is a connection FLOW_CONTROL_ERROR", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, GET), rawFrame(T.WINDOW_UPDATE, 0, 1, u32(0x7fffffff - 65535)));
    expect(goawayCode(c.send(settings([[4, 65536]])))).toBe(E.FLOW_CONTROL_ERROR);
  });
});

describe("§5.4 error handling and §6.8 GOAWAY", () => {
  it("a stream error leaves the connection usable", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, [...GET, ["connection", "close"]]));
    c.send(c.headers(3, GET));
    expect(c.events.filter((e) => e.type === "request").map((e) => e.id)).toEqual([3]);
  });
  it("shutdown sends GOAWAY(NO_ERROR) with the last stream id, lets it finish, ignores newer streams", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, GET));
    c.server.shutdown();
    const g = c.read().find((f) => f.type === T.GOAWAY)!;
    expect(Buffer.from(g.payload).readUInt32BE(0)).toBe(1);
    expect(Buffer.from(g.payload).readUInt32BE(4)).toBe(E.NO_ERROR);
    c.send(c.headers(3, GET));
    expect(c.events.filter((e) => e.type === "request")).toHaveLength(1);
    expect(c.closedWith).toBeUndefined();
    c.server.respond(1, [[":status", "204"]], true);
    expect(c.closedWith).toBeNull();
  });
  it("after GOAWAY, the DATA and trailers of newer streams are ignored too (credit given back, no errors)", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, GET));
    c.server.shutdown();
    c.read();
    const out = c.send(
      c.headers(3, POST, F.END_HEADERS),
      ...Array.from({ length: 20 }, () => rawFrame(T.DATA, 0, 3, new Uint8Array(15_000))),
      c.headers(3, [["x-trailer", "1"]]),
    );
    expect(out.filter((f) => f.type === T.RST_STREAM || f.type === T.GOAWAY)).toEqual([]);
    expect(c.events.filter((e) => e.type === "request")).toHaveLength(1);
    // Credit comes back in batches of a quarter of the 1 MiB window: what is held back stays below one.
    const credit = out.filter((f) => f.type === T.WINDOW_UPDATE && f.streamId === 0).reduce((n, f) => n + Buffer.from(f.payload).readUInt32BE(0), 0);
    expect(credit).toBeGreaterThan(0);
    expect(300_000 - credit).toBeLessThan((1 << 20) / 4);
    expect(c.closedWith).toBeUndefined();
    c.server.respond(1, [[":status", "204"]], true);
    expect(c.closedWith).toBeNull();
  });
});
