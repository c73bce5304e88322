/**
 * The runtime's own server, as its users write it: Deno.serve and Bun.serve with the
 * shared Fetch handler; node:http (+ the ws package for WebSocket, Node has no built-in
 * WebSocket server) with a native (req, res) handler that answers the same bytes, since
 * a Node user who wants speed writes that, not a Fetch adapter around it (the Fetch
 * facade Node users run is @hono/node-server: hono-node.ts).
 * With --h2 1: node:http2 (cleartext, prior knowledge) with a native stream handler, on
 * whichever runtime runs it.
 */
import { BIG, HELLO, args, handle, runtime } from "./common.ts";

const a = args();
const port = Number(a.port ?? 0);
const say = (p: number) => console.log(`listening on http://127.0.0.1:${p}`);
// deno-lint-ignore no-explicit-any
const g = globalThis as any;

if (a.h2 === "1") {
  // node:http2 as its users write it: a stream handler, no Fetch objects.
  const http2 = await import("node:http2");
  const server = http2.createServer();
  server.on("stream", (stream, headers) => {
    const path = String(headers[":path"]);
    // A client that goes away mid-body (h2load closing at the end of a round) makes the
    // stream error; unhandled, that ended the whole server on Bun after its first round.
    stream.on("error", () => {});
    const answer = (body: Uint8Array | string) => {
      // node:http2 on Bun destroys some streams under load; skip those rather than crash,
      // so the peer is measured on what it does answer (h2load still counts the failures).
      if (stream.destroyed) return;
      try {
        stream.respond({ ":status": 200 });
        stream.end(body);
      } catch { /* the stream went away */ }
    };
    if (path === "/64k") return answer(BIG);
    if (headers[":method"] !== "POST") return answer(HELLO);
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => answer(Buffer.concat(chunks)));
  });
  server.on("sessionError", () => {});
  server.listen(port, "127.0.0.1", () => say((server.address() as { port: number }).port));
} else if (runtime() === "deno") {
  g.Deno.serve({ port, hostname: "127.0.0.1", reusePort: a["reuse-port"] === "1", onListen: ({ port }: { port: number }) => say(port) }, (req: Request) => {
    if (req.headers.get("upgrade") === "websocket") {
      const { socket, response } = g.Deno.upgradeWebSocket(req);
      socket.onmessage = (e: MessageEvent) => socket.send(e.data);
      return response;
    }
    return handle(req);
  });
} else if (runtime() === "bun") {
  const server = g.Bun.serve({
    port, hostname: "127.0.0.1", idleTimeout: 255, reusePort: a["reuse-port"] === "1",
    fetch: (req: Request, srv: { upgrade(r: Request): boolean }) => (srv.upgrade(req) ? undefined : handle(req)),
    websocket: { message: (ws: { send(m: unknown): void }, m: unknown) => ws.send(m) },
  });
  say(server.port);
} else {
  // node:http as its users write it: a (req, res) handler, no Fetch objects.
  const http = await import("node:http");
  const server = http.createServer((req, res) => {
    if (req.url === "/64k") return res.end(BIG);
    if (req.method !== "POST") return res.end(HELLO);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => res.end(Buffer.concat(chunks)));
  });
  server.keepAliveTimeout = 120_000;
  try {
    const ws = await import(new URL("../node_modules/ws/index.js", import.meta.url).href);
    const WebSocketServer = ws.WebSocketServer ?? ws.default.WebSocketServer;
    const wss = new WebSocketServer({ noServer: true });
    server.on("upgrade", (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws: { on(e: string, f: (m: unknown, b: boolean) => void): void; send(m: unknown, o: unknown): void }) => ws.on("message", (m, isBinary) => ws.send(m, { binary: isBinary }))));
  } catch {
    // bench deps not installed: no WebSocket comparison on Node
  }
  server.listen(port, "127.0.0.1", () => say((server.address() as { port: number }).port));
}
