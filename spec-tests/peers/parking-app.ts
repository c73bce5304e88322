/**
 * A server for parking-runtimes.test.ts, on any runtime, in Bun.serve's shape, with
 * serve's parkIdleAbove from the first argument (0: every idle HTTP/1.1 connection is
 * parked where the transport can, which is Bun's): / answers, /echo echoes a POST's
 * body, /ip says the client's port as requestIP sees it, /heap counts the JavaScript
 * objects alive after a full collection (Bun; null elsewhere; see heap()), and /shutdown starts a
 * graceful shutdown, after which the process says "finished". /ws is a WebSocket echo
 * (Bun's API; "later" is also answered "pushed" 300 ms on, sent while the socket waits),
 * and /closes lists the close codes its handler heard.
 */
import { serve } from "../../src/mod.ts";

type Srv = { requestIP(r: Request): { port: number } | null; upgrade(r: Request): boolean };
type Ws = { send(m: string | Uint8Array): number };
const closes: number[] = [];
// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const parkIdleAbove = Number((g.Deno ? g.Deno.args : g.process.argv.slice(2))[0] ?? 0);

/** The cell types of the engine's own code and shapes, which heap() leaves out. */
const ENGINE_CELL = /CodeBlock|Executable|^Structure|PropertyTable/;

/**
 * Cells alive after a full collection (Bun; null elsewhere), leaving out the engine's own
 * code and shapes: JSC's compilers make code blocks and structures when they tier a
 * function up, at whatever moment a loaded machine puts that, and they are not objects any
 * connection holds (a batch of 1,000 parked connections read about 120 of them).
 */
async function heap(): Promise<{ objects: number | null }> {
  if (!g.Bun) return { objects: null };
  const { heapStats } = await import("bun:jsc" as string);
  g.Bun.gc(true);
  g.Bun.gc(true);
  const { objectCount, objectTypeCounts } = heapStats() as { objectCount: number; objectTypeCounts: Record<string, number> };
  let engine = 0;
  for (const [type, n] of Object.entries(objectTypeCounts)) if (ENGINE_CELL.test(type)) engine += n;
  return { objects: objectCount - engine };
}

const server = serve({
  port: 0,
  hostname: "127.0.0.1",
  parkIdleAbove,
  keepAliveTimeout: 1500,
  onListen: (a) => console.log(`listening on http://127.0.0.1:${a.port}`),
  async fetch(req, srv) {
    const path = new URL(req.url).pathname;
    if (path === "/echo") return new Response(await req.arrayBuffer());
    if (path === "/ws") return (srv as unknown as Srv).upgrade(req) ? undefined : new Response("not a handshake", { status: 400 });
    if (path === "/closes") return Response.json(closes);
    if (path === "/ip") return new Response(String((srv as unknown as Srv).requestIP(req)?.port));
    if (path === "/heap") return Response.json(await heap());
    if (path === "/shutdown") {
      setTimeout(() => void server.shutdown().then(() => console.log("finished")), 20);
      return new Response("shutting down");
    }
    return new Response(`hello ${path}`);
  },
  websocket: {
    message(ws: Ws, m: string | Uint8Array) {
      ws.send(m);
      if (m === "later") setTimeout(() => ws.send("pushed"), 300);
    },
    close: (_ws: Ws, code: number) => void closes.push(code),
  },
});
