/**
 * The facade's own cost per request, in process, on whichever runtime runs this file:
 * serve() over a fake transport (no sockets, no syscalls), 64 connections each sending
 * one keep-alive GET and waiting for its response, the way wrk drives the hello profile.
 *
 * Modes (--mode): "hello" is the bench handler's `new Response("Hello World")`;
 * "empty" answers `new Response(null)`, so the runtime's Response body machinery
 * drops out and what is left is purehttp plus `new Request`; "post" sends the POST
 * profile's request (1 KiB) to the bench server's handler, upgrade check included.
 * Prints one JSON line: { runtime, mode, usPerRequest, requestsPerSec }.
 *
 * Profile it with the runtime's own profiler, e.g.
 *   node --cpu-prof --import tsx bench/micro/facade.ts
 *   deno run -A --cpu-prof bench/micro/facade.ts
 *   bun --cpu-prof bench/micro/facade.ts
 */
import type { Connection, ConnectionHandler, Transport } from "../../src/transport/types.ts";
import { args, handle, loadPurehttp, runtime } from "../servers/common.ts";

const { serve } = await loadPurehttp();

const a = args();
const mode = a.mode ?? "hello";
const seconds = Number(a.seconds ?? 3);
const CONNS = 64;
const REQUEST_BYTES = new TextEncoder().encode(mode === "post"
  ? `POST /echo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 1024\r\n\r\n${"a".repeat(1024)}`
  : "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
// What each runtime's transport hands up: Buffers on Node and Bun (with their native
// latin1Slice), plain Uint8Arrays on Deno (which has a Buffer global too).
const NodeBuffer = (globalThis as { Buffer?: { from(b: Uint8Array): Uint8Array } }).Buffer;
const REQUEST = runtime() !== "deno" && NodeBuffer ? NodeBuffer.from(REQUEST_BYTES) : REQUEST_BYTES;
const addr = { hostname: "127.0.0.1", port: 8080, transport: "tcp" as const };

/** One fake socket: our request in, and a callback when the response's bytes come out. */
class FakeConnection implements Connection {
  readonly remoteAddr = addr;
  readonly localAddr = addr;
  readonly alpnProtocol = null;
  readonly encrypted = false;
  handler!: ConnectionHandler;
  onResponse = () => {};
  write(_bytes: Uint8Array): boolean {
    this.onResponse();
    return true;
  }
  end() {}
  destroy() {}
  pause() {}
  resume() {}
}

let accept!: (conn: Connection) => ConnectionHandler;
const transport: Transport = {
  name: runtime(),
  listen(_options, acceptConn) {
    accept = acceptConn;
    return Promise.resolve({ addr, close() {} });
  },
};

const HELLO = "Hello World";
const server = serve({ transport, port: 0, onListen() {} }, (req) => {
  if (mode === "post") return req.headers.get("upgrade") === "websocket" ? new Response(null, { status: 400 }) : handle(req);
  return mode === "empty" ? new Response(null) : new Response(HELLO);
});
await server.listening;

// Like an event loop delivering a batch of readable sockets: responses mark their
// connection ready, and one macrotask sends every ready connection its next request.
const ready: FakeConnection[] = [];
const channel = new MessageChannel();
let scheduled = false;
channel.port1.onmessage = () => {
  scheduled = false;
  for (const conn of ready.splice(0)) conn.handler.data(Uint8Array.prototype.slice.call(REQUEST));
};
const schedule = () => {
  if (!scheduled) {
    scheduled = true;
    channel.port2.postMessage(null);
  }
};

let done = 0;
let measuredFrom = 0;
let doneAtStart = 0;
const warmUpEnds = performance.now() + 1000;
const stopAt = warmUpEnds + seconds * 1000;
const finished = new Promise<void>((resolve) => {
  let open = CONNS;
  for (let i = 0; i < CONNS; i++) {
    const conn = new FakeConnection();
    conn.handler = accept(conn);
    conn.onResponse = () => {
      done++;
      const now = performance.now();
      if (measuredFrom === 0 && now >= warmUpEnds) {
        measuredFrom = now;
        doneAtStart = done;
      }
      if (now < stopAt) {
        ready.push(conn);
        schedule();
      } else if (--open === 0) resolve();
    };
    ready.push(conn);
  }
  schedule();
});
await finished;
const elapsed = performance.now() - measuredFrom;
const n = done - doneAtStart;
console.log(JSON.stringify({ runtime: runtime(), mode, usPerRequest: (elapsed * 1000) / n, requestsPerSec: Math.round((n * 1000) / elapsed) }));
channel.port1.close();
await server.shutdown();
