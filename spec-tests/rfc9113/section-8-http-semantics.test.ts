/** RFC 9113 §8: HTTP message mapping, field validity, pseudo-headers, trailers. */
import { describe, expect, it } from "vitest";
import { Client, E, F, GET, POST, T, goawayCode, rawFrame, rstCode, settings } from "../helpers/h2.ts";

const malformed = (fields: [string, string][], flags = F.END_STREAM | F.END_HEADERS) => {
  const c = new Client();
  c.read();
  return rstCode(c.send(c.headers(1, fields, flags)), 1);
};

describe("§8.2 fields", () => {
  it("uppercase field names are malformed (stream error PROTOCOL_ERROR)", () => expect(malformed([...GET, ["X-Upper", "1"]])).toBe(E.PROTOCOL_ERROR));
  it("connection-specific fields are malformed", () => {
    for (const n of ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]) expect(malformed([...GET, [n, "x"]]), n).toBe(E.PROTOCOL_ERROR);
  });
  it("te is allowed only as \"trailers\"", () => {
    expect(malformed([...GET, ["te", "gzip"]])).toBe(E.PROTOCOL_ERROR);
    expect(malformed([...GET, ["te", "trailers"]])).toBeNull();
  });
  it("NUL, CR, LF, or leading/trailing whitespace in a value are malformed", () => {
    for (const v of ["a\0b", "a\rb", "a\nb", " a", "a\t"]) expect(malformed([...GET, ["x", v]]), JSON.stringify(v)).toBe(E.PROTOCOL_ERROR);
  });
});

describe("§8.3 request pseudo-header fields", () => {
  it("a valid request reaches the application with its pseudo-headers", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, [...GET, ["accept", "*/*"]]));
    expect(c.events[0]).toMatchObject({ req: { method: "GET", scheme: "http", path: "/", authority: "example.com", fields: ["accept", "*/*"] } });
  });
  it("missing :method, :scheme or :path, or an empty :path, is malformed", () => {
    expect(malformed(GET.filter(([n]) => n !== ":method"))).toBe(E.PROTOCOL_ERROR);
    expect(malformed(GET.filter(([n]) => n !== ":scheme"))).toBe(E.PROTOCOL_ERROR);
    expect(malformed(GET.filter(([n]) => n !== ":path"))).toBe(E.PROTOCOL_ERROR);
    expect(malformed(GET.map(([n, v]) => [n, n === ":path" ? "" : v]))).toBe(E.PROTOCOL_ERROR);
  });
  it("duplicate, unknown or response pseudo-headers are malformed", () => {
    expect(malformed([...GET, [":method", "POST"]])).toBe(E.PROTOCOL_ERROR);
    expect(malformed([...GET, [":foo", "x"]])).toBe(E.PROTOCOL_ERROR);
    expect(malformed([...GET, [":status", "200"]])).toBe(E.PROTOCOL_ERROR);
  });
  it("a pseudo-header after a regular field is malformed", () => {
    expect(malformed([[":method", "GET"], ["accept", "*/*"], [":scheme", "http"], [":path", "/"]])).toBe(E.PROTOCOL_ERROR);
  });
  it(":authority with userinfo, or not host[:port], is malformed", () => {
    for (const a of ["user@example.com", "user:pw@example.com:80", "a b", "example.com/x", "example.com:8o"])
      expect(malformed(GET.map(([n, v]) => [n, n === ":authority" ? a : v])), a).toBe(E.PROTOCOL_ERROR);
    for (const a of ["example.com", "example.com:8080", "[::1]:443", "127.0.0.1"])
      expect(malformed(GET.map(([n, v]) => [n, n === ":authority" ? a : v])), a).toBeNull();
  });
  it("without :authority, the Host field gives the request's authority", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, [...GET.filter(([n]) => n !== ":authority"), ["host", "h.example:81"]]));
    expect(c.events[0]).toMatchObject({ req: { authority: "h.example:81", fields: ["host", "h.example:81"] } });
  });
  it("a Host field naming another authority than :authority is malformed; the same one, in any case, is not", () => {
    expect(malformed([...GET, ["host", "other.example"]])).toBe(E.PROTOCOL_ERROR);
    expect(malformed([...GET, ["host", "EXAMPLE.com"]])).toBeNull();
    expect(malformed([...GET, ["host", "example.com"], ["host", "example.com"]])).toBe(E.PROTOCOL_ERROR);
    expect(malformed([...GET.filter(([n]) => n !== ":authority"), ["host", "bad host"]])).toBe(E.PROTOCOL_ERROR);
    expect(malformed([...GET.filter(([n]) => n !== ":authority"), ["host", "example.com"]])).toBeNull();
  });
  it("CONNECT needs :authority and no :scheme or :path", () => {
    expect(malformed([[":method", "CONNECT"], [":authority", "a:443"], [":path", "/"]])).toBe(E.PROTOCOL_ERROR);
    expect(malformed([[":method", "CONNECT"], [":authority", "a:443"]])).toBeNull();
  });
});

describe("§8.1 message framing", () => {
  it("content-length must match the DATA received", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, [...POST, ["content-length", "5"]], F.END_HEADERS));
    expect(rstCode(c.send(rawFrame(T.DATA, F.END_STREAM, 1, [1, 2, 3])), 1)).toBe(E.PROTOCOL_ERROR);
    const d = new Client();
    d.read();
    d.send(d.headers(1, [...POST, ["content-length", "2"]], F.END_HEADERS));
    expect(rstCode(d.send(rawFrame(T.DATA, 0, 1, [1, 2, 3])), 1)).toBe(E.PROTOCOL_ERROR);
  });
  it("HEADERS with END_STREAM and a non-zero content-length is malformed", () => expect(malformed([...POST, ["content-length", "3"]])).toBe(E.PROTOCOL_ERROR));
  it("trailers arrive after DATA and end the stream", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS), rawFrame(T.DATA, 0, 1, [0x61]), c.headers(1, [["x-checksum", "1"]]));
    expect(c.events.map((e) => e.type)).toEqual(["request", "data", "trailers"]);
  });
  it("trailers without END_STREAM, or with pseudo-headers, are malformed", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS));
    expect(rstCode(c.send(c.headers(1, [["x", "1"]], F.END_HEADERS)), 1)).toBe(E.PROTOCOL_ERROR);
    const d = new Client();
    d.read();
    d.send(d.headers(1, POST, F.END_HEADERS));
    expect(rstCode(d.send(d.headers(1, [[":path", "/"]])), 1)).toBe(E.PROTOCOL_ERROR);
  });
  it("a header list over SETTINGS_MAX_HEADER_LIST_SIZE is answered 431", () => {
    const c = new Client({ maxHeaderListSize: 200 });
    c.read();
    const out = c.send(c.headers(1, [...GET, ["x-big", "v".repeat(300)]]));
    const h = out.find((f) => f.type === T.HEADERS)!;
    expect(c.decodeHeaders(h)).toEqual([":status", "431"]);
  });
});

/** Sends frame(i) for i = 0, 1, ... until the server answers with GOAWAY (at most `max`); its code, or null. */
function floodUntilGoaway(c: Client, frame: (i: number) => Uint8Array[], max = 200): number | null {
  for (let i = 0; i < max; i++) {
    const g = c.send(...frame(i)).find((f) => f.type === T.GOAWAY);
    if (g) return Buffer.from(g.payload).readUInt32BE(4);
  }
  return null;
}

describe("§10.5 abuse bounds: ENHANCE_YOUR_CALM", () => {
  it("rapid reset: too many streams opened and reset", () => {
    const c = new Client({ maxResetsPer10s: 50 });
    c.read();
    const id = (i: number) => 2 * i + 1;
    expect(floodUntilGoaway(c, (i) => [c.headers(id(i), POST, F.END_HEADERS), rawFrame(T.RST_STREAM, 0, id(i), [0, 0, 0, 8])])).toBe(E.ENHANCE_YOUR_CALM);
  });
  it("stream errors the peer provokes (each answered with our RST_STREAM) share the reset bound", () => {
    const c = new Client({ maxResetsPer10s: 50 });
    c.read();
    const id = (i: number) => 2 * i + 1;
    // Invalid requests, each a stream error: a peer that never reads would have us queue a RST_STREAM per frame.
    let resets = 0;
    let code: number | null = null;
    for (let i = 0; i < 200 && code === null; i++) {
      const out = c.send(c.headers(id(i), [...GET, ["X-Upper", "1"]]));
      resets += out.filter((f) => f.type === T.RST_STREAM).length;
      code = goawayCode(out);
    }
    expect(code).toBe(E.ENHANCE_YOUR_CALM);
    expect(resets).toBe(51);
    // Time passes: the bound is per 10 s.
    const d = new Client({ maxResetsPer10s: 50 });
    d.read();
    for (let i = 0; i < 120; i++) {
      d.now = i * 1000;
      expect(goawayCode(d.send(d.headers(id(i), [...GET, ["X-Upper", "1"]])))).toBe(null);
    }
  });
  it("PING and SETTINGS floods", () => {
    const c = new Client({ maxControlFramesPer10s: 100 });
    c.read();
    expect(floodUntilGoaway(c, () => [rawFrame(T.PING, 0, 0, new Uint8Array(8))])).toBe(E.ENHANCE_YOUR_CALM);
  });
  it("empty DATA frame floods", () => {
    const c = new Client({ maxEmptyFramesPer10s: 100 });
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS));
    expect(floodUntilGoaway(c, () => [rawFrame(T.DATA, 0, 1, [])])).toBe(E.ENHANCE_YOUR_CALM);
  });
  it("empty DATA frame floods on a stream we reset, whose frames are otherwise ignored", () => {
    const c = new Client({ maxEmptyFramesPer10s: 100 });
    c.read();
    // An uppercase field name: we reset stream 1, and what the client still sends on it is ignored.
    c.send(c.headers(1, [...POST, ["X-Upper", "1"]], F.END_HEADERS));
    expect(floodUntilGoaway(c, () => [rawFrame(T.DATA, 0, 1, [])])).toBe(E.ENHANCE_YOUR_CALM);
  });
  it("header blocks on a stream we reset are decoded, then ignored, but only so many", () => {
    const c = new Client({ maxResetsPer10s: 100 });
    c.read();
    c.send(c.headers(1, [...POST, ["X-Upper", "1"]], F.END_HEADERS));
    expect(floodUntilGoaway(c, (i) => [c.headers(1, [["x-trailer", String(i)]])])).toBe(E.ENHANCE_YOUR_CALM);
  });
  it("zero-window streams: too many stalled at once", () => {
    const c = new Client({ maxStalledStreams: 3 });
    c.read();
    c.send(settings([[4, 0]]));
    for (let id = 1; id <= 9; id += 2) {
      c.send(c.headers(id, GET));
      c.server.respond(id, [[":status", "200"]], false);
      c.server.sendData(id, new Uint8Array(10), true);
    }
    c.read();
    c.server.tick(1000);
    expect(goawayCode(c.read())).toBe(E.ENHANCE_YOUR_CALM);
  });
  it("zero-window streams: one stalled for too long; a window update in time clears it", () => {
    const c = new Client({ maxStallMs: 5000 });
    c.read();
    c.send(settings([[4, 0]]), c.headers(1, GET), c.headers(3, GET));
    for (const id of [1, 3]) {
      c.server.respond(id, [[":status", "200"]], false);
      c.server.sendData(id, new Uint8Array(10), true);
    }
    c.server.tick(1000);
    c.send(rawFrame(T.WINDOW_UPDATE, 0, 1, [0, 0, 0, 100]));
    c.server.tick(4000);
    expect(goawayCode(c.read())).toBeNull();
    c.server.tick(7000);
    expect(goawayCode(c.read())).toBe(E.ENHANCE_YOUR_CALM);
  });
  it("CONTINUATION floods are cut off before the block grows without bound", () => {
    const c = new Client({ maxHeaderBlockBytes: 4096 });
    c.read();
    let code: number | null = null;
    c.send(rawFrame(T.HEADERS, 0, 1, c.enc.encode(GET)));
    for (let i = 0; i < 100 && code === null; i++) {
      const g = c.send(rawFrame(T.CONTINUATION, 0, 1, new Uint8Array(100).fill(0x40))).find((f) => f.type === T.GOAWAY);
      if (g) code = Buffer.from(g.payload).readUInt32BE(4);
    }
    expect(code).toBe(E.ENHANCE_YOUR_CALM);
  });
});

describe("§8.1 a response complete before its request", () => {
  const started = () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS), rawFrame(T.DATA, 0, 1, new Uint8Array(10)));
    return c;
  };
  it("stopReceiving after the response ended: RST_STREAM(NO_ERROR) follows it, later DATA is ignored", () => {
    const c = started();
    c.server.respond(1, [[":status", "413"]], true);
    c.server.stopReceiving(1);
    const out = c.read();
    expect(out.map((f) => f.type)).toEqual([T.HEADERS, T.RST_STREAM]);
    expect(rstCode(out, 1)).toBe(E.NO_ERROR);
    const late = c.send(rawFrame(T.DATA, F.END_STREAM, 1, new Uint8Array(10)));
    expect(late.filter((f) => f.type === T.RST_STREAM || f.type === T.GOAWAY)).toEqual([]);
    expect(c.closedWith).toBeUndefined();
  });
  it("stopReceiving before the response ended: the RST_STREAM waits for the end of the response", () => {
    const c = started();
    c.server.respond(1, [[":status", "200"]], false);
    c.server.stopReceiving(1);
    expect(c.read().map((f) => f.type)).toEqual([T.HEADERS]);
    c.server.sendData(1, new TextEncoder().encode("done"), true);
    const out = c.read();
    expect(out.map((f) => [f.type, f.flags & F.END_STREAM])).toEqual([[T.DATA, F.END_STREAM], [T.RST_STREAM, 0]]);
    expect(rstCode(out, 1)).toBe(E.NO_ERROR);
  });
  it("stopReceiving when the request has ended sends nothing", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, POST, F.END_HEADERS), rawFrame(T.DATA, F.END_STREAM, 1, new Uint8Array(10)));
    c.server.stopReceiving(1);
    c.server.respond(1, [[":status", "200"]], true);
    expect(c.read().map((f) => f.type)).toEqual([T.HEADERS]);
  });
});
