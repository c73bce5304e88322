/**
 * purehttp with the shared handler, HTTP/1.1 + HTTP/2 on one port, WebSocket echo on /ws.
 * Each runtime runs the app its own server runs in native.ts, with the import changed:
 * on Bun the Bun.serve shape (`fetch(req, server)` and `server.upgrade(req)` with a
 * `websocket` handler), elsewhere Deno.serve's (`upgradeWebSocket` after a look at Upgrade).
 */
import { args, handle, loadPurehttp, runtime } from "./common.ts";

const { serve, upgradeWebSocket } = await loadPurehttp();

const a = args();
const options = {
  port: Number(a.port ?? 0),
  hostname: "127.0.0.1",
  keepAliveTimeout: 120_000,
  // --reuse-port 1: one of several processes on this port (servers/workers.ts).
  ...(a["reuse-port"] === "1" ? { reusePort: true } : {}),
  // --record 0 / 1 forces serve()'s recordResponses either way, for A/B runs; by default serve() decides.
  ...(a.record !== undefined ? { recordResponses: a.record === "1" } : {}),
  // --park-above N: serve()'s parkIdleAbove, for A/B runs of parking idle connections.
  ...(a["park-above"] !== undefined ? { parkIdleAbove: Number(a["park-above"]) } : {}),
  onListen: (addr: { port: number }) => console.log(`listening on http://127.0.0.1:${addr.port}`),
};
if (runtime() === "bun") {
  serve({
    ...options,
    fetch: (req, srv) => ((srv as unknown as { upgrade(r: Request): boolean }).upgrade(req) ? undefined : handle(req)),
    websocket: { message: (ws, m) => void ws.send(m) },
  });
} else {
  serve(options, (req) => {
    if (req.headers.get("upgrade") === "websocket") {
      const { socket, response } = upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(e.data as string | ArrayBuffer);
      return response;
    }
    return handle(req);
  });
}
