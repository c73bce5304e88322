/**
 * Deno's read buffers (transport/deno.ts): a connection's first read is small, so an
 * idle connection's pending read holds little; the size rule, then whole requests of
 * every size over real sockets, first on a connection and after small ones, read and
 * answered through Deno's read and write ops (the default on this Deno) and through the
 * public `conn.read` and `conn.write`.
 */
import { createHash } from "node:crypto";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextReadSize } from "../../src/transport/deno.ts";
import { Client } from "../helpers/http-client.ts";
import { type Running, start } from "../helpers/runtimes.ts";

describe("nextReadSize", () => {
  it("a first read that fills 1 KiB moves straight to 4 KiB; one that does not stays", () => {
    expect(nextReadSize(1024, 1024)).toBe(4096);
    expect(nextReadSize(1024, 40)).toBe(1024);
    expect(nextReadSize(1024, 1023)).toBe(1024);
  });

  it("doubles on each full read up to 64 KiB, and stays there", () => {
    const sizes = [4096];
    while (sizes.at(-1)! < 65536) sizes.push(nextReadSize(sizes.at(-1)!, sizes.at(-1)!));
    expect(sizes).toEqual([4096, 8192, 16384, 32768, 65536]);
    expect(nextReadSize(65536, 65536)).toBe(65536);
  });

  it("halves after a read of under a quarter, never below 4 KiB", () => {
    expect(nextReadSize(65536, 16383)).toBe(32768);
    expect(nextReadSize(65536, 16384)).toBe(65536);
    expect(nextReadSize(8192, 10)).toBe(4096);
    expect(nextReadSize(4096, 10)).toBe(4096);
  });

  it("a head then its body (a POST's two reads) keeps the size it has", () => {
    let size = nextReadSize(1024, 1024); // the first POST fills the first read
    for (let i = 0; i < 10; i++) size = nextReadSize(nextReadSize(size, 120), 1024);
    expect(size).toBe(4096);
  });
});

describe.each(["op", "public"])("whole requests and answers through Deno's reads and writes (%s)", (reads) => {
  let echo: Running;
  beforeAll(async () => {
    echo = await start("deno", "spec-tests/transport/deno-reads-app.ts", [reads]);
  });
  afterAll(() => echo?.stop());

  it("reads the way it was asked to", () => {
    expect(echo.output()).toContain(`reads=${reads}`);
  });

  /** Sends the requests on one connection, all at once, and resolves with each answer's JSON. */
  function onOneConnection(requests: Buffer[]): Promise<Array<{ bodyLength: number; body: string; headers: [string, string][] }>> {
    return new Promise((resolve, reject) => {
      const s = net.connect(echo.port, "127.0.0.1", () => s.end(Buffer.concat(requests)));
      const chunks: Buffer[] = [];
      s.on("data", (d) => chunks.push(d));
      s.on("error", reject);
      s.on("close", () => {
        const all = Buffer.concat(chunks);
        const out = [];
        // Each answer in turn: its head, then as many body bytes as its content-length says.
        for (let at = 0; at < all.length; ) {
          const end = all.indexOf("\r\n\r\n", at);
          if (end < 0) return reject(new Error(`an incomplete answer: ${all.subarray(at).toString("latin1")}`));
          const head = all.subarray(at, end).toString("latin1");
          expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
          const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)![1]);
          out.push(JSON.parse(all.subarray(end + 4, end + 4 + length).toString()));
          at = end + 4 + length;
        }
        resolve(out);
      });
    });
  }

  const post = (body: Buffer, padding = 0) =>
    Buffer.concat([
      Buffer.from(`POST /p HTTP/1.1\r\nHost: x\r\nX-Pad: ${"p".repeat(padding)}\r\nContent-Length: ${body.length}\r\n\r\n`),
      body,
    ]);
  const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
  const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");

  it("a first request larger than the first read, then small and large ones, arrive whole", async () => {
    const bodies = [bytes(200_000, 1), bytes(10, 2), bytes(3_000, 3), bytes(1_023, 4), bytes(70_000, 5), bytes(0, 6)];
    const answers = await onOneConnection(bodies.map((b, i) => post(b, i === 0 ? 3_000 : 0)));
    expect(answers).toHaveLength(bodies.length);
    answers.forEach((a, i) => {
      expect(a.bodyLength).toBe(bodies[i]!.length);
      expect(digest(Buffer.from(a.body, "base64"))).toBe(digest(bodies[i]!));
    });
    expect(answers[0]!.headers).toContainEqual(["x-pad", "p".repeat(3_000)]);
  }, 20_000);

  it("an answer larger than the socket takes at once, to a client that stops reading a while, arrives whole", async () => {
    const body = bytes(1_500_000, 8);
    const c = new Client(echo.port);
    c.sock.end(post(body));
    // The server's writes meet a full socket and go on in parts once the client reads.
    c.sock.pause();
    setTimeout(() => c.sock.resume(), 500);
    const answer = JSON.parse((await c.response()).body.toString()) as { bodyLength: number; body: string };
    expect(answer.bodyLength).toBe(body.length);
    expect(digest(Buffer.from(answer.body, "base64"))).toBe(digest(body));
  }, 20_000);

  it("a head that ends exactly at the first read's 1,024 bytes, then its body", async () => {
    const body = bytes(5_000, 7);
    const head = (pad: number) => `POST /p HTTP/1.1\r\nHost: x\r\nX-Pad: ${"p".repeat(pad)}\r\nContent-Length: ${body.length}\r\n\r\n`;
    const pad = 1024 - head(0).length;
    expect(Buffer.byteLength(head(pad))).toBe(1024);
    const [a] = await onOneConnection([Buffer.concat([Buffer.from(head(pad)), body])]);
    expect(a!.bodyLength).toBe(body.length);
    expect(digest(Buffer.from(a!.body, "base64"))).toBe(digest(body));
  }, 20_000);
});
