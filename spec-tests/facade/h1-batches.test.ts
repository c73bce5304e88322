/**
 * When an HTTP/1.1 connection's responses are handed to the socket: a response complete
 * at once with no other request in hand is written marked `now` (it goes at once, not at
 * the turn's end); one with requests still in hand behind it is not, so that pipelined
 * responses gather into one send (Connection.write, transport/socket-connection.ts).
 */
import { describe, expect, it } from "vitest";
import { fakeServerPerTest, settle } from "../helpers/fake-transport.ts";

const start = fakeServerPerTest();
const GET = (path: string) => `GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`;

describe("HTTP/1.1 response batches", () => {
  it("a lone request's response is one write, marked now; so is the next one on the connection", async () => {
    const s = await start(() => new Response("hi"));
    const c = s.connect();
    c.handler.data(Buffer.from(GET("/")));
    await settle();
    expect(c.nows).toEqual([true]);
    c.handler.data(Buffer.from(GET("/")));
    await settle();
    expect(c.nows).toEqual([true, true]);
    expect(c.text().match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
  });

  it("16 pipelined requests: only the last response is marked now, so the transport sends them together", async () => {
    const s = await start(() => new Response("hi"));
    const c = s.connect();
    c.handler.data(Buffer.from(GET("/").repeat(16)));
    await settle();
    expect(c.nows).toEqual([...Array<boolean>(15).fill(false), true]);
  });

  it("a slow answer with a request behind it is not marked; the one behind it is", async () => {
    const s = await start(async (req) => {
      if (req.url.endsWith("/slow")) await settle(30);
      return new Response(new URL(req.url).pathname);
    });
    const c = s.connect();
    c.handler.data(Buffer.from(GET("/slow") + GET("/fast")));
    await settle(80);
    expect(c.nows).toEqual([false, true]);
    expect(c.text()).toMatch(/\/slow[^]*\/fast$/);
  });

  it("HEAD and a body sent with its head in one view (a recycled region) are marked too", async () => {
    const s = await start(() => new Response(new Uint8Array(70_000).fill(1)));
    const c = s.connect();
    c.handler.data(Buffer.from(`HEAD / HTTP/1.1\r\nhost: x\r\n\r\n`));
    await settle();
    c.handler.data(Buffer.from(GET("/")));
    await settle();
    expect(c.nows).toEqual([true, true]);
    expect(c.written[1]!.length).toBeGreaterThan(70_000);
  });
});
