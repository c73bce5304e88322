/**
 * A protocol switch hands the socket over: after a WebSocket upgrade or an HTTP/2
 * prior-knowledge preface, the transport delivers the connection's events to the new
 * protocol itself, and the HTTP/1.1 connection is left with nothing to forward (so it,
 * its parser and what they hold can be collected). Runs serve() over a fake transport.
 */
import { afterEach, describe, expect, it } from "vitest";
import { serve, upgradeWebSocket } from "../../src/mod.ts";
import type { Connection, ConnectionHandler, Transport } from "../../src/transport/types.ts";

const addr = { hostname: "127.0.0.1", port: 1, transport: "tcp" as const };

class FakeConnection implements Connection {
  readonly remoteAddr = addr;
  readonly localAddr = addr;
  readonly alpnProtocol = null;
  readonly encrypted = false;
  handler!: ConnectionHandler;
  written: Uint8Array[] = [];
  write(bytes: Uint8Array): boolean {
    this.written.push(bytes.slice());
    return true;
  }
  private closed = false;
  /** A real socket reports its close; the server's shutdown waits for it. */
  end() {
    this.destroy();
  }
  destroy() {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.handler.close());
  }
  pause() {}
  resume() {}
  text(): string {
    return this.written.map((b) => Buffer.from(b).toString("latin1")).join("");
  }
}

let stop: (() => Promise<void>) | null = null;
afterEach(async () => {
  await stop?.();
  stop = null;
});

async function start(handler: (req: Request) => Response): Promise<(conn: Connection) => ConnectionHandler> {
  let accept!: (conn: Connection) => ConnectionHandler;
  const transport: Transport = {
    name: "node",
    listen(_options, a) {
      accept = a;
      return Promise.resolve({ addr, close() {} });
    },
  };
  const server = serve({ transport, port: 0, onListen() {} }, handler);
  await server.listening;
  stop = () => server.stop(true);
  return accept;
}

const settle = () => new Promise((r) => setTimeout(r, 20));

/** A client frame: FIN, the opcode, masked with a fixed key (RFC 6455 §5.3). */
function clientFrame(opcode: number, payload: string): Uint8Array {
  const key = [0x11, 0x22, 0x33, 0x44];
  const data = Buffer.from(payload);
  return Uint8Array.from([0x80 | opcode, 0x80 | data.length, ...key, ...data.map((b, i) => b ^ key[i & 3]!)]);
}

describe("protocol switches hand the socket over", () => {
  it("after a WebSocket upgrade, frames go to the WebSocket and nothing reaches the HTTP/1.1 connection", async () => {
    const accept = await start((req) => {
      const { socket, response } = upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(e.data as string);
      return response;
    });
    const conn = new FakeConnection();
    conn.handler = accept(conn);
    const h1 = conn.handler;
    h1.data(Buffer.from(
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    ));
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
    const accept = await start(() => new Response("ok"));
    const conn = new FakeConnection();
    conn.handler = accept(conn);
    const h1 = conn.handler;
    // The preface, then an empty SETTINGS frame (RFC 9113 §3.4).
    h1.data(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    await settle();
    expect(conn.handler).not.toBe(h1);
    // Our SETTINGS, and the acknowledgement of theirs: frame type 4, the second with the ACK flag.
    const frames = Buffer.concat(conn.written);
    expect(frames[3]).toBe(4);
    const before = conn.written.length;
    // A PING to the new handler is answered with a PING ACK (RFC 9113 §6.7).
    conn.handler.data(Uint8Array.from([0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]));
    await settle();
    const reply = Buffer.concat(conn.written.slice(before));
    expect(Array.from(reply.subarray(0, 9))).toEqual([0, 0, 8, 6, 1, 0, 0, 0, 0]);
    expect(Array.from(reply.subarray(9, 17))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
