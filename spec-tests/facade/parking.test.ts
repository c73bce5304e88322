/**
 * Parking idle HTTP/1.1 connections (transport/parking.ts, serve's parkIdleAbove): an
 * idle connection gives up its objects where the transport can keep the socket alone,
 * and the socket's next bytes get a new connection. Over a fake transport that parks as
 * Bun's does, so every step can be watched: what the server holds, what it writes, and
 * that nothing differs for the client.
 */
import { describe, expect, it } from "vitest";
import { type ServeOptions, serve, upgradeWebSocket } from "../../src/mod.ts";
import type { Handler } from "../../src/facade/context.ts";
import { ParkedSockets } from "../../src/transport/parking.ts";
import type { Connection, ConnectionHandler, ParkableSocket, Parking, Transport } from "../../src/transport/types.ts";
import { FakeConnection, settle } from "../helpers/fake-transport.ts";
import { closeCodeOf, decodeFrames, frame } from "../helpers/ws.ts";

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
    if (this.parking === undefined || this.gone) return;
    const lets = this.handler.park?.();
    if (!lets) return;
    this.gone = true;
    this.parking.park(this.socket, (s) => new ParkingConnection(s as Socket, this.parking), Date.now(), lets === true ? null : lets);
  }
}

async function start(handler: Handler | undefined, options: Omit<ServeOptions, "transport" | "port"> = {}) {
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
  const o = { onListen() {}, parkIdleAbove: 0, ...options, transport, port: 0 } as ServeOptions;
  const server = handler ? serve(o, handler) : serve(o);
  await server.listening;
  /** Bytes from the client: to the socket's connection, woken first if it is parked. */
  const send = (socket: Socket, text: string) => {
    if (parking!.holds(socket)) parking!.wake(socket);
    (socket.data as ParkingConnection).handler.data(Buffer.from(text, "latin1"));
  };
  /** The peer closed the socket (no FIN first): as the Bun transport does, the owner of a parked one hears it. */
  const closed = (socket: Socket) => {
    if (parking!.holds(socket) && !parking!.forget(socket)) parking!.wake(socket);
    socket.closed = true;
    if (socket.data instanceof ParkingConnection) socket.data.handler.close();
  };
  const open = () => {
    const socket = new Socket();
    const conn = new ParkingConnection(socket, parking);
    conn.handler = accept(conn);
    return socket;
  };
  return { server, parking: parking!, open, send, closed };
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
    sockets.forEach((s, i) => t.park(s, revive, i, null));
    expect(t.size).toBe(3000);
    expect([...t.entries()].find(([s]) => s === sockets[42])).toEqual([sockets[42], 42, null]);
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
    t.park(sockets[5]!, revive, 7, null);
    expect(sockets[5]!.data).toBe(0);
    expect([...t.entries()]).toEqual([[sockets[5], 7, null]]);
  });
});

describe("parking idle WebSockets (Bun's API)", () => {
  const HANDSHAKE = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  const wire = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");
  /** The frames the server wrote after its 101: [opcode, payload as text]. */
  const framesOf = (socket: Socket) => {
    const at = socket.written.indexOf("\r\n\r\n") + 4;
    return decodeFrames(Buffer.from(socket.written.slice(at), "latin1")).map((f) => [f.opcode, f.opcode === 8 ? closeCodeOf(f.payload) : Buffer.from(f.payload).toString()]);
  };

  async function startWs(websocket: Record<string, unknown> = {}, options: Omit<ServeOptions, "transport" | "port"> = {}) {
    let socketOf!: { send(m: string): number; readonly readyState: number; close(code?: number): void };
    const events: unknown[] = [];
    const s = await start(undefined, {
      ...options,
      fetch: (req: Request, srv: { upgrade(r: Request): boolean }) => (srv.upgrade(req) ? undefined : new Response("no")),
      websocket: {
        open: (ws: typeof socketOf) => void (socketOf = ws),
        message: (ws: typeof socketOf, m: string) => void (events.push(m), ws.send(`echo ${m}`)),
        close: (_ws: unknown, code: number) => void events.push(`close ${code}`),
        ...websocket,
      },
    } as unknown as ServeOptions);
    const socket = s.open();
    s.send(socket, HANDSHAKE);
    await settle();
    expect(socket.written).toMatch(/^HTTP\/1\.1 101 /);
    return { ...s, socket, events, ws: () => socketOf };
  }

  it("parks an idle WebSocket; its bytes wake it, and the application's socket stays the same", async () => {
    const s = await startWs();
    const ws = s.ws();
    expect(s.parking.holds(s.socket)).toBe(true);
    expect(ws.readyState).toBe(1);
    expect(s.parking.holds(s.socket)).toBe(true); // asking its state does not wake it
    s.send(s.socket, wire(frame(1, "one")));
    await settle();
    s.send(s.socket, wire(frame(1, "two")));
    await settle();
    expect(s.events).toEqual(["one", "two"]);
    expect(framesOf(s.socket)).toEqual([[1, "echo one"], [1, "echo two"]]);
    expect(s.parking.holds(s.socket)).toBe(true);
    expect(s.ws()).toBe(ws);
    await s.server.stop(true);
  });

  it("the application's send wakes a parked socket, and it parks again once written", async () => {
    const s = await startWs();
    expect(s.parking.holds(s.socket)).toBe(true);
    expect(s.ws().send("pushed")).toBeGreaterThan(0);
    expect(s.ws().send("again")).toBeGreaterThan(0);
    await settle();
    expect(framesOf(s.socket)).toEqual([[1, "pushed"], [1, "again"]]);
    expect(s.parking.holds(s.socket)).toBe(true);
    s.ws().close(4000);
    await settle();
    expect(framesOf(s.socket).at(-1)).toEqual([8, 4000]);
    expect(s.parking.holds(s.socket)).toBe(false); // closing: not idle
    s.send(s.socket, wire(frame(8, Uint8Array.of(0x0f, 0xa0))));
    await settle();
    expect(s.events).toEqual(["close 4000"]);
    await s.server.stop(true);
  });

  it("a parked socket is still one of the server's pendingWebSockets, and closeIdleConnections leaves it open", async () => {
    const s = await startWs();
    const http = s.open();
    s.send(http, GET("/"));
    await settle();
    expect(s.parking.size).toBe(2);
    expect((s.server as unknown as { pendingWebSockets: number }).pendingWebSockets).toBe(1);
    (s.server as unknown as { closeIdleConnections(): void }).closeIdleConnections();
    await settle();
    expect(http.ended).toBe(true);
    expect(s.socket.ended).toBe(false);
    expect(s.parking.holds(s.socket)).toBe(true);
    expect(framesOf(s.socket)).toEqual([]);
    s.send(s.socket, wire(frame(1, "still here")));
    await settle();
    expect(framesOf(s.socket)).toEqual([[1, "echo still here"]]);
    await s.server.stop(true);
  });

  it("a message published to a topic wakes its parked subscribers, which park again", async () => {
    const s = await startWs({ open: (ws: { subscribe(t: string): void }) => ws.subscribe("news") });
    const other = s.open();
    s.send(other, HANDSHAKE);
    await settle();
    expect(s.parking.holds(s.socket) && s.parking.holds(other)).toBe(true);
    expect((s.server as unknown as { publish(t: string, m: string): number }).publish("news", "extra")).toBeGreaterThan(0);
    await settle();
    expect(framesOf(s.socket)).toEqual([[1, "extra"]]);
    expect(framesOf(other)).toEqual([[1, "extra"]]);
    expect(s.parking.holds(s.socket) && s.parking.holds(other)).toBe(true);
    await s.server.stop(true);
  });

  it("a parked socket that closes tells the application (1006)", async () => {
    const s = await startWs();
    expect(s.parking.holds(s.socket)).toBe(true);
    s.closed(s.socket);
    await settle();
    expect(s.events).toEqual(["close 1006"]);
    expect(s.parking.size).toBe(0);
    expect(s.ws().readyState).toBe(3);
    expect(s.ws().send("late")).toBe(0);
    await s.server.stop(true);
  });

  it("fragments part-way in, or a message split between reads, keep it awake", async () => {
    const s = await startWs();
    const f = frame(1, "whole");
    s.send(s.socket, wire(f.subarray(0, 4)));
    await settle();
    expect(s.parking.holds(s.socket)).toBe(false);
    s.send(s.socket, wire(f.subarray(4)));
    await settle();
    expect(s.parking.holds(s.socket)).toBe(true);
    s.send(s.socket, wire(frame(1, "fir", { fin: false })));
    await settle();
    expect(s.parking.holds(s.socket)).toBe(false);
    s.send(s.socket, wire(frame(0, "st")));
    await settle();
    expect(s.events).toEqual(["whole", "first"]);
    expect(s.parking.holds(s.socket)).toBe(true);
    await s.server.stop(true);
  });

  it("the sweep pings a parked socket past idleTimeout, and closes it (1001) when no pong comes", async () => {
    const s = await startWs({ idleTimeout: 1 });
    expect(s.parking.holds(s.socket)).toBe(true);
    for (let i = 0; i < 60 && !framesOf(s.socket).some(([op]) => op === 8); i++) await settle(100);
    // A ping at 1 s idle, then the close at 2 s; a sweep late by a second (a loaded machine) closes at once.
    const frames = framesOf(s.socket);
    expect(frames.at(-1)).toEqual([8, 1001]);
    expect(frames.slice(0, -1).every(([op]) => op === 9)).toBe(true);
    await s.server.stop(true);
  }, 10_000);

  it("graceful shutdown wakes parked sockets and closes them with 1001", async () => {
    const s = await startWs();
    expect(s.parking.holds(s.socket)).toBe(true);
    const done = s.server.shutdown();
    await settle();
    expect(framesOf(s.socket)).toEqual([[8, 1001]]);
    s.send(s.socket, wire(frame(8, Uint8Array.of(0x03, 0xe9))));
    await done;
    expect(s.events).toEqual(["close 1001"]);
  });

  it("a Deno-style WebSocket does not park: the application holds no object its uses go through", async () => {
    const s = await start((req) => {
      const { socket, response } = upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(`echo ${e.data}`);
      return response;
    });
    const socket = s.open();
    s.send(socket, HANDSHAKE);
    await settle();
    expect(socket.written).toMatch(/^HTTP\/1\.1 101 /);
    expect(s.parking.holds(socket)).toBe(false);
    s.send(socket, wire(frame(1, "x")));
    await settle();
    expect(framesOf(socket)).toEqual([[1, "echo x"]]);
    expect(s.parking.holds(socket)).toBe(false);
    await s.server.stop(true);
  });
});

