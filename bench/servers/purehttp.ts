/** purehttp with the shared handler, HTTP/1.1 + HTTP/2 on one port, WebSocket echo on /ws. */
import { args, handle, runtime } from "./common.ts";

// On Node we measure purehttp as it ships: the JavaScript `npm run build` emits in dist/
// (the harness builds it first). tsx's on-the-fly transform runs the same code about 10%
// slower. Deno and Bun run the TypeScript sources themselves.
const dist = "../../dist/mod.js";
const { serve, upgradeWebSocket }: typeof import("../../src/mod.ts") =
  runtime() === "node" && !process.env.PUREHTTP_BENCH_SRC ? await import(dist) : await import("../../src/mod.ts");

const a = args();
serve({
  port: Number(a.port ?? 0),
  hostname: "127.0.0.1",
  keepAliveTimeout: 120_000,
  onListen: (addr) => console.log(`listening on http://127.0.0.1:${addr.port}`),
}, (req) => {
  if (req.headers.get("upgrade") === "websocket") {
    const { socket, response } = upgradeWebSocket(req);
    socket.onmessage = (e) => socket.send(e.data as string | ArrayBuffer);
    return response;
  }
  return handle(req);
});
