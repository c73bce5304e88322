/**
 * HTTP/1.1: a handler that answers without reading the request body. The rest of the
 * body must still be taken off the connection as body (RFC 9112 §6.3: the framing says
 * where the next request starts), never parsed as a request; past a bound the
 * connection is closed instead; with "Expect: 100-continue" no 100 is sent.
 */
import { describe, expect, it } from "vitest";
import { type FakeConnection, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";

const start = fakeServerPerTest();

async function connect() {
  const paths: string[] = [];
  const server = await start((req) => {
    const path = new URL(req.url).pathname;
    paths.push(path);
    return path === "/upload" ? new Response("too large\n", { status: 413 }) : new Response(`ok ${path}\n`);
  });
  return { conn: server.connect(), paths };
}

const statuses = (conn: FakeConnection) => [...conn.text().matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe("a request body the handler does not read", () => {
  it("is skipped as body, even when it looks like a request, and the connection goes on", async () => {
    const { conn, paths } = await connect();
    const smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    conn.handler.data(Buffer.from(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${smuggled.length + 10}\r\n\r\n`));
    await settle();
    expect(statuses(conn)).toEqual([413]);
    // The body arrives after the answer: ten bytes of padding, then bytes shaped like a request.
    conn.handler.data(Buffer.from("0123456789" + smuggled));
    conn.handler.data(Buffer.from("GET /next HTTP/1.1\r\nHost: x\r\n\r\n"));
    await settle();
    expect(paths).toEqual(["/upload", "/next"]);
    expect(statuses(conn)).toEqual([413, 200]);
    expect(conn.text()).toContain("ok /next");
    expect(conn.text()).not.toMatch(/connection: close/i);
  });

  it("past the bound, the answer says close and the connection ends", async () => {
    const { conn, paths } = await connect();
    conn.handler.data(Buffer.from(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`));
    await settle();
    expect(statuses(conn)).toEqual([413]);
    expect(conn.text()).toMatch(/\r\nconnection: close\r\n/i);
    conn.handler.data(Buffer.from("GET /next HTTP/1.1\r\nHost: x\r\n\r\n"));
    await settle();
    expect(paths).toEqual(["/upload"]);
  });

  it("with Expect: 100-continue, no 100 is sent and the connection ends after the answer", async () => {
    const { conn, paths } = await connect();
    conn.handler.data(Buffer.from("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
    await settle();
    expect(statuses(conn)).toEqual([413]);
    expect(conn.text()).not.toContain("100 Continue");
    expect(conn.text()).toMatch(/\r\nconnection: close\r\n/i);
    conn.handler.data(Buffer.from("hello"));
    conn.handler.data(Buffer.from("GET /next HTTP/1.1\r\nHost: x\r\n\r\n"));
    await settle();
    expect(paths).toEqual(["/upload"]);
  });

  /** A server whose handler answers at once and reads the body 30 ms later; `late` is that read. */
  async function answerThenRead(request: string) {
    let late: Promise<string> = Promise.resolve("");
    const server = await start((req) => {
      late = new Promise((r) => setTimeout(r, 30)).then(() => req.text());
      return new Response("early\n");
    });
    const conn = server.connect();
    conn.handler.data(Buffer.from(request));
    await settle();
    return { conn, late };
  }

  it("read after the response has gone out, it fails instead of ending early", async () => {
    const { conn, late } = await answerThenRead("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
    expect(statuses(conn)).toEqual([200]);
    await expect(late).rejects.toThrow(TypeError);
  });

  it("a body that had all arrived can still be read after the response", async () => {
    const { late } = await answerThenRead("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
    await expect(late).resolves.toBe("0123456789");
  });
});
