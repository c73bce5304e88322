/**
 * Which methods reach the handler (facade/method.ts). Method names are case-sensitive
 * (RFC 9110 §9.1) and a Fetch Request cannot keep a lower-case one ("head" would reach
 * the handler as HEAD), nor carry CONNECT, TRACE or TRACK: those are answered 501 (RFC
 * 9110 §15.6.2) with the reason, over HTTP/1.1 and HTTP/2 alike. Any other method
 * reaches the handler exactly as sent.
 */
import { describe, expect, it, vi } from "vitest";
import { HpackDecoder } from "../../src/hpack/decoder.ts";
import { HpackEncoder } from "../../src/hpack/encoder.ts";
import { H2_PREFACE, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";
import { F, T, rawFrame } from "../helpers/h2.ts";

const start = fakeServerPerTest();

const REFUSED = ["get", "head", "Post", "patch", "purge", "TRACE", "connect", "TRACK"];
const SERVED = ["GET", "POST", "PATCH", "PURGE", "PROPFIND", "M-SEARCH"];

async function echoMethodServer() {
  const seen: string[] = [];
  const server = await start((req) => {
    seen.push(req.method);
    return new Response(req.method);
  });
  return { server, seen };
}

describe("HTTP/1.1", () => {
  it.each(REFUSED)("%s is answered 501 with the reason, without reaching the handler, and the connection closes", async (method) => {
    const { server, seen } = await echoMethodServer();
    const conn = server.connect();
    const target = method === "CONNECT" ? "x:443" : "/"; // authority-form is for CONNECT alone (RFC 9112 §3.2.3)
    conn.handler.data(Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi`));
    await settle();
    const text = conn.text();
    expect(text).toMatch(/^HTTP\/1\.1 501 Not Implemented\r\n/);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(text).toMatch(new RegExp(`\\r\\n\\r\\n(method ")?${method}"? is not supported by this server \\((a Fetch Request cannot carry it|method names are case-sensitive)`));
    expect(seen).toEqual([]);
  });

  it.each(SERVED)("%s reaches the handler as sent", async (method) => {
    const { server, seen } = await echoMethodServer();
    const conn = server.connect();
    conn.handler.data(Buffer.from(`${method} / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`));
    await settle();
    expect(conn.text()).toMatch(new RegExp(`^HTTP/1\\.1 200 OK\\r\\n[^]*\\r\\n\\r\\n${method}$`));
    expect(seen).toEqual([method]);
  });
});

describe("HTTP/2", () => {
  it("refused methods get a 501 stream each; the connection goes on serving the others", async () => {
    const { server, seen } = await echoMethodServer();
    const conn = server.connect();
    conn.handler.data(H2_PREFACE);
    const enc = new HpackEncoder();
    const methods = [...REFUSED.filter((m) => m.toUpperCase() !== "CONNECT"), ...SERVED];
    let id = 1;
    for (const method of methods) {
      const fields: [string, string][] = [[":method", method], [":scheme", "http"], [":path", "/"], [":authority", "x"]];
      conn.handler.data(rawFrame(T.HEADERS, F.END_HEADERS | F.END_STREAM, id, enc.encode(fields)));
      id += 2;
    }
    await settle();
    const dec = new HpackDecoder();
    const status = new Map<number, string>();
    for (const f of conn.frames()) {
      if (f.type === T.HEADERS) status.set(f.id, dec.decode(f.payload).fields[1]!);
    }
    expect(methods.map((_, i) => status.get(1 + 2 * i))).toEqual(methods.map((m) => (SERVED.includes(m) ? "200" : "501")));
    expect(seen).toEqual(SERVED);
  });
});

describe("a runtime whose Request changes a method it does not know (as Bun's makes it GET)", () => {
  it("is asked, not assumed: the method is answered 501 with what the Request made of it", async () => {
    const { server, seen } = await echoMethodServer();
    const conn = server.connect();
    conn.handler.data(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await settle();
    const Native = Request;
    const known = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]);
    // Bun's rule, on this runtime: methods outside its list become GET.
    vi.stubGlobal("Request", class extends Native {
      constructor(input: RequestInfo | URL, init?: RequestInit) {
        super(input, init?.method && !known.has(init.method) ? { ...init, method: "GET" } : init);
      }
    });
    try {
      const other = server.connect();
      other.handler.data(Buffer.from("BREW /pot HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"));
      await settle();
      expect(other.text()).toMatch(/^HTTP\/1\.1 501 Not Implemented\r\n/);
      expect(other.text()).toContain(`method "BREW" is not supported by this server (this runtime's Fetch Request would read it as GET)`);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(seen).toEqual(["GET"]);
  });
});
