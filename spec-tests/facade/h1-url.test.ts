/**
 * The URL of each HTTP/1.1 request on one keep-alive connection (RFC 9112 §3.3: the
 * target with the Host), while Host and target change and repeat: the connection reuses
 * its last URL string when both repeat, and must never hand out a stale one.
 */
import { expect, it } from "vitest";
import { fakeServerPerTest, settle } from "../helpers/fake-transport.ts";

const start = fakeServerPerTest();

it("each request's url is its own as Host and target change and repeat", async () => {
  const seen: string[] = [];
  const server = await start((req) => (seen.push(req.url), new Response(null, { status: 204 })));
  const conn = server.connect();
  const asks = [
    ["GET /x", "a.test"], ["GET /x", "a.test"], ["GET /y", "a.test"], ["GET /y", "b.test"],
    ["GET /y?q=1", "b.test"], ["GET http://c.test/z", "b.test"], ["GET /y", "b.test"],
    ["GET /ab", "b.test"], ["GET /a", "b.testb"],
  ];
  for (const [line, host] of asks) {
    conn.handler.data(Buffer.from(`${line} HTTP/1.1\r\nHost: ${host}\r\n\r\n`));
    await settle(2);
  }
  expect(seen).toEqual([
    "http://a.test/x", "http://a.test/x", "http://a.test/y", "http://b.test/y",
    "http://b.test/y?q=1", "http://c.test/z", "http://b.test/y",
    "http://b.test/ab", "http://b.testb/a",
  ]);
});
