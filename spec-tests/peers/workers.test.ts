/**
 * `purehttp COMMAND --workers N` on Node, Deno and Bun: one port, N processes
 * (SO_REUSEPORT, or Node's cluster module on a Node without it); a worker that dies is
 * started again and said so; SIGTERM drains every worker (a request in flight still
 * gets its answer) and the command exits 0. And serve({ reusePort }) itself.
 */
import { readFileSync, readdirSync } from "node:fs";
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { serve } from "../../src/mod.ts";
import { nodeHasReusePort } from "../../src/transport/node.ts";
import { RUNTIMES, type Running, start } from "../helpers/runtimes.ts";

/** The worker processes under a supervisor: its children that carry PUREHTTP_WORKER. */
function workersOf(pid: number): { pid: number; id: number }[] {
  const out: { pid: number; id: number }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== pid) continue;
      const env = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").find((v) => v.startsWith("PUREHTTP_WORKER="));
      if (env) out.push({ pid: Number(entry), id: Number(env.split("=")[1]) });
    } catch {
      // gone meanwhile
    }
  }
  return out.sort((a, b) => a.id - b.id);
}

async function workerIds(url: string, n: number): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${url}/x`, { headers: { connection: "close" } });
    seen.add((await r.json()).worker);
  }
  return seen;
}

const until = async (check: () => boolean, ms = 15_000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (check()) return;
  throw new Error("timed out");
};

describe.each(RUNTIMES)("--workers on %s", (runtime) => {
  let app: Running | null = null;
  afterEach(async () => {
    await app?.stop();
    app = null;
  });

  it("two workers share one port; the echo JSON says which answered; connections reach both", async () => {
    app = await start(runtime, "src/cli.ts", ["echo", "--port", "0", "--workers", "2"]);
    expect(workersOf(app.proc.pid!).map((w) => w.id)).toEqual([1, 2]);
    expect([...await workerIds(app.url, 40)].sort()).toEqual([1, 2]);
  }, 60_000);

  it("a worker that dies is started again, and the supervisor says so on stderr", async () => {
    app = await start(runtime, "src/cli.ts", ["echo", "--port", "0", "--workers", "2"]);
    const [first] = workersOf(app.proc.pid!);
    process.kill(first!.pid, "SIGKILL");
    await until(() => app!.output().includes("worker 1 is listening again"));
    expect(app.output()).toContain("purehttp: worker 1 exited (SIGKILL); starting it again");
    expect(workersOf(app.proc.pid!).map((w) => w.id)).toEqual([1, 2]);
    expect([...await workerIds(app.url, 40)].sort()).toEqual([1, 2]);
  }, 60_000);

  it("SIGTERM drains every worker: a request in flight gets its answer, then the command exits 0", async () => {
    app = await start(runtime, "src/cli.ts", ["serve", "spec-tests/peers/slow-app.ts", "--port", "0", "--workers", "2"]);
    const pending = fetch(`${app.url}/slow`).then(async (r) => [r.status, await r.text()]);
    await new Promise((r) => setTimeout(r, 400));
    const exited = new Promise<number | null>((r) => app!.proc.once("exit", (code) => r(code)));
    app.proc.kill("SIGTERM");
    const [status, text] = await pending;
    expect(status).toBe(200);
    expect(text).toMatch(/^worker [12]$/);
    expect(await exited).toBe(0);
  }, 60_000);

  it("SIGTERM: open WebSockets get a 1001 close and HTTP/2 connections a GOAWAY(NO_ERROR) before their FIN, in every worker", async () => {
    app = await start(runtime, "src/cli.ts", ["echo", "--port", "0", "--workers", "2"]);
    /** A connection that records what the server sends: its bytes, and when it ends. */
    const open = (first: Buffer) => new Promise<{ bytes: () => Buffer; ended: Promise<void> }>((resolve) => {
      const s = net.connect(app!.port, "127.0.0.1");
      let bytes = Buffer.alloc(0);
      const ended = new Promise<void>((r) => s.on("close", () => r()));
      s.on("error", () => {});
      s.on("data", (d: Buffer) => {
        bytes = Buffer.concat([bytes, d]);
        resolve({ bytes: () => bytes, ended });
      });
      s.write(first);
    });
    const UPGRADE = "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    const H2 = Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
    // Several of each, so that both workers hold some (the kernel spreads connections).
    const ws = await Promise.all(Array.from({ length: 6 }, () => open(Buffer.from(UPGRADE))));
    const h2 = await Promise.all(Array.from({ length: 6 }, () => open(H2)));
    const exited = new Promise<number | null>((r) => app!.proc.once("exit", (c) => r(c)));
    app.proc.kill("SIGTERM");
    await Promise.all([...ws, ...h2].map((c) => c.ended));
    for (const c of ws) {
      const b = c.bytes();
      const frame = b.subarray(b.indexOf("\r\n\r\n") + 4);
      expect([frame[0], frame.readUInt16BE(2)]).toEqual([0x88, 1001]); // a Close frame, code 1001 (going away)
    }
    for (const c of h2) {
      const b = c.bytes();
      const frames: [number, number][] = [];
      for (let i = 0; i + 9 <= b.length; i += 9 + b.readUIntBE(i, 3)) frames.push([b[i + 3]!, b.readUIntBE(i, 3)]);
      const goaway = frames.findIndex(([type]) => type === 7);
      expect(goaway).toBeGreaterThanOrEqual(0);
      let at = 0;
      for (let k = 0; k < goaway; k++) at += 9 + frames[k]![1];
      expect(b.readUInt32BE(at + 9 + 4)).toBe(0); // NO_ERROR
    }
    expect(await exited).toBe(0);
  }, 60_000);
});

describe("serve({ reusePort })", () => {
  it(nodeHasReusePort() ? "two servers in one process listen on one port" : "on a Node without reusePort, listening fails and says why", async () => {
    const a = serve({ port: 0, hostname: "127.0.0.1", reusePort: true, onListen() {} }, () => new Response("a"));
    if (!nodeHasReusePort()) {
      await expect(a.listening).rejects.toThrow(/reusePort needs Node 22\.12 or later/);
      return;
    }
    const { port } = await a.listening;
    const b = serve({ port, hostname: "127.0.0.1", reusePort: true, onListen() {} }, () => new Response("b"));
    expect((await b.listening).port).toBe(port);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });
});
