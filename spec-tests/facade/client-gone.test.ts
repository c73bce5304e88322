/**
 * The client closes its side (FIN) while its handler is at work: request.signal aborts,
 * over HTTP/1.1 and HTTP/2, and a response the handler still gives goes out (a
 * half-closed client may read it).
 */
import { describe, expect, it } from "vitest";
import { HpackEncoder } from "../../src/hpack/encoder.ts";
import { H2_PREFACE, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";
import { F, T, rawFrame } from "../helpers/h2.ts";

const start = fakeServerPerTest();

async function waitingServer() {
  const reasons: string[] = [];
  const server = await start((req) => new Promise<Response>((resolve) => {
    req.signal.addEventListener("abort", () => {
      reasons.push(String((req.signal.reason as Error).message));
      resolve(new Response("noticed"));
    });
  }));
  return { server, reasons };
}

describe("a FIN from the client aborts request.signal", () => {
  it("HTTP/1.1", async () => {
    const { server, reasons } = await waitingServer();
    const conn = server.connect();
    conn.handler.data(Buffer.from("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
    await settle();
    expect(reasons).toEqual([]);
    conn.handler.end();
    await settle();
    expect(reasons).toEqual(["client closed its side of the connection"]);
    expect(conn.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*connection: close\r\n\r\nnoticed$/);
  });

  it("HTTP/1.1, a request body still coming fails for the handler reading it", async () => {
    let error = "";
    const server = await start(async (req) => {
      await req.text().catch((e) => (error = String(e.cause?.message ?? e.message)));
      return new Response(null, { status: 204 });
    });
    const conn = server.connect();
    conn.handler.data(Buffer.from("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
    await settle();
    conn.handler.end();
    await settle();
    expect(error).toBe("client closed its side of the connection");
  });

  it("HTTP/2", async () => {
    const { server, reasons } = await waitingServer();
    const conn = server.connect();
    conn.handler.data(H2_PREFACE);
    const block = new HpackEncoder().encode([[":method", "GET"], [":scheme", "http"], [":path", "/slow"], [":authority", "x"]]);
    conn.handler.data(rawFrame(T.HEADERS, F.END_HEADERS | F.END_STREAM, 1, block));
    await settle();
    expect(reasons).toEqual([]);
    conn.handler.end();
    await settle();
    expect(reasons).toEqual(["client closed its side of the connection"]);
    const types = conn.frames().map((f) => f.type);
    expect(types).toContain(T.GOAWAY);
    expect(conn.frames().filter((f) => f.id === 1).map((f) => f.type)).toEqual([T.HEADERS, T.DATA]);
  });
});
