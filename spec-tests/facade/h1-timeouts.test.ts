/**
 * Timeouts of an HTTP/1.1 connection. Time is passed in through tick(now), so
 * these run without timers against a fake transport.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { WritePool } from "../../src/buffers/pool.ts";
import type { ServerContext } from "../../src/facade/context.ts";
import { H1Connection } from "../../src/facade/h1-connection.ts";
import { LiveConnections } from "../../src/facade/live.ts";
import { DEFAULT_H1_LIMITS } from "../../src/h1/limits.ts";

function setup(handler: (req: Request) => Response | Promise<Response> = () => new Response("ok")) {
  const written: string[] = [];
  const state = { ended: false, paused: false };
  const conn = {
    remoteAddr: { hostname: "127.0.0.1", port: 1, transport: "tcp" as const },
    localAddr: { hostname: "127.0.0.1", port: 2, transport: "tcp" as const },
    alpnProtocol: null, encrypted: false,
    write: (b: Uint8Array) => (written.push(Buffer.from(b).toString("latin1")), true),
    end: () => void (state.ended = true),
    destroy: () => void (state.ended = true),
    pause: () => void (state.paused = true),
    resume: () => void (state.paused = false),
  };
  const ctx = {
    handler, onError: () => new Response("err", { status: 500 }), limits: DEFAULT_H1_LIMITS,
    timeouts: { headersTimeout: 1000, keepAliveTimeout: 500, requestTimeout: 2000 },
    pool: new WritePool(), infoPrototype: {}, scheme: "http", shuttingDown: false, connections: new LiveConnections(), topics: null,
  } as unknown as ServerContext;
  const h = new H1Connection(conn, ctx);
  return { h, written, state, ctx };
}
const flush = () => new Promise((r) => setTimeout(r, 20));

describe("HTTP/1.1 timeouts", () => {
  it("headersTimeout: a head not finished in time gets 408 and the connection ends", async () => {
    const { h, written, state } = setup();
    h.data(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n"));
    h.tick(Date.now() + 500);
    expect(written).toHaveLength(0);
    h.tick(Date.now() + 1500);
    await flush();
    expect(written.join("")).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(state.ended).toBe(true);
  });
  it("keepAliveTimeout: an idle connection is closed quietly after a response", async () => {
    const { h, written, state } = setup();
    h.data(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await flush();
    expect(written.join("")).toMatch(/^HTTP\/1\.1 200 OK/);
    h.tick(Date.now() + 100);
    expect(state.ended).toBe(false);
    h.tick(Date.now() + 1000);
    expect(state.ended).toBe(true);
  });
  it("requestTimeout: a body that does not arrive in time gets 408", async () => {
    const { h, written, state } = setup(async (req) => new Response(await req.text()));
    h.data(Buffer.from("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
    await flush();
    h.tick(Date.now() + 5000);
    await flush();
    expect(written.join("")).toMatch(/HTTP\/1\.1 408 /);
    expect(state.ended).toBe(true);
  });
  it("a body the handler does not read pauses the socket once the stream is full", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { h, state } = setup(async () => {
      await gate;
      return new Response("late");
    });
    h.data(Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${1 << 20}\r\n\r\n`));
    for (let i = 0; i < 4 && !state.paused; i++) h.data(new Uint8Array(64 * 1024));
    expect(state.paused).toBe(true);
    release();
  });
  describe("a head's clock starts when the server is waiting for it", () => {
    afterEach(() => vi.useRealTimers());
    const T0 = Date.parse("2026-12-03T00:00:00Z");
    const at = (ms: number) => vi.setSystemTime(T0 + ms);
    /** The second head's clock started at `start`: no 408 a tenth of a second on, a 408 once headersTimeout (1 s) has passed. */
    async function timedFrom(start: number, h: H1Connection, written: string[]) {
      h.tick(T0 + start + 100);
      expect(written.join("")).not.toMatch(/408/);
      h.tick(T0 + start + 1100);
      await flush();
      expect(written.join("")).toMatch(/HTTP\/1\.1 408 Request Timeout\r\n/);
    }

    it("a head that begins in the read that ends the body before it: counted from that read", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      at(0);
      const { h, written } = setup(async (req) => new Response(await req.text()));
      h.data(Buffer.from("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
      at(1500); // the body takes 1.5 s: within requestTimeout (2 s), past headersTimeout (1 s)
      h.data(Buffer.from("defghijGET /second HTTP/1.1\r\nHo"));
      await flush();
      expect(written.join("")).toMatch(/^HTTP\/1\.1 200 OK[^]*\r\n\r\nabcdefghij$/);
      await timedFrom(1500, h, written);
    });

    it("a body the handler never read, ending in the read that begins the next head", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      at(0);
      const { h, written } = setup(() => new Response("early"));
      h.data(Buffer.from("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
      await flush();
      expect(written.join("")).toMatch(/\r\n\r\nearly$/);
      at(1500);
      h.data(Buffer.from("defghijGET /second HTTP/1.1\r\nHo"));
      await timedFrom(1500, h, written);
    });

    it("a pipelined head that came while the request before it was answered: counted from that answer", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      at(0);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const { h, written } = setup(async () => {
        await gate;
        return new Response("slow");
      });
      h.data(Buffer.from("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHo"));
      at(1500); // the handler takes 1.5 s
      release();
      await flush();
      expect(written.join("")).toMatch(/\r\n\r\nslow$/);
      await timedFrom(1500, h, written);
    });
  });
});
