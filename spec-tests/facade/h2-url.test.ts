/**
 * The URL of each HTTP/2 request on one connection (RFC 9113 §8.3.1: scheme,
 * authority and path), while they change and repeat: the connection reuses the last
 * URL string when all three repeat, and must never hand out a stale one.
 */
import { expect, it } from "vitest";
import { HpackEncoder } from "../../src/hpack/encoder.ts";
import { H2_PREFACE, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";
import { F, T, rawFrame } from "../helpers/h2.ts";

const start = fakeServerPerTest();

it("each request's url is its own as scheme, authority and path change and repeat", async () => {
  const seen: string[] = [];
  const server = await start((req) => (seen.push(req.url), new Response(null, { status: 204 })));
  const conn = server.connect();
  conn.handler.data(H2_PREFACE);
  const enc = new HpackEncoder();
  const asks: [string, string, string][] = [
    ["http", "a.test", "/x"],
    ["http", "a.test", "/x"],
    ["http", "a.test", "/y"],
    ["http", "b.test", "/y"],
    ["https", "b.test", "/y"],
    ["http", "b.tes", "t/y"], // the same characters split differently (refused: a :path starts with "/")
    ["http", "b.test", "/y?q=1"],
    ["http", "b.test", "/y"],
  ];
  let id = 1;
  for (const [scheme, authority, path] of asks) {
    const fields: [string, string][] = [[":method", "GET"], [":scheme", scheme], [":path", path], [":authority", authority]];
    conn.handler.data(rawFrame(T.HEADERS, F.END_HEADERS | F.END_STREAM, id, enc.encode(fields)));
    id += 2;
    await settle(2);
  }
  await settle();
  // "t/y" does not start with "/": that stream is refused (§8.3.1) and never reaches the handler.
  expect(seen).toEqual([
    "http://a.test/x", "http://a.test/x", "http://a.test/y", "http://b.test/y", "https://b.test/y",
    "http://b.test/y?q=1", "http://b.test/y",
  ]);
});
