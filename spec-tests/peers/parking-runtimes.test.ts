/**
 * Idle HTTP/1.1 connections parked between requests (serve's parkIdleAbove,
 * transport/parking.ts) over real sockets, on every runtime: Bun parks them, Node and
 * Deno keep them as they are, and no client can tell. A keep-alive connection answers
 * after each pause (curl spacing its requests, node:net sending a large body and then
 * pipelined requests), the keep-alive timeout and a graceful shutdown end a parked
 * connection with a FIN, and on Bun an idle connection holds no object of ours.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { Client, pause } from "../helpers/http-client.ts";
import { RUNTIMES, start } from "../helpers/runtimes.ts";
import { serverForSuite } from "../helpers/server-suite.ts";

const run = promisify(execFile);
const APP = "spec-tests/peers/parking-app.ts";

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`;

describe.each(RUNTIMES)("parked idle connections on %s", (runtime) => {
  const server = serverForSuite(runtime, APP, ["0"]);

  it("curl's requests on one connection, spaced so that it parks between them, are all answered", async () => {
    const url = `${server().url}/a`;
    const { stdout } = await run("curl", ["-s", "--rate", "4/s", "-w", "|%{num_connects}\\n", url, url, url]);
    expect(stdout.trim().split("\n")).toEqual(["hello /a|1", "hello /a|0", "hello /a|0"]);
  });

  it("after a pause: a large POST comes back whole, pipelined requests in order, and the client's own port", async () => {
    const c = new Client(server().port);
    await new Promise((r) => c.sock.once("connect", r));
    c.sock.write(get("/first"));
    expect((await c.response()).body.toString()).toBe("hello /first");
    await pause(100);
    const body = randomBytes(300_000);
    c.sock.write(`POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\n\r\n`);
    c.sock.write(body);
    const echoed = await c.response();
    expect(createHash("sha256").update(echoed.body).digest("hex")).toBe(createHash("sha256").update(body).digest("hex"));
    await pause(100);
    c.sock.write(get("/1") + get("/2") + get("/3"));
    const three = [await c.response(), await c.response(), await c.response()];
    expect(three.map((r) => r.body.toString())).toEqual(["hello /1", "hello /2", "hello /3"]);
    await pause(100);
    c.sock.write(get("/ip"));
    expect(Number((await c.response()).body.toString())).toBe(c.sock.localPort);
    expect(c.ended).toBe(false);
    c.sock.destroy();
  });

  it("many connections, each parked and woken again and again, get their own answers in order", async () => {
    // 100 clients, 6 rounds each: a pause of 0-40 ms (parked or not, or bytes arriving as it parks),
    // then 1-3 requests in one write, some with a body, each asking for its own path back.
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    await Promise.all(Array.from({ length: 100 }, async (_, client) => {
      const c = new Client(server().port);
      await new Promise((r) => c.sock.once("connect", r));
      for (let round = 0; round < 6; round++) {
        await pause(random(40));
        const paths = Array.from({ length: 1 + random(3) }, (_, k) => `/c${client}-r${round}-${k}`);
        const body = (p: string) => Buffer.from(p.repeat(1 + random(50)));
        const sent = paths.map((p) => (random(3) === 0 ? { p, b: body(p) } : { p, b: null }));
        c.sock.write(Buffer.concat(sent.map(({ p, b }) => b === null ? Buffer.from(get(p)) : Buffer.concat([Buffer.from(`POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: ${b.length}\r\n\r\n`), b]))));
        for (const { p, b } of sent) expect((await c.response()).body.toString()).toBe(b === null ? `hello ${p}` : b.toString());
      }
      expect(c.ended).toBe(false);
      c.sock.destroy();
    }));
  }, 20_000);

  it("WebSockets (Bun's API) parked between messages: Python's websockets sees every message, pushes and its close", async () => {
    const { stdout } = await run("/usr/bin/python3", ["spec-tests/peers/ws_park_client.py", `ws://127.0.0.1:${server().port}/ws`], { timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ echoes: ["a", "b"], later: ["later", "pushed"], big_ok: true, pong: true, close_code: 4002, many_ok: true });
    const closes = JSON.parse((await run("curl", ["-s", `${server().url}/closes`])).stdout) as number[];
    expect(closes).toContain(4002);
    expect(closes.filter((c) => c === 1000)).toHaveLength(50);
  }, 60_000);

  it("the keep-alive timeout ends a parked connection with a FIN", async () => {
    const c = new Client(server().port);
    c.sock.write(get("/"));
    await c.response();
    // keepAliveTimeout 1500 ms, looked at once a second.
    expect(await c.untilEnd(5000)).toBe(true);
    c.sock.destroy();
  });

  it("graceful shutdown ends parked connections and finishes", async () => {
    const s = await start(runtime, APP, ["0"]);
    try {
      const idle = [new Client(s.port), new Client(s.port)];
      for (const c of idle) c.sock.write(get("/"));
      for (const c of idle) await c.response();
      await pause(100);
      const { stdout } = await run("curl", ["-s", `${s.url}/shutdown`]);
      expect(stdout).toBe("shutting down");
      for (const c of idle) expect(await c.untilEnd(3000)).toBe(true);
      for (let i = 0; i < 40 && !s.output().includes("finished"); i++) await pause(50);
      expect(s.output()).toContain("finished");
    } finally {
      await s.stop();
    }
  }, 20_000);
});

describe.runIf(RUNTIMES.includes("bun"))("what an idle connection holds on Bun", () => {
  const HANDSHAKE = "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

  /** JavaScript objects alive per idle connection, over 1,000 connections that made one request (or WebSocket handshake) each. */
  async function perConnection(parkIdleAbove: string, request = get("/")): Promise<number> {
    const s = await start("bun", APP, [parkIdleAbove]);
    try {
      const objects = async () => JSON.parse((await run("curl", ["-s", `${s.url}/heap`])).stdout).objects as number;
      const open = async (n: number) => {
        const clients = Array.from({ length: n }, () => new Client(s.port));
        for (const c of clients) c.sock.write(request);
        for (const c of clients) await c.response();
        await pause(200);
        return clients;
      };
      // The first connections pay for what is made once (code, shapes); the next ones only for themselves.
      const first = await open(100);
      const before = await objects();
      const clients = await open(1000);
      // A connection parks once its answer has left: on a loaded machine some may not have
      // yet. Read again while the count still falls.
      let after = await objects();
      for (let i = 0; i < 10; i++) {
        await pause(200);
        const again = await objects();
        if (again > after - 10) break;
        after = again;
      }
      for (const c of [...first, ...clients]) c.sock.destroy();
      return (after - before) / clients.length;
    } finally {
      await s.stop();
    }
  }

  /**
   * perConnection with every idle connection parked. The app's count leaves out the cells
   * JSC's compilers make when they tier a function up (parking-app.ts); for anything else a
   * loaded machine may put inside the measured batch, a count over `bound` is taken once
   * more, on a fresh server, and the lower kept.
   */
  async function parkedPerConnection(bound: number, request?: string): Promise<number> {
    const first = await perConnection("0", request);
    return first < bound ? first : Math.min(first, await perConnection("0", request));
  }

  it("parked: little beyond Bun's own socket object; kept: several of ours", async () => {
    const parked = await parkedPerConnection(1.6);
    const kept = await perConnection("Infinity");
    // Bun's TCPSocket is one object, with a few hundred made once besides; a kept connection adds four
    // objects, an array and a string of ours, and what Bun makes for them.
    const said = `objects per connection: parked ${parked.toFixed(2)}, kept ${kept.toFixed(2)}`;
    expect(parked, said).toBeLessThan(1.6);
    expect(kept, said).toBeGreaterThan(5);
  }, 40_000);

  it("a parked WebSocket keeps Bun's socket, the application's ServerWebSocket and its link; awake, its connection and session too", async () => {
    const parked = await parkedPerConnection(3.7, HANDSHAKE);
    const kept = await perConnection("Infinity", HANDSHAKE);
    const said = `objects per WebSocket: parked ${parked.toFixed(2)}, kept ${kept.toFixed(2)}`;
    // Bun's TCPSocket, the ServerWebSocket and the link, with a little made once besides; awake,
    // the connection, its write queue and the session too.
    expect(parked, said).toBeLessThan(3.7);
    expect(kept - parked, said).toBeGreaterThan(2.5);
  }, 40_000);
});
