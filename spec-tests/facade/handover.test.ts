/**
 * A protocol switch hands the socket over: after a WebSocket upgrade or an HTTP/2
 * prior-knowledge preface, the transport delivers the connection's events to the new
 * protocol itself, and the HTTP/1.1 connection is left with nothing to forward (so it,
 * its parser and what they hold can be collected).
 */
import { describe, expect, it } from "vitest";
import { upgradeWebSocket } from "../../src/mod.ts";
import type { Handler } from "../../src/facade/context.ts";
import { H2_PREFACE, WS_HANDSHAKE, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";

const start = fakeServerPerTest();

async function connect(handler: Handler) {
  const server = await start(handler);
  return server.connect();
}

/** A client frame: FIN, the opcode, masked with a fixed key (RFC 6455 §5.3). */
function clientFrame(opcode: number, payload: string): Uint8Array {
  const key = [0x11, 0x22, 0x33, 0x44];
  const data = Buffer.from(payload);
  return Uint8Array.from([0x80 | opcode, 0x80 | data.length, ...key, ...data.map((b, i) => b ^ key[i & 3]!)]);
}

describe("protocol switches hand the socket over", () => {
  it("after a WebSocket upgrade, frames go to the WebSocket and nothing reaches the HTTP/1.1 connection", async () => {
    const conn = await connect((req) => {
      const { socket, response } = upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(e.data as string);
      return response;
    });
    const h1 = conn.handler;
    h1.data(WS_HANDSHAKE);
    await settle();
    expect(conn.text()).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(conn.handler).not.toBe(h1);

    // The old handler forwards nothing: a frame given to it is not answered.
    const before = conn.written.length;
    h1.data(clientFrame(0x1, "lost"));
    await settle();
    expect(conn.written.length).toBe(before);

    conn.handler.data(clientFrame(0x1, "hi"));
    await settle();
    expect(Array.from(conn.written.at(-1)!)).toEqual([0x81, 2, 0x68, 0x69]);
  });

  it("after the HTTP/2 preface, frames go to HTTP/2", async () => {
    const conn = await connect(() => new Response("ok"));
    const h1 = conn.handler;
    h1.data(H2_PREFACE);
    await settle();
    expect(conn.handler).not.toBe(h1);
    // Our SETTINGS comes first (RFC 9113 §3.4).
    expect(conn.frames()[0]!.type).toBe(4);
    const before = conn.written.length;
    // A PING to the new handler is answered with a PING ACK (RFC 9113 §6.7).
    conn.handler.data(Uint8Array.from([0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]));
    await settle();
    const reply = Buffer.concat(conn.written.slice(before));
    expect(Array.from(reply.subarray(0, 9))).toEqual([0, 0, 8, 6, 1, 0, 0, 0, 0]);
    expect(Array.from(reply.subarray(9, 17))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
