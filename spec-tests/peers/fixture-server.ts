/**
 * A test server built on purehttp's public API, for the cases the echo server
 * does not cover (streaming both ways, memory, aborts). Runs on all three runtimes.
 */
import { createHash } from "node:crypto";
import process from "node:process";
import { serve } from "../../src/mod.ts";

let aborted = 0;
const big = new Uint8Array(64 * 1024).fill(0x61);

serve({ port: 0, hostname: "127.0.0.1", onListen: (a) => console.log(`listening on http://127.0.0.1:${a.port}`) }, async (req) => {
  const url = new URL(req.url);
  switch (url.pathname) {
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
    case "/stream-echo":
      return new Response(req.body);
    case "/memory":
      return Response.json({ rss: process.memoryUsage().rss });
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
      return Response.json({ aborted });
    case "/throw":
      throw new Error("handler failure on purpose");
    case "/sse": {
      return new Response(new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode("data: first\n\n"));
        },
      }), { headers: { "content-type": "text/event-stream" } });
    }
    case "/set-cookies": {
      const h = new Headers();
      h.append("set-cookie", "a=1");
      h.append("set-cookie", "b=2");
      return new Response("ok", { headers: h });
    }
    case "/no-content":
      return new Response(null, { status: 204 });
    default:
      return new Response("fixture\n");
  }
});
