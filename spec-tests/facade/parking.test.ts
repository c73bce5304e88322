/**
 * Parking idle HTTP/1.1 connections (transport/parking.ts, serve's parkIdleAbove): an
 * idle connection gives up its objects where the transport can keep the socket alone,
 * and the socket's next bytes get a new connection. Over a fake transport that parks as
 * Bun's does, so every step can be watched: what the server holds, what it writes, and
 * that nothing differs for the client.
 */
import { describe, expect, it } from "vitest";
import { type ServeOptions, serve } from "../../src/mod.ts";
import type { Handler } from "../../src/facade/context.ts";
import { ParkedSockets } from "../../src/transport/parking.ts";
import type { Connection, ConnectionHandler, ParkableSocket, Parking, Transport } from "../../src/transport/types.ts";
import { FakeConnection, settle } from "../helpers/fake-transport.ts";

const addr = { hostname: "127.0.0.1", port: 1, transport: "tcp" as const };

/** One client's socket: what the server wrote, whether it ended, and `data` as Bun's sockets have it. */
class Socket implements ParkableSocket {
  data: unknown = undefined;
  written = "";
  ended = false;
  closed = false;
}

/** A Connection over a Socket that parks the way the Bun transport does: once its writes are out (here at once). */
class ParkingConnection extends FakeConnection {
  gone = false;

  constructor(readonly socket: Socket, private readonly parking: Parking | undefined) {
    super();
    socket.data = this;
  }
  override write(bytes: Uint8Array): boolean {
    if (!this.gone) this.socket.written += Buffer.from(bytes).toString("latin1");
    return true;
  }
  override end() {
    this.socket.ended = true;
    this.destroy();
  }
  override destroy() {
    if (this.socket.closed || this.gone) return;
    this.socket.closed = true;
    queueMicrotask(() => this.handler.close());
  }
  park() {
    if (this.parking === undefined || this.gone || this.handler.park?.() !== true) return;
    this.gone = true;
    this.parking.park(this.socket, (s) => new ParkingConnection(s as Socket, this.parking), Date.now());
  }
}

async function start(handler: Handler, options: Omit<ServeOptions, "transport" | "port"> = {}) {
  let accept!: (conn: Connection) => ConnectionHandler;
  let parking: ParkedSockets | undefined;
  const transport: Transport = {
    name: "node",
    listen(o, a) {
      accept = a;
      parking = o.parking as ParkedSockets;
      return Promise.resolve({ addr, close() {} });
    },
  };
  const server = serve({ onListen() {}, parkIdleAbove: 0, ...options, transport, port: 0 }, handler);
  await server.listening;
  /** Bytes from the client: to the socket's connection, woken first if it is parked. */
  const send = (socket: Socket, text: string) => {
    if (parking!.holds(socket)) parking!.wake(socket);
    (socket.data as ParkingConnection).handler.data(Buffer.from(text, "latin1"));
  };
  const open = () => {
    const socket = new Socket();
    const conn = new ParkingConnection(socket, parking);
    conn.handler = accept(conn);
    return socket;
  };
  return { server, parking: parking!, open, send };
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
const bodies = (written: string) => [...written.matchAll(/\r\n\r\n([^H]*)/g)].map((m) => m[1]);

describe("parking idle HTTP/1.1 connections", () => {
  it("parks a connection once its answer is out, and a new connection answers its next request", async () => {
    const paths: string[] = [];
    const s = await start((req) => (paths.push(new URL(req.url).pathname), new Response(new URL(req.url).pathname)));
    const socket = s.open();
    const first = socket.data;
    s.send(socket, GET("/one"));
    await settle();
    expect(s.parking.holds(socket)).toBe(true);
    expect(s.parking.size).toBe(1);
    expect(s.server.pendingRequests).toBe(0);
    s.send(socket, GET("/two"));
    expect(socket.data).not.toBe(first);
    await settle();
    expect(bodies(socket.written)).toEqual(["/one", "/two"]);
    expect(paths).toEqual(["/one", "/two"]);
    expect(s.parking.holds(socket)).toBe(true);
    await s.server.stop(true);
  });

  it("keeps every connection below parkIdleAbove, and parks past it", async () => {
    const s = await start(() => new Response("ok"), { parkIdleAbove: 2 });
    const sockets = [s.open(), s.open(), s.open(), s.open()];
    for (const socket of sockets) s.send(socket, GET("/"));
    await settle();
    // Four live: the first two to finish see more than two and park; then two are left, which keep theirs.
    expect(sockets.filter((x) => s.parking.holds(x))).toHaveLength(2);
    await s.server.stop(true);
  });

  it("does not park with requests in hand, a body to come, or a half-closed client", async () => {
    let release!: () => void;
    const s = await start(async (req) => {
      if (new URL(req.url).pathname === "/wait") await new Promise<void>((r) => (release = r));
      return new Response(await req.text());
    });
    // Pipelined: the first answer is out while the second waits for its handler.
    const a = s.open();
    s.send(a, GET("/") + GET("/wait"));
    await settle();
    expect(s.parking.holds(a)).toBe(false);
    release();
    await settle();
    expect(bodies(a.written)).toEqual(["", ""]);
    expect(s.parking.holds(a)).toBe(true);
    // A body that has not all come: the handler is at work, the connection reads on.
    const b = s.open();
    s.send(b, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc");
    await settle();
    expect(s.parking.holds(b)).toBe(false);
    s.send(b, "def");
    await settle();
    expect(bodies(b.written)).toEqual(["abcdef"]);
    expect(s.parking.holds(b)).toBe(true);
    // The client's FIN before its answer is out: the connection ends after it instead.
    const c = s.open();
    s.send(c, GET("/"));
    (c.data as ParkingConnection).handler.end();
    await settle();
    expect(s.parking.holds(c)).toBe(false);
    expect(c.ended).toBe(true);
    await s.server.stop(true);
  });

  it("a parked connection past keepAliveTimeout is closed by the sweep, as an idle one is", async () => {
    const s = await start(() => new Response("ok"), { keepAliveTimeout: 300 });
    const socket = s.open();
    s.send(socket, GET("/"));
    await settle();
    expect(s.parking.holds(socket)).toBe(true);
    for (let i = 0; i < 40 && !socket.ended; i++) await settle(50);
    expect(socket.ended).toBe(true);
    expect(s.parking.size).toBe(0);
    expect(socket.written).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(socket.written.match(/HTTP\/1\.1/g)).toHaveLength(1);
    await s.server.stop(true);
  });

  it("graceful shutdown ends parked connections and resolves; closeIdleConnections ends them too", async () => {
    const s = await start(() => new Response("ok"));
    const a = s.open(), b = s.open();
    s.send(a, GET("/"));
    s.send(b, GET("/"));
    await settle();
    expect(s.parking.size).toBe(2);
    (s.server as unknown as { closeIdleConnections(): void }).closeIdleConnections();
    expect(a.ended && b.ended).toBe(true);
    const c = s.open();
    s.send(c, GET("/"));
    await settle();
    expect(s.parking.holds(c)).toBe(true);
    await s.server.shutdown();
    expect(c.ended).toBe(true);
    expect(s.parking.size).toBe(0);
  });

  it("a parked socket that closes is forgotten; nothing is told", async () => {
    const s = await start(() => new Response("ok"));
    const socket = s.open();
    s.send(socket, GET("/"));
    await settle();
    s.parking.forget(socket);
    expect(s.parking.size).toBe(0);
    expect(s.parking.holds(socket)).toBe(false);
    await s.server.stop(true);
  });

  it("a woken connection speaks HTTP/1.1 only: the HTTP/2 preface is a bad request there", async () => {
    const s = await start(() => new Response("ok"));
    const socket = s.open();
    s.send(socket, GET("/"));
    await settle();
    s.send(socket, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    await settle();
    expect(socket.written.split("HTTP/1.1 ").slice(1).map((r) => r.slice(0, 3))).toEqual(["200", "505"]);
    await s.server.stop(true);
  });
});

describe("ParkedSockets", () => {
  it("keeps a slot and a time per socket, wakes one into a new Connection, and starts over small", () => {
    const made: Connection[] = [];
    const t = new ParkedSockets((conn) => ({ conn, data() {}, drain() {}, end() {}, close() {} }));
    const revive = (s: ParkableSocket) => {
      const c = { handler: null } as unknown as Connection;
      s.data = c;
      made.push(c);
      return c;
    };
    const sockets = Array.from({ length: 3000 }, () => new Socket());
    sockets.forEach((s, i) => t.park(s, revive, i));
    expect(t.size).toBe(3000);
    expect(new Map(t.entries()).get(sockets[42]!)).toBe(42);
    const h = t.wake(sockets[0]!);
    expect(sockets[0]!.data).toBe(made[0]);
    expect(made[0]!.handler).toBe(h);
    expect(t.holds(sockets[0]!)).toBe(false);
    expect([...t.entries()]).toHaveLength(2999);
    for (const s of sockets.slice(1)) t.forget(s);
    expect(t.size).toBe(0);
    expect((t as unknown as { since: number[] }).since.length).toBe(0);
    // Forgetting one that is not parked changes nothing; a new one takes the first slot.
    t.forget(sockets[1]!);
    t.park(sockets[5]!, revive, 7);
    expect(sockets[5]!.data).toBe(0);
    expect([...t.entries()]).toEqual([[sockets[5], 7]]);
  });
});
