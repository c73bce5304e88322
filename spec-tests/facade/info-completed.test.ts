/**
 * The handler's `info.completed` (as Deno.serve's): settles once the response has been
 * sent, or once the client went away without it, over HTTP/1.1 and HTTP/2, whether the
 * handler reads it at once or only after its response is out. It is made when first read
 * (a getter, as in Deno), so these tests read it at different moments.
 */
import * as http2 from "node:http2";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve } from "../../src/mod.ts";
import type { Server } from "../../src/serve.ts";

let server: Server;
let port: number;
/** What each request's handler saw, by the request's `id` query parameter. */
const seen = new Map<string, { info: { completed: Promise<void> }; settled: boolean }>();

/** One chunk, then nothing more, ever. */
const hanging = () =>
  new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode("first")), pull: () => new Promise(() => {}) });

beforeAll(async () => {
  server = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req, info) => {
    const u = new URL(req.url);
    const entry = { info, settled: false };
    seen.set(u.searchParams.get("id")!, entry);
    if (u.searchParams.get("read") === "now") info.completed.then(() => (entry.settled = true));
    if (u.pathname === "/hang") return new Response(hanging());
    return new Response("done");
  });
  port = (await server.listening).port;
});
afterAll(() => server.shutdown());

/** Reads it now (for a handler that did not) and says whether it settles within `ms`. */
async function settlesWithin(id: string, ms: number): Promise<boolean> {
  const e = seen.get(id)!;
  if (!e.settled) e.info.completed.then(() => (e.settled = true));
  for (let t = 0; t < ms && !e.settled; t += 5) await new Promise((r) => setTimeout(r, 5));
  return e.settled;
}

describe("HTTP/1.1", () => {
  it.each(["now", "later"])("settles after the response was sent (read %s)", async (read) => {
    const id = `h1-${read}`;
    const res = await fetch(`http://127.0.0.1:${port}/?id=${id}&read=${read}`);
    expect(await res.text()).toBe("done");
    expect(await settlesWithin(id, 1000)).toBe(true);
  });

  it("stays pending while the response is being sent, and settles when the client resets the connection", async () => {
    const sock = net.connect(port, "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    sock.write("GET /hang?id=h1-gone&read=now HTTP/1.1\r\nHost: t\r\n\r\n");
    await new Promise((r) => sock.once("data", r)); // the head and the first chunk
    expect(await settlesWithin("h1-gone", 100)).toBe(false);
    // A reset, not a FIN: a client may half-close after its request and still read the answer.
    sock.resetAndDestroy();
    expect(await settlesWithin("h1-gone", 2000)).toBe(true);
  });
});

describe("HTTP/2", () => {
  it.each(["now", "later"])("settles after the response was sent (read %s)", async (read) => {
    const id = `h2-${read}`;
    const client = http2.connect(`http://127.0.0.1:${port}`);
    const req = client.request({ ":path": `/?id=${id}&read=${read}` });
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    await new Promise((r) => req.on("end", r));
    client.close();
    expect(body).toBe("done");
    expect(await settlesWithin(id, 1000)).toBe(true);
  });

  it("settles when the client resets the stream", async () => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    const req = client.request({ ":path": "/hang?id=h2-gone&read=now" });
    await new Promise((r) => req.once("response", r));
    expect(await settlesWithin("h2-gone", 100)).toBe(false);
    req.close(http2.constants.NGHTTP2_CANCEL);
    expect(await settlesWithin("h2-gone", 2000)).toBe(true);
    client.close();
  });
});
