/**
 * WebSocket idle handling, with time passed in through tick(now) as the server's sweep
 * does: a ping after `idleTimeout` seconds without traffic, Close 1001 after twice that,
 * any traffic starts the count again, and a peer that leaves our Close unanswered is
 * dropped.
 */
import { describe, expect, it } from "vitest";
import { CLOSE_GRACE_MS } from "../../src/facade/ws/link.ts";
import { upgradeWebSocket } from "../../src/mod.ts";
import type { ConnectionHandler } from "../../src/transport/types.ts";
import { type FakeConnection, WS_HANDSHAKE, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";

const start = fakeServerPerTest();

/** The first two bytes of each frame written since `from` (all our frames here are small). */
const framesSince = (conn: FakeConnection, from: number) => conn.written.slice(from).map((b) => [b[0]!, b[1]!]);

async function open(idleTimeout: number) {
  let closeCode = 0;
  const server = await start((req) => {
    const { socket, response } = upgradeWebSocket(req, { idleTimeout });
    socket.onclose = (e) => (closeCode = e.code);
    return response;
  });
  const conn = server.connect();
  conn.handler.data(WS_HANDSHAKE);
  await settle();
  const link = conn.handler as ConnectionHandler & { tick(now: number): void };
  return { conn, link, closeCode: () => closeCode };
}

/** A masked client Pong with no payload (RFC 6455 §5.5.3). */
const PONG = Uint8Array.from([0x8a, 0x80, 1, 2, 3, 4]);

describe("WebSocket idle timeout", () => {
  it("pings after idleTimeout without traffic and closes with 1001 after twice that", async () => {
    const { conn, link } = await open(1);
    const t0 = Date.now();
    const from = conn.written.length;
    link.tick(t0 + 900);
    expect(framesSince(conn, from)).toEqual([]);
    link.tick(t0 + 1100);
    expect(framesSince(conn, from)).toEqual([[0x89, 0]]); // Ping, empty
    link.tick(t0 + 1500);
    expect(framesSince(conn, from)).toHaveLength(1); // one ping per silence
    link.tick(t0 + 2100);
    const close = conn.written.at(-1)!;
    expect([close[0], close[2]! << 8 | close[3]!]).toEqual([0x88, 1001]);
    expect(Buffer.from(close.subarray(4)).toString()).toBe("idle timeout");
  });

  it("traffic starts the count again: an answered ping keeps the socket open", async () => {
    const { conn, link, closeCode } = await open(1);
    const t0 = Date.now();
    link.tick(t0 + 1100); // ping
    conn.handler.data(PONG);
    link.tick(t0 + 1200); // the sweep notices the pong
    const from = conn.written.length;
    link.tick(t0 + 2100);
    expect(framesSince(conn, from)).toEqual([]); // 0.9 s since the pong was noticed
    link.tick(t0 + 2300);
    expect(framesSince(conn, from)).toEqual([[0x89, 0]]); // silent for 1.1 s again: ping
    conn.handler.data(PONG);
    link.tick(t0 + 2400);
    link.tick(t0 + 4300);
    expect(framesSince(conn, from).map((f) => f[0])).toEqual([0x89, 0x89]);
    expect(closeCode()).toBe(0);
  });

  it("a peer that never answers our Close is dropped by the sweep CLOSE_GRACE_MS later, not before", async () => {
    const { conn, link, closeCode } = await open(1);
    const t0 = Date.now();
    link.tick(t0 + 2100); // Close 1001 sent; the peer stays silent
    expect(conn.written.at(-1)![0]).toBe(0x88);
    link.tick(t0 + CLOSE_GRACE_MS - 500);
    expect(conn.closed).toBe(false);
    link.tick(Date.now() + CLOSE_GRACE_MS);
    expect(conn.closed).toBe(true);
    await settle();
    expect(closeCode()).toBe(1006); // the handshake never finished
  });

  it("idleTimeout 0 never pings or closes", async () => {
    const { conn, link } = await open(0);
    const from = conn.written.length;
    link.tick(Date.now() + 3_600_000);
    expect(framesSince(conn, from)).toEqual([]);
  });
});
