/**
 * A server for remote-address-runtimes.test.ts, on any runtime, in Bun.serve's shape.
 * /now answers the peer's address as the handler's info and server.requestIP see it;
 * /late reads info.remoteAddr only once the client has gone (request.signal), and
 * /late-state says what it read then; /ws upgrades, and the socket's first message is
 * its remoteAddress.
 */
import { serve } from "../../src/mod.ts";

type Info = { remoteAddr: { hostname: string; port: number }; requestIP(r: Request): { address: string; port: number } | null; upgrade(r: Request): boolean };
let late = "none";

serve({
  port: 0,
  hostname: "127.0.0.1",
  onListen: (a) => console.log(`listening on http://127.0.0.1:${a.port}`),
  fetch(req, srv) {
    const info = srv as unknown as Info;
    const path = new URL(req.url).pathname;
    if (path === "/ws") return info.upgrade(req) ? undefined : new Response("no upgrade", { status: 400 });
    if (path === "/now") {
      const ip = info.requestIP(req);
      return Response.json({ info: { hostname: info.remoteAddr.hostname, port: info.remoteAddr.port }, ip: ip && { address: ip.address, port: ip.port } });
    }
    if (path === "/late") {
      return new Promise<Response>((resolve) => {
        req.signal.addEventListener("abort", () => {
          // Read a moment after the runtime has closed the socket.
          setTimeout(() => {
            late = JSON.stringify({ hostname: info.remoteAddr.hostname, port: info.remoteAddr.port });
            resolve(new Response("gone"));
          }, 50);
        });
      });
    }
    if (path === "/late-state") return new Response(late);
    return new Response("not found", { status: 404 });
  },
  websocket: {
    open(ws: { remoteAddress: string; send(m: string): void }) {
      ws.send(ws.remoteAddress);
    },
    message() {},
  },
} as never);
