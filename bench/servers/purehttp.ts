/** purehttp with the shared handler, HTTP/1.1 + HTTP/2 on one port, WebSocket echo on /ws. */
import { args, handle, loadPurehttp } from "./common.ts";

const { serve, upgradeWebSocket } = await loadPurehttp();

const a = args();
serve({
  port: Number(a.port ?? 0),
  hostname: "127.0.0.1",
  keepAliveTimeout: 120_000,
  // --reuse-port 1: one of several processes on this port (servers/workers.ts).
  ...(a["reuse-port"] === "1" ? { reusePort: true } : {}),
  // --record 0 / 1 forces serve()'s recordResponses either way, for A/B runs; by default serve() decides.
  ...(a.record !== undefined ? { recordResponses: a.record === "1" } : {}),
  onListen: (addr) => console.log(`listening on http://127.0.0.1:${addr.port}`),
}, (req) => {
  if (req.headers.get("upgrade") === "websocket") {
    const { socket, response } = upgradeWebSocket(req);
    socket.onmessage = (e) => socket.send(e.data as string | ArrayBuffer);
    return response;
  }
  return handle(req);
});
