/**
 * RFC 9113 §3.4 and §11.6: a connection on the HTTP/1.1 port that starts with "PRI " is
 * taken for HTTP/2 prior knowledge (PRI is the method reserved for the preface). When
 * the rest is not the preface, the answer is GOAWAY(PROTOCOL_ERROR) and the connection
 * closes: never an HTTP/1.1 request with method PRI, never a 505. Each byte may come in
 * its own read.
 */
import { describe, expect, it } from "vitest";
import { fakeServerPerTest, settle } from "../helpers/fake-transport.ts";
import { E, T } from "../helpers/h2.ts";

const start = fakeServerPerTest();

const NOT_THE_PREFACE = [
  "PRI * HTTP/1.1\r\n\r\n",
  "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n",
  "PRI / HTTP/1.1\r\nHost: x\r\n\r\n",
  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\r",
];

describe("a connection that starts like the HTTP/2 preface", () => {
  for (const split of [false, true]) {
    it.each(NOT_THE_PREFACE)(`but is not it: GOAWAY(PROTOCOL_ERROR), then closed${split ? ", a byte per read" : ""} (%j)`, async (bytes) => {
      const seen: string[] = [];
      const server = await start((req) => {
        seen.push(req.method);
        return new Response("no");
      });
      const conn = server.connect();
      const input = Buffer.from(bytes, "latin1");
      if (split) for (const b of input) conn.handler.data(Uint8Array.of(b));
      else conn.handler.data(input);
      await settle();
      const frames = conn.frames();
      expect(frames[0]!.type).toBe(T.SETTINGS); // the server's preface comes first (§3.4)
      const goaway = frames.find((f) => f.type === T.GOAWAY);
      expect(goaway, conn.text()).toBeDefined();
      expect(goaway!.payload.readUInt32BE(4)).toBe(E.PROTOCOL_ERROR);
      expect(goaway!.payload.subarray(8).toString()).toBe("invalid connection preface");
      expect(conn.closed).toBe(true);
      expect(seen).toEqual([]);
    });
  }

  it("a request with another method that begins with PR is HTTP/1.1 as before", async () => {
    const server = await start((req) => new Response(req.method));
    const conn = server.connect();
    conn.handler.data(Buffer.from("PROPFIND / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await settle();
    expect(conn.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nPROPFIND$/);
  });
});
