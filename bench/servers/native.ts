/**
 * The runtime's own server with the same handler: node:http (+ the ws package for
 * WebSocket, Node has no built-in WebSocket server), Deno.serve, Bun.serve.
 * With --h2 1: node:http2 (cleartext, prior knowledge) on whichever runtime runs it.
 */
import { args, handle, runtime } from "./common.ts";

const a = args();
const port = Number(a.port ?? 0);
const say = (p: number) => console.log(`listening on http://127.0.0.1:${p}`);
// deno-lint-ignore no-explicit-any
const g = globalThis as any;

if (a.h2 === "1") {
  const http2 = await import("node:http2");
  const server = http2.createServer();
  server.on("stream", async (stream, headers) => {
    const method = String(headers[":method"]);
    const chunks: Buffer[] = [];
    // A client that goes away mid-body (h2load closing at the end of a round) makes the
    // read reject; unhandled, that rejection ended the whole server on Bun after its first round.
    try {
      if (method === "POST") for await (const c of stream) chunks.push(c as Buffer);
    } catch {
      return;
    }
    const reqBody = method === "POST" ? Buffer.concat(chunks) : null;
    const req = new Request(`http://${headers[":authority"] ?? "x"}${headers[":path"]}`, { method, body: reqBody });
    const res = await handle(req);
    const body = new Uint8Array(await res.arrayBuffer());
    // node:http2 on Bun destroys some streams under load; skip those rather than crash,
    // so the peer is measured on what it does answer (h2load still counts the failures).
    if (stream.destroyed) return;
    try {
      stream.respond({ ":status": res.status });
      stream.end(body);
    } catch { /* the stream went away */ }
  });
  server.on("sessionError", () => {});
  server.listen(port, "127.0.0.1", () => say((server.address() as { port: number }).port));
} else if (runtime() === "deno") {
  g.Deno.serve({ port, hostname: "127.0.0.1", onListen: ({ port }: { port: number }) => say(port) }, (req: Request) => {
    if (req.headers.get("upgrade") === "websocket") {
      const { socket, response } = g.Deno.upgradeWebSocket(req);
      socket.onmessage = (e: MessageEvent) => socket.send(e.data);
      return response;
    }
    return handle(req);
  });
} else if (runtime() === "bun") {
  const server = g.Bun.serve({
    port, hostname: "127.0.0.1", idleTimeout: 255,
    fetch: (req: Request, srv: { upgrade(r: Request): boolean }) => (srv.upgrade(req) ? undefined : handle(req)),
    websocket: { message: (ws: { send(m: unknown): void }, m: unknown) => ws.send(m) },
  });
  say(server.port);
} else {
  const http = await import("node:http");
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c);
    const r = await handle(new Request(`http://x${req.url}`, { method: req.method, body: req.method === "POST" ? Buffer.concat(chunks) : null }));
    const body = Buffer.from(await r.arrayBuffer());
    res.writeHead(r.status, { "content-length": body.length });
    res.end(body);
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
