/**
 * A streamed body whose Response declares a Content-Length (a file, say) is sent with
 * that length, not chunked; a body that turns out longer or shorter than declared
 * cannot be completed, and ends the connection (HTTP/1.1) or the stream (HTTP/2)
 * rather than going out malformed (RFC 9112 §6.3, RFC 9113 §8.1.1).
 */
import * as http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve } from "../../src/mod.ts";
import type { Server } from "../../src/serve.ts";
import { raw } from "../helpers/raw.ts";

let server: Server;
let port: number;

/** A stream of `parts` (strings), each after a timer turn, so that it is streamed and not gathered. */
function slowStream(parts: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(c) {
      await new Promise((r) => setTimeout(r, 5));
      if (i < parts.length) c.enqueue(new TextEncoder().encode(parts[i++]));
      else c.close();
    },
  });
}

beforeAll(async () => {
  server = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const declared = new URL(req.url).searchParams.get("declare")!;
    return new Response(slowStream(["hello ", "world"]), { headers: { "content-length": declared } });
  });
  port = (await server.listening).port;
});
afterAll(() => server.shutdown());

describe("HTTP/1.1", () => {
  it("the declared length frames the body: Content-Length, no chunked coding, and the connection stays open", async () => {
    const out = await raw(port, "GET /?declare=11 HTTP/1.1\r\nHost: t\r\n\r\nGET /?declare=11 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    const responses = out.split("HTTP/1.1 200 OK").slice(1);
    expect(responses).toHaveLength(2);
    for (const r of responses) {
      expect(r).toMatch(/content-length: 11\r\n/);
      expect(r).not.toMatch(/transfer-encoding/i);
      expect(r.endsWith("\r\n\r\nhello world")).toBe(true);
    }
  });

  it.each([["longer", 5], ["shorter", 20]])("a body %s than declared ends the connection without a second response", async (_, n) => {
    const out = await raw(port, `GET /?declare=${n} HTTP/1.1\r\nHost: t\r\n\r\nGET /?declare=11 HTTP/1.1\r\nHost: t\r\n\r\n`);
    // At most the head and what fits (a body failed before its first write may leave nothing).
    expect(out.split("HTTP/1.1 200 OK").length).toBeLessThanOrEqual(2);
    if (out.length > 0) {
      expect(out).toMatch(new RegExp(`content-length: ${n}\\r\\n`));
      expect(out.slice(out.indexOf("\r\n\r\n") + 4).length).toBeLessThan(n);
    }
  });
});

describe("HTTP/2", () => {
  async function get(declare: number): Promise<{ status: number; body: string; error: string | null }> {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const req = session.request({ ":path": `/?declare=${declare}` });
      let status = 0, body = "";
      req.on("response", (h) => (status = Number(h[":status"])));
      req.setEncoding("latin1");
      req.on("data", (d: string) => (body += d));
      const error = await new Promise<string | null>((r) => {
        req.on("end", () => r(null));
        req.on("error", (e: Error & { code?: string }) => r(e.code ?? e.message));
      });
      return { status, body, error };
    } finally {
      session.close();
    }
  }
  it("the declared length is sent and the body matches it", async () => {
    expect(await get(11)).toEqual({ status: 200, body: "hello world", error: null });
  });
  it.each([5, 20])("a body that does not match a declared %i is cut off with RST_STREAM", async (n) => {
    const r = await get(n);
    expect(r.error).not.toBeNull();
    expect(r.body.length).toBeLessThanOrEqual(n);
  });
});
