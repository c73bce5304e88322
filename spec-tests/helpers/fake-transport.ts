/**
 * serve() over a fake transport: no sockets, bytes fed in by the test through the
 * connection's handler, everything written kept. For facade tests that need exact
 * control of what arrives in which read.
 */
import { afterEach } from "vitest";
import { type ServeOptions, serve } from "../../src/mod.ts";
import type { Handler } from "../../src/facade/context.ts";
import type { Connection, ConnectionHandler, Transport } from "../../src/transport/types.ts";

const addr = { hostname: "127.0.0.1", port: 1, transport: "tcp" as const };

export interface Frame {
  type: number;
  flags: number;
  id: number;
  payload: Buffer;
}

export class FakeConnection implements Connection {
  readonly remoteAddr = addr;
  readonly localAddr = addr;
  readonly alpnProtocol = null;
  readonly encrypted = false;
  handler!: ConnectionHandler;
  written: Uint8Array[] = [];
  closed = false;

  write(bytes: Uint8Array): boolean {
    this.written.push(bytes.slice());
    return true;
  }
  end() {
    this.destroy();
  }
  /** A real socket reports its close; the server's shutdown waits for it. */
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

  /** What was written, read as HTTP/2 frames (after the server's preface nothing else is written). */
  frames(): Frame[] {
    const all = Buffer.concat(this.written);
    const frames: Frame[] = [];
    for (let i = 0; i + 9 <= all.length;) {
      const len = all.readUIntBE(i, 3);
      frames.push({ type: all[i + 3]!, flags: all[i + 4]!, id: all.readUInt32BE(i + 5) & 0x7fffffff, payload: all.subarray(i + 9, i + 9 + len) });
      i += 9 + len;
    }
    return frames;
  }
}

/**
 * Starts serve() with `handler` on a fake transport; `connect()` opens a connection.
 * `stop()` closes it all (call it after each test).
 */
export async function fakeServer(handler: Handler, options: Omit<ServeOptions, "transport" | "port"> = {}) {
  let accept!: (conn: Connection) => ConnectionHandler;
  const transport: Transport = {
    name: "node",
    listen(_options, a) {
      accept = a;
      return Promise.resolve({ addr, close() {} });
    },
  };
  const server = serve({ onListen() {}, ...options, transport, port: 0 }, handler);
  await server.listening;
  return {
    server,
    connect(): FakeConnection {
      const conn = new FakeConnection();
      conn.handler = accept(conn);
      return conn;
    },
    stop: () => server.stop(true),
  };
}

/**
 * For a test file: `const start = fakeServerPerTest();` at its top, then
 * `await start(handler)` in a test gives a server that is stopped after that test.
 */
export function fakeServerPerTest() {
  let stop: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await stop?.();
    stop = null;
  });
  return async (handler: Handler, options: Omit<ServeOptions, "transport" | "port"> = {}) => {
    const server = await fakeServer(handler, options);
    stop = server.stop;
    return server;
  };
}

/** A WebSocket opening handshake (RFC 6455 §4.1) for /ws. */
export const WS_HANDSHAKE = Buffer.from(
  "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
);

/** The HTTP/2 connection preface (RFC 9113 §3.4) with an empty SETTINGS frame. */
export const H2_PREFACE = Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);

export const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));
