/**
 * After its FIN a connection reads on until the peer closes, for LINGER_MS at most
 * (transport/linger.ts): one table and one timer for every lingering connection. The
 * table's rules with time passed in, then the whole behaviour over real sockets on
 * Node, Deno and Bun.
 */
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LINGER_MS, LingerTable, type Lingerer, SWEEP_MS } from "../../src/transport/linger.ts";
import { RUNTIMES, type Running, start } from "../helpers/runtimes.ts";

const lingerer = () => {
  const c = { lingerSlot: -1, destroyed: 0, destroy: () => void c.destroyed++ };
  return c;
};
/** What the table references, read from inside: nothing that has left it. */
const held = (t: LingerTable) => [...(t as unknown as { table: Iterable<Lingerer> }).table];
const timerOf = (t: LingerTable) => (t as unknown as { timer: unknown }).timer;

describe("LingerTable", () => {
  it("destroys a connection once it has lingered LINGER_MS, not before", () => {
    const t = new LingerTable();
    const a = lingerer(), b = lingerer();
    t.add(a, 1_000);
    t.add(b, 1_500);
    t.sweep(1_000 + LINGER_MS - 1);
    expect([a.destroyed, b.destroyed]).toEqual([0, 0]);
    t.sweep(1_000 + LINGER_MS);
    expect([a.destroyed, b.destroyed]).toEqual([1, 0]);
    expect(a.lingerSlot).toBe(-1);
    expect(held(t)).toEqual([b]);
    t.sweep(1_500 + LINGER_MS);
    expect(b.destroyed).toBe(1);
    expect(t.size).toBe(0);
    expect(timerOf(t)).toBeNull(); // nothing lingers: the timer stopped
  });

  it("keeps nothing that has closed, and never destroys it", () => {
    const t = new LingerTable();
    const stays = lingerer();
    t.add(stays, 0);
    // Churn: thousands close moments after their FIN.
    for (let i = 0; i < 5_000; i++) {
      const c = lingerer();
      t.add(c, i);
      t.remove(c);
      expect(c.lingerSlot).toBe(-1);
      t.sweep(i + LINGER_MS * 2);
      expect(c.destroyed).toBe(0);
    }
    expect(held(t)).toEqual([]);
    expect(stays.destroyed).toBe(1);
    expect(timerOf(t)).toBeNull();
  });

  it("gives back what a burst grew once none lingers", () => {
    const t = new LingerTable();
    const burst = Array.from({ length: 3_000 }, () => lingerer());
    burst.forEach((c, i) => t.add(c, i));
    t.sweep(3_000 + LINGER_MS);
    expect(burst.every((c) => c.destroyed === 1)).toBe(true);
    expect((t as unknown as { until: number[] }).until).toHaveLength(0);
    expect((t as unknown as { table: { extent: number } }).table.extent).toBe(0);
  });

  it("adds a connection once, keeping its first deadline", () => {
    const t = new LingerTable();
    const c = lingerer();
    t.add(c, 0);
    t.add(c, 10_000);
    expect(t.size).toBe(1);
    t.sweep(LINGER_MS);
    expect(c.destroyed).toBe(1);
  });
});

describe.each(RUNTIMES)("lingering after Connection: close, on %s", (runtime) => {
  let echo: Running;
  beforeAll(async () => {
    echo = await start(runtime, "src/cli.ts", ["echo", "--port", "0"]);
  });
  afterAll(() => echo?.stop());

  /**
   * Sends a request with Connection: close and reads the response to the server's FIN.
   * Then either ends this side too, or keeps it open and sends a byte every 100 ms (a late
   * request, say): the server reads and drops them while it lingers, and once it has
   * closed the socket the kernel answers the next with a reset. Resolves with the
   * response, when the FIN came, and when the socket ended (the reset's error, or close).
   */
  function exchange(endOurSide: boolean): Promise<{ response: string; fin: number; gone: number }> {
    return new Promise((resolve, reject) => {
      // allowHalfOpen: the server's FIN does not make this side send one, so the server must decide.
      const s = net.connect({ port: echo.port, host: "127.0.0.1", allowHalfOpen: true });
      let response = "";
      let fin = 0;
      let late: ReturnType<typeof setInterval> | undefined;
      const gone = () => {
        clearInterval(late);
        s.destroy();
        resolve({ response, fin, gone: performance.now() });
      };
      s.on("data", (d) => (response += d.toString("latin1")));
      s.on("end", () => {
        fin = performance.now();
        if (endOurSide) s.end();
        else late = setInterval(() => s.write("x"), 100);
      });
      s.on("close", gone);
      s.on("error", gone);
      s.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      setTimeout(() => (clearInterval(late), s.destroy(), reject(new Error("the server never let go"))), LINGER_MS + 8_000);
    });
  }

  it("a peer that keeps its side open is read from, then let go LINGER_MS after the server's FIN", async () => {
    const r = await exchange(false);
    expect(r.response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r.fin).toBeGreaterThan(0);
    const lingered = r.gone - r.fin;
    expect(lingered).toBeGreaterThanOrEqual(LINGER_MS - 50);
    expect(lingered).toBeLessThan(LINGER_MS + SWEEP_MS + 1_000);
  }, 15_000);

  it("a peer that closes too is let go at once", async () => {
    const r = await exchange(true);
    expect(r.response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(r.gone - r.fin).toBeLessThan(LINGER_MS / 2);
  }, 15_000);
});
