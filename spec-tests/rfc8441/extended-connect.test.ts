/**
 * RFC 8441, Bootstrapping WebSockets with HTTP/2: the SETTINGS_ENABLE_CONNECT_PROTOCOL
 * setting (§3), the extended CONNECT with :protocol (§4), and WebSocket over the stream
 * that it opens (§5), through serve() and upgradeWebSocket / server.upgrade.
 */
import { describe, expect, it } from "vitest";
import { upgradeWebSocket } from "../../src/mod.ts";
import { HpackDecoder } from "../../src/hpack/decoder.ts";
import { HpackEncoder } from "../../src/hpack/encoder.ts";
import { H2_PREFACE, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";
import { Client, E, F, GET, T, goawayCode, rawFrame, rstCode, settings } from "../helpers/h2.ts";
import { closeFrame, decodeFrames, frame } from "../helpers/ws.ts";

const CONNECT_WS: [string, string][] = [
  [":method", "CONNECT"], [":protocol", "websocket"], [":scheme", "https"], [":path", "/chat"], [":authority", "example.com"],
  ["sec-websocket-version", "13"],
];
const ENABLE_CONNECT_PROTOCOL = 0x8;

/** The settings in the server's first SETTINGS frame, as [id, value] pairs. */
function serverSettings(c: Client, frames = c.read()): [number, number][] {
  const s = frames.find((f) => f.type === T.SETTINGS && !(f.flags & F.ACK))!;
  const p = Buffer.from(s.payload);
  const out: [number, number][] = [];
  for (let i = 0; i < p.length; i += 6) out.push([p.readUInt16BE(i), p.readUInt32BE(i + 2)]);
  return out;
}

describe("RFC 8441 §3 SETTINGS_ENABLE_CONNECT_PROTOCOL", () => {
  it("the server advertises 1, and not at all when the option is off", () => {
    const c = new Client({}, { preface: false });
    expect(serverSettings(c)).toContainEqual([ENABLE_CONNECT_PROTOCOL, 1]);
    const off = new Client({ enableConnectProtocol: false }, { preface: false });
    expect(serverSettings(off).map(([id]) => id)).not.toContain(ENABLE_CONNECT_PROTOCOL);
  });

  it("a value other than 0 or 1 from the peer is a connection error PROTOCOL_ERROR", () => {
    const c = new Client();
    c.read();
    expect(goawayCode(c.send(settings([[ENABLE_CONNECT_PROTOCOL, 2]])))).toBe(E.PROTOCOL_ERROR);
    const ok = new Client();
    ok.read();
    expect(goawayCode(ok.send(settings([[ENABLE_CONNECT_PROTOCOL, 1]])))).toBe(null);
  });
});

describe("RFC 8441 §4 the extended CONNECT method", () => {
  it("a CONNECT with :protocol reaches the application with its :scheme, :path and :authority", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, CONNECT_WS, F.END_HEADERS));
    expect(c.events[0]).toMatchObject({ type: "request", id: 1, end: false, req: { method: "CONNECT", protocol: "websocket", scheme: "https", path: "/chat", authority: "example.com" } });
  });

  it.each([
    ["without :scheme", CONNECT_WS.filter(([n]) => n !== ":scheme")],
    ["without :path", CONNECT_WS.filter(([n]) => n !== ":path")],
    ["without :authority", CONNECT_WS.filter(([n]) => n !== ":authority")],
    ["with an empty :protocol", CONNECT_WS.map(([n, v]): [string, string] => [n, n === ":protocol" ? "" : v])],
    [":protocol on a GET", [...GET, [":protocol", "websocket"]] as [string, string][]],
  ])("%s is malformed: stream error PROTOCOL_ERROR", (_what, fields) => {
    const c = new Client();
    c.read();
    expect(rstCode(c.send(c.headers(1, fields, F.END_HEADERS)), 1)).toBe(E.PROTOCOL_ERROR);
    expect(c.events.filter((e) => e.type === "request")).toEqual([]);
  });

  it("without the setting advertised, :protocol is malformed", () => {
    const c = new Client({ enableConnectProtocol: false });
    c.read();
    expect(rstCode(c.send(c.headers(1, CONNECT_WS, F.END_HEADERS)), 1)).toBe(E.PROTOCOL_ERROR);
  });

  it("a plain CONNECT keeps its RFC 9113 §8.5 form (no :scheme or :path)", () => {
    const c = new Client();
    c.read();
    c.send(c.headers(1, [[":method", "CONNECT"], [":authority", "example.com:443"]], F.END_HEADERS));
    expect(c.events[0]).toMatchObject({ type: "request", req: { method: "CONNECT", protocol: "" } });
  });
});

// ---- §5: WebSocket over the stream, through serve() ----

const start = fakeServerPerTest();

/** What the server wrote on a stream: its HEADERS decoded, its DATA joined, whether it ended, its RST code. */
function streamOf(frames: { type: number; flags: number; id: number; payload: Buffer }[], id: number, dec: HpackDecoder) {
  const headers: string[][] = [];
  const data: Buffer[] = [];
  let ended = false;
  let reset: number | null = null;
  for (const f of frames) {
    if (f.type === T.HEADERS) {
      const fields = dec.decode(f.payload).fields;
      if (f.id === id) headers.push(fields);
    }
    if (f.id !== id) continue;
    if (f.type === T.DATA) data.push(f.payload);
    if ((f.type === T.DATA || f.type === T.HEADERS) && f.flags & F.END_STREAM) ended = true;
    if (f.type === T.RST_STREAM) reset = f.payload.readUInt32BE(0);
  }
  return { headers, data: Buffer.concat(data), ended, reset };
}

describe("RFC 8441 §5 WebSocket over an HTTP/2 stream", () => {
  async function open(handler: Parameters<typeof start>[0], options: Parameters<typeof start>[1] = {}) {
    const server = await start(handler, options);
    const conn = server.connect();
    conn.handler.data(H2_PREFACE);
    const enc = new HpackEncoder();
    const dec = new HpackDecoder(4096);
    const send = (id: number, fields: [string, string][], flags = F.END_HEADERS) => conn.handler.data(rawFrame(T.HEADERS, flags, id, enc.encode(fields)));
    const data = (id: number, bytes: Uint8Array, flags = 0) => conn.handler.data(rawFrame(T.DATA, flags, id, bytes));
    return { server, conn, send, data, stream: (id: number) => streamOf(conn.frames(), id, dec) };
  }

  it("upgradeWebSocket: a 200 without END_STREAM, then messages both ways as DATA, and the closing handshake ends the stream", async () => {
    const seen: string[] = [];
    const { send, data, stream } = await open((req, info) => {
      seen.push(`${req.method} ${req.url} ${req.headers.get("upgrade")} ${info.httpVersion}`);
      const { socket, response } = upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(`echo ${e.data}`);
      return response;
    });
    send(1, CONNECT_WS);
    await settle();
    expect(seen).toEqual(["GET https://example.com/chat websocket 2"]);
    let s = stream(1);
    expect(s.headers[0]!.slice(0, 2)).toEqual([":status", "200"]);
    expect(s.headers[0]).not.toContain("sec-websocket-accept");
    expect(s.ended).toBe(false);
    data(1, frame(1, "hi"));
    await settle();
    expect(decodeFrames(stream(1).data).map((f) => Buffer.from(f.payload).toString())).toEqual(["echo hi"]);
    data(1, closeFrame(1000, "done"));
    await settle();
    s = stream(1);
    expect(decodeFrames(s.data).at(-1)!.opcode).toBe(8);
    expect(s.ended).toBe(true);
  });

  it("server.upgrade (Bun style): the 200 carries the chosen subprotocol and extra fields; messages reach websocket.message", async () => {
    const got: string[] = [];
    const { send, data, stream } = await open((req, srv) => {
      const ok = (srv as unknown as { upgrade(r: Request, o: unknown): boolean }).upgrade(req, { headers: { "sec-websocket-protocol": "chat", "x-extra": "1" } });
      return ok ? undefined : new Response("no", { status: 400 });
    }, {
      websocket: {
        message(ws, m) {
          got.push(String(m));
          ws.send(`bun ${m}`);
        },
      },
    });
    send(1, [...CONNECT_WS, ["sec-websocket-protocol", "chat, superchat"]]);
    await settle();
    const h = stream(1).headers[0]!;
    expect(h.slice(0, 2)).toEqual([":status", "200"]);
    expect(h).toEqual(expect.arrayContaining(["sec-websocket-protocol", "chat", "x-extra", "1"]));
    expect(h).not.toContain("upgrade");
    data(1, frame(1, "yo"));
    await settle();
    expect(got).toEqual(["yo"]);
    expect(decodeFrames(stream(1).data).map((f) => Buffer.from(f.payload).toString())).toEqual(["bun yo"]);
  });

  it("a handler that answers otherwise ends the stream with its response; DATA sent early is credited", async () => {
    const { send, data, stream, conn } = await open(() => new Response("not here", { status: 404 }));
    send(1, CONNECT_WS);
    data(1, frame(1, "early"));
    await settle();
    const s = stream(1);
    expect(s.headers[0]!.slice(0, 2)).toEqual([":status", "404"]);
    expect(s.ended).toBe(true);
    expect(s.reset).toBe(E.NO_ERROR); // §8.1: we read no more of a request that is still open
    const credit = conn.frames().filter((f) => f.type === T.WINDOW_UPDATE && f.id === 0);
    expect(credit.length).toBeGreaterThan(0);
  });

  it("a :protocol other than websocket is answered 501; upgradeWebSocket on a plain HTTP/2 request throws", async () => {
    let thrown = "";
    const { send, stream } = await open((req) => {
      try {
        upgradeWebSocket(req);
      } catch (e) {
        thrown = (e as Error).message;
      }
      return new Response("plain");
    });
    send(1, CONNECT_WS.map(([n, v]): [string, string] => [n, n === ":protocol" ? "webtransport" : v]));
    send(3, GET, F.END_HEADERS | F.END_STREAM);
    await settle();
    expect(stream(1).headers[0]!.slice(0, 2)).toEqual([":status", "501"]);
    expect(stream(3).headers[0]!.slice(0, 2)).toEqual([":status", "200"]);
    expect(thrown).toMatch(/cannot become a WebSocket/);
  });

  it("the peer's RST_STREAM closes the socket with 1006", async () => {
    const codes: number[] = [];
    const { send, conn } = await open((req) => {
      const { socket, response } = upgradeWebSocket(req);
      socket.onclose = (e) => codes.push(e.code);
      return response;
    });
    send(1, CONNECT_WS);
    await settle();
    conn.handler.data(rawFrame(T.RST_STREAM, 0, 1, [0, 0, 0, 8]));
    await settle();
    expect(codes).toEqual([1006]);
  });

  it("shutdown(): the socket gets a Close 1001 on its stream, and GOAWAY still lets the stream finish", async () => {
    const { server, send, data, stream, conn } = await open((req) => upgradeWebSocket(req).response);
    send(1, CONNECT_WS);
    await settle();
    const stopped = server.server.shutdown();
    await settle();
    const frames = decodeFrames(stream(1).data);
    expect(frames.at(-1)!.opcode).toBe(8);
    expect(Buffer.from(frames.at(-1)!.payload).readUInt16BE(0)).toBe(1001);
    expect(conn.frames().some((f) => f.type === T.GOAWAY)).toBe(true);
    // The client answers the Close and ends its side: the stream, then the server, is done.
    data(1, closeFrame(1001), F.END_STREAM);
    await stopped;
    expect(stream(1).ended).toBe(true);
  });
});
