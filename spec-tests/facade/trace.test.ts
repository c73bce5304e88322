/**
 * The wire trace (serve({ trace })): over real sockets, what each protocol received and
 * sent, and the decisions taken, as events; the printers' text and JSON lines.
 */
import * as http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, upgradeWebSocket } from "../../src/mod.ts";
import type { Server } from "../../src/serve.ts";
import type { TraceEvent } from "../../src/trace/events.ts";
import { formatEvent, printer } from "../../src/trace/print.ts";
import { raw } from "../helpers/raw.ts";
import { closeFrame, frame } from "../helpers/ws.ts";

const events: TraceEvent[] = [];
let server: Server;
let port: number;

beforeAll(async () => {
  server = serve({ port: 0, hostname: "127.0.0.1", trace: (e) => events.push(e), onListen() {} }, (req) => {
    if (new URL(req.url).pathname === "/ws") {
      const { socket, response } = upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(e.data as string);
      return response;
    }
    return new Response("hi", { headers: { "x-app": "1" } });
  });
  port = (await server.listening).port;
});
afterAll(() => server.shutdown());

/** The events of the one connection that has an event matching `first`. */
function connectionOf(first: (e: TraceEvent) => boolean): TraceEvent[] {
  const conn = events.find(first)!.conn;
  return events.filter((e) => e.conn === conn);
}

describe("HTTP/1.1", () => {
  it("the request head, its framing, the response head as sent (Date and all) and its framing, between open and close", async () => {
    await raw(port, "POST /p?q=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
    await new Promise((r) => setTimeout(r, 50));
    const c = connectionOf((e) => e.proto === "h1" && e.event === "request" && e.target === "/p?q=1");
    expect(c.map((e) => `${e.proto} ${e.dir} ${e.event}`)).toEqual([
      "tcp - open", "h1 recv request", "h1 - framing", "h1 send response", "h1 - framing", "tcp - close",
    ]);
    const [open, req, reqFraming, res, resFraming] = c as [TraceEvent & Record<string, unknown>, ...(TraceEvent & Record<string, unknown>)[]];
    expect(open).toMatchObject({ remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/), local: `127.0.0.1:${port}`, tls: false });
    expect(req).toMatchObject({ method: "POST", version: "HTTP/1.1", fields: [{ name: "host", value: "t" }, { name: "content-length", value: "3" }, { name: "connection", value: "close" }] });
    expect(reqFraming).toMatchObject({ message: "request", framing: "content-length", length: 3 });
    expect(res).toMatchObject({ status: 200, version: "HTTP/1.1" });
    const names = (res!.fields as { name: string }[]).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(["x-app", "date", "content-length", "connection"]));
    expect(resFraming).toMatchObject({ message: "response", framing: "content-length", length: 2 });
  });

  it("a rejection with its status, code, reason and the RFC rule it enforces, then the 400 as sent", async () => {
    await raw(port, "GET /bad HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
    const c = connectionOf((e) => e.proto === "h1" && e.event === "reject");
    const reject = c.find((e) => e.proto === "h1" && e.event === "reject")!;
    expect(reject).toMatchObject({ status: 400, code: "CL_AND_TE", rule: "RFC 9112 §6.3" });
    expect(c.find((e) => e.proto === "h1" && e.event === "response")).toMatchObject({ status: 400 });
  });
});

describe("HTTP/2", () => {
  it("every frame both ways, with type, flags, stream, and header blocks decoded with their HPACK representation", async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    for (let i = 0; i < 2; i++) {
      const req = session.request({ ":path": "/h2", "x-secret": "s" });
      req.resume();
      await new Promise((r) => req.on("end", r));
    }
    session.close();
    await new Promise((r) => setTimeout(r, 100));
    const c = connectionOf((e) => e.proto === "h2" && "fields" in e && !!e.fields?.some((f) => f.value === "/h2"));
    expect(c.some((e) => e.proto === "h2" && e.event === "switch")).toBe(true);
    expect(c.some((e) => e.proto === "h2" && e.dir === "recv" && e.event === "preface")).toBe(true);
    const frames = c.filter((e): e is Extract<TraceEvent, { proto: "h2" }> & { type: string } => e.proto === "h2" && e.event === "frame");
    const settings = frames.find((f) => f.dir === "send" && f.type === "SETTINGS" && f.flags!.length === 0)!;
    expect(settings.settings).toMatchObject({ MAX_CONCURRENT_STREAMS: 1000, ENABLE_CONNECT_PROTOCOL: 1 });
    const requests = frames.filter((f) => f.dir === "recv" && f.type === "HEADERS");
    expect(requests.map((f) => [f.stream, f.flags])).toEqual([[1, ["END_STREAM", "END_HEADERS"]], [3, ["END_STREAM", "END_HEADERS"]]]);
    expect(requests[0]!.fields).toContainEqual({ name: ":method", value: "GET", repr: "indexed" });
    // The second request's x-secret comes from the dynamic table the first one filled.
    const secret = (i: number) => requests[i]!.fields!.find((f) => f.name === "x-secret")!;
    expect(secret(0)).toEqual({ name: "x-secret", value: "s", repr: "incremental" });
    expect(secret(1)).toEqual({ name: "x-secret", value: "s", repr: "indexed" });
    const responses = frames.filter((f) => f.dir === "send" && f.type === "HEADERS");
    expect(responses[0]!.fields).toContainEqual({ name: ":status", value: "200", repr: "indexed" });
    expect(responses[0]!.fields).toContainEqual(expect.objectContaining({ name: "x-app", value: "1" }));
    expect(frames.filter((f) => f.dir === "send" && f.type === "DATA").map((f) => [f.stream, f.length, f.flags])).toEqual([[1, 2, ["END_STREAM"]], [3, 2, ["END_STREAM"]]]);
    expect(frames.some((f) => f.dir === "send" && f.type === "GOAWAY" && f.errorCode === "NO_ERROR")).toBe(true);
  });
});

describe("WebSocket", () => {
  it("the 101, then every frame both ways: opcode, FIN, RSV, mask, length, and a Close's code and reason", async () => {
    const key = "dGhlIHNhbXBsZSBub25jZQ==";
    await raw(port, [
      `GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      frame(0x1, "hello"),
      closeFrame(1000, "bye"),
    ], { split: true, idleMs: 300 });
    const c = connectionOf((e) => e.proto === "ws" && e.event === "switch");
    expect(c.find((e) => e.proto === "h1" && e.event === "response")).toMatchObject({ status: 101 });
    const frames = c.filter((e) => e.proto === "ws" && e.event === "frame").map((e) => {
      const f = e as Extract<TraceEvent, { proto: "ws" }>;
      return [f.dir, f.opcode, f.fin, f.masked, f.length, f.closeCode ?? null, f.closeReason ?? null];
    });
    expect(frames).toEqual([
      ["recv", "text", true, true, 5, null, null],
      ["send", "text", true, false, 5, null, null],
      ["recv", "close", true, true, 5, 1000, "bye"],
      ["send", "close", true, false, 5, 1000, "bye"],
    ]);
  });
});

describe("printers", () => {
  const frameEvent: TraceEvent = {
    conn: 3, ms: 12.5, proto: "h2", dir: "recv", event: "frame", type: "HEADERS", flags: ["END_STREAM", "END_HEADERS"], stream: 1, length: 30,
    fields: [{ name: ":method", value: "GET", repr: "indexed" }, { name: ":path", value: "/", repr: "incremental" }],
  };
  it("text: one line per event in the way of nghttp -v, a header block's fields on the lines after it", () => {
    expect(formatEvent(frameEvent).split("\n")).toEqual([
      "[   0.013] #3 recv h2  HEADERS frame <length=30; flags=END_STREAM|END_HEADERS; stream=1>",
      expect.stringMatching(/^ +:method: GET {2}\(indexed\)$/),
      expect.stringMatching(/^ +:path: \/ {2}\(incremental\)$/),
    ]);
    expect(formatEvent({ conn: 1, ms: 0, proto: "h1", dir: "-", event: "reject", status: 400, code: "CL_AND_TE", reason: "both", rule: "RFC 9112 §6.3" }))
      .toBe("[   0.000] #1      h1  reject 400 CL_AND_TE: both (RFC 9112 §6.3)");
  });
  it("json: one JSON object per line, the event as it is", () => {
    const lines: string[] = [];
    printer("json", (l) => lines.push(l))(frameEvent);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual(frameEvent);
  });
});
