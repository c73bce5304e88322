/**
 * A test server built on purehttp's public API, for the cases the echo server
 * does not cover (streaming both ways, memory, aborts). Runs on all three runtimes.
 */
import { createHash } from "node:crypto";
import process from "node:process";
import { getTrailers, serve, setTrailers, upgradeWebSocket } from "../../src/mod.ts";

let aborted = 0;
/** Requests to /slow whose signal aborted (the client went away before the answer). */
let slowAborted = 0;
const big = new Uint8Array(64 * 1024).fill(0x61);

let flood: Record<string, unknown> = {};
/** What each page (by its query) reported. */
const chromiumResults = new Map<string, string>();
let wsEventsClosed: Record<string, unknown> | null = null;

const PAGE = `<!doctype html><title>purehttp ws</title><script>
// ?ws=deflate: the same exchange with permessage-deflate agreed (Chromium always offers it).
const path = new URLSearchParams(location.search).get("ws") === "deflate" ? "/ws-deflate" : "/ws-deno";
const ws = new WebSocket(location.origin.replace("http", "ws") + path);
ws.binaryType = "arraybuffer";
const got = [];
ws.onopen = () => { ws.send("hello from chromium"); ws.send(new Uint8Array([1, 2, 3])); ws.send("x".repeat(100000)); };
ws.onmessage = (e) => {
  got.push(typeof e.data === "string" ? "text:" + e.data.length : "binary:" + new Uint8Array(e.data).join(","));
  if (got.length === 3) ws.close(1000, "done");
};
ws.onclose = (e) => fetch("/report" + location.search, { method: "POST", body: JSON.stringify({ got, code: e.code, clean: e.wasClean, extensions: ws.extensions }) });
</script>`;

const server = serve({
  port: 0,
  hostname: "127.0.0.1",
  onListen: (a) => console.log(`listening on http://127.0.0.1:${a.port}`),
  websocket: {
    open(ws) {
      (ws.data as { opened: boolean }).opened = true;
    },
    message(ws, m) {
      if (typeof m === "string" && m.startsWith("sub:")) {
        ws.subscribe(m.slice(4));
        ws.send("subscribed");
      } else if (typeof m === "string" && m.startsWith("pub:")) {
        const [, topic, text] = m.split(":");
        ws.publish(topic!, text!);
      } else if (m === "flood") {
        // A client that does not read: send until send() reports backpressure.
        const chunk = new Uint8Array(64 * 1024);
        let sent = 0;
        let backpressured = false;
        for (let i = 0; i < 4096; i++) {
          const r = ws.send(chunk);
          sent++;
          if (r === -1) {
            backpressured = true;
            break;
          }
        }
        flood = { sent, backpressured, bufferedAmount: ws.bufferedAmount, rss: process.memoryUsage().rss };
      } else ws.send(m);
    },
    close(ws, code) {
      (ws.data as { closed?: number }).closed = code;
    },
  },
  async fetch(req, srv) {
  const url = new URL(req.url);
  switch (url.pathname) {
    case "/bun-ws":
      if ((srv as unknown as { upgrade(r: Request, o: unknown): boolean }).upgrade(req, { data: { opened: false } })) return undefined;
      return new Response("not a websocket request\n", { status: 400 });
    case "/ws-deno": {
      const { socket, response } = upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(e.data);
      return response;
    }
    case "/ws-events": {
      // What a Deno.serve app may rely on: an on<type> attribute is a listener in its place
      // among the others, sees the event's target, and set to null stops being called.
      const { socket, response } = upgradeWebSocket(req);
      const log: string[] = [];
      socket.addEventListener("message", () => log.push("listener before"));
      socket.onmessage = function (e) {
        // Read as a real MessageEvent of the runtime made with the same data reads.
        const real = new MessageEvent("message", { data: e.data });
        const like = e instanceof MessageEvent && e instanceof Event && String(e) === String(real) && e.origin === real.origin &&
          e.lastEventId === real.lastEventId && e.source === real.source && e.ports.length === 0 && Object.isFrozen(e.ports) &&
          e.bubbles === real.bubbles && e.cancelable === real.cancelable && e.isTrusted === real.isTrusted;
        log.push(`onmessage target:${e.target === socket} this:${this === socket} ${e.constructor.name} like:${like}`);
      };
      socket.addEventListener("message", (e) => {
        log.push("listener after");
        if (e.data === "drop") socket.onmessage = null;
        (e.target as WebSocket).send(JSON.stringify(log.splice(0)));
      });
      socket.onclose = (e) => {
        wsEventsClosed = { type: e.constructor.name, code: e.code, reason: e.reason, wasClean: e.wasClean, target: e.target === socket };
      };
      return response;
    }
    case "/ws-deflate": {
      // permessage-deflate accepted when offered (RFC 7692); echoes, and says what was agreed.
      const offered = req.headers.get("sec-websocket-protocol")?.split(",")[0]?.trim();
      const { socket, response } = upgradeWebSocket(req, { perMessageDeflate: true, protocol: offered || undefined });
      socket.onmessage = (e) => socket.send(e.data === "extensions?" ? socket.extensions : e.data);
      return response;
    }
    case "/ws-events-closed":
      return Response.json(wsEventsClosed);
    case "/shutdown":
      setTimeout(() => server.shutdown().then(() => {
        console.log("finished");
        process.exit(0);
      }), 10);
      return new Response("shutting down\n");
    case "/page":
      return new Response(PAGE, { headers: { "content-type": "text/html" } });
    case "/report":
      chromiumResults.set(url.search, await req.text());
      return new Response("ok");
    case "/report-result": {
      const r = chromiumResults.get(url.search);
      return new Response(r ?? "", { status: r ? 200 : 404 });
    }
    case "/flood-stats":
      return Response.json(flood);
    case "/sha256": {
      // Hash the upload as it streams: memory stays at the stream's high-water mark.
      const h = createHash("sha256");
      let n = 0;
      for await (const chunk of req.body!) {
        h.update(chunk);
        n += chunk.length;
      }
      return Response.json({ bytes: n, sha256: h.digest("hex") });
    }
    case "/refuse":
      // Answers without reading the request body (as a 413 or a failed auth check would), a
      // little later, so some of the body has come in and waits unread.
      await new Promise((r) => setTimeout(r, 10));
      return new Response("not reading that\n", { status: 413 });
    case "/stream-echo":
      return new Response(req.body);
    case "/memory":
      return Response.json({ rss: process.memoryUsage().rss });
    case "/parts": {
      // Chunks ready at once, of the given sizes, the i-th filled with i + 1: sent as one body with a length.
      const sizes = (url.searchParams.get("sizes") ?? "").split(",").map(Number);
      return new Response(new ReadableStream({
        start(c) {
          sizes.forEach((n, i) => c.enqueue(new Uint8Array(n).fill(i + 1)));
          c.close();
        },
      }));
    }
    case "/big": {
      // n chunks of 64 KiB, produced only as the client reads them.
      let left = Number(url.searchParams.get("n") ?? 16);
      return new Response(new ReadableStream({
        pull(c) {
          if (left-- > 0) c.enqueue(big);
          else c.close();
        },
      }, { highWaterMark: 0 }));
    }
    case "/forever": {
      req.signal.addEventListener("abort", () => aborted++);
      let timer: ReturnType<typeof setInterval>;
      return new Response(new ReadableStream({
        start(c) {
          timer = setInterval(() => c.enqueue(new TextEncoder().encode("tick\n")), 10);
        },
        cancel() {
          clearInterval(timer);
        },
      }));
    }
    case "/aborted":
      return Response.json({ aborted, slow: slowAborted });
    case "/slow":
      // Slow work for a client that may leave first: the signal says so, and the work stops.
      return new Promise<Response>((resolve) => {
        const timer = setTimeout(() => resolve(new Response("slow work done\n")), 10_000);
        req.signal.addEventListener("abort", () => {
          slowAborted++;
          clearTimeout(timer);
          resolve(new Response("client gone\n"));
        });
      });
    case "/throw":
      throw new Error("handler failure on purpose");
    case "/sse": {
      return new Response(new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode("data: first\n\n"));
        },
      }), { headers: { "content-type": "text/event-stream" } });
    }
    case "/request-trailers": {
      // The body, then the trailers the client sent after it (getTrailers), as JSON.
      const body = await req.text();
      const trailers = await getTrailers(req).then((h) => [...h], (e: Error) => `rejected: ${e.message}`);
      return Response.json({ body, trailers });
    }
    case "/trailers":
      return setTrailers(new Response("body with trailers"), Promise.resolve({ "x-checksum": "abc123" }));
    case "/set-cookies": {
      const h = new Headers();
      h.append("set-cookie", "a=1");
      h.append("set-cookie", "b=2");
      return new Response("ok", { headers: h });
    }
    case "/forward": {
      // A proxy's moves: change a header, rebuild the request for an upstream, read it there.
      req.headers.set("x-forwarded-by", "fixture");
      const upstream = new Request(`http://upstream.invalid${url.search}`, req);
      const peek = upstream.clone();
      return Response.json({
        instance: req instanceof Request,
        method: upstream.method,
        url: upstream.url,
        forwardedBy: upstream.headers.get("x-forwarded-by"),
        contentType: upstream.headers.get("content-type"),
        body: await peek.text(),
        originalUsed: req.bodyUsed,
      });
    }
    case "/no-content":
      return new Response(null, { status: 204 });
    default:
      return new Response("fixture\n");
  }
  },
});
void server;
