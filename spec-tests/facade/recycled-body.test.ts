/**
 * A bytes body too large to go with its head is copied, as Fetch says, into a region of
 * buffers/recycler.ts, and the region is used again once the transport has sent it.
 * These tests check that a sent Response's body reads as used, that a clone keeps its
 * region, and that the Node transport's sent callback waits for the kernel; the bytes on
 * the wire are checked on every runtime by peers/recycled-body-runtimes.test.ts.
 */
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WritePool } from "../../src/buffers/pool.ts";
import { HEADROOM, bodyRecycler } from "../../src/buffers/recycler.ts";
import { type H1Output, writeH1Response } from "../../src/facade/h1-response.ts";
import { installResponseClass, takeRecycledBody } from "../../src/facade/response-class.ts";
import { parseHead } from "../../src/h1/head.ts";
import { DEFAULT_H1_LIMITS } from "../../src/h1/limits.ts";
import { nodeTransport } from "../../src/transport/node.ts";
import type { Connection } from "../../src/transport/types.ts";
import { serve } from "../../src/mod.ts";
import type { Server } from "../../src/serve.ts";

let server: Server;
let port: number;
const sent: Response[] = [];

/** /body/ID/SIZE: SIZE bytes of the byte ID, from an array the handler then overwrites. */
beforeAll(async () => {
  server = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const [, , id, size] = new URL(req.url).pathname.split("/");
    const bytes = new Uint8Array(Number(size)).fill(Number(id));
    const res = new Response(bytes);
    bytes.fill(0xee); // the Response took a copy when it was made
    if (sent.length < 4) sent.push(res);
    return res;
  });
  port = (await server.listening).port;
});
afterAll(() => server.shutdown());

describe("recycled response bodies (Node)", () => {
  it("bodies go out and are given back (recycled-body-runtimes.test.ts checks the bytes over real sockets)", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/body/5/70000`);
    expect(new Uint8Array(await res.arrayBuffer()).every((x) => x === 5)).toBe(true);
    expect(sent.length).toBeGreaterThan(0);
  });

  it("a sent Response's body is used, as after any server sent it: reading it fails, cloning it throws, and it is not given up twice", async () => {
    expect(sent.length).toBeGreaterThan(0);
    for (const res of sent) {
      expect(res.bodyUsed).toBe(true);
      await expect(res.arrayBuffer()).rejects.toThrow(TypeError);
      expect(() => res.clone()).toThrow(TypeError);
      expect(takeRecycledBody(res)).toBe(null);
    }
  });

  it("a clone shares the copy, so neither gives it up; a Response whose body was read keeps the runtime's", async () => {
    const bytes = new Uint8Array(70_000).fill(3);
    const a = new Response(bytes);
    const b = a.clone();
    expect(takeRecycledBody(a)).toBe(null);
    expect(takeRecycledBody(b)).toBe(null);
    expect(new Uint8Array(await b.arrayBuffer()).every((x) => x === 3)).toBe(true);
    const c = new Response(bytes);
    expect((await c.bytes()).length).toBe(70_000);
    expect(takeRecycledBody(c)).toBe(null);
    const d = new Response(bytes);
    expect(takeRecycledBody(d)?.length).toBe(70_000);
    expect(takeRecycledBody(d)).toBe(null);
  });
});

/** The writes a response makes, each with its sent callback. */
function capture(): H1Output & { writes: { bytes: Uint8Array; sent?: () => void }[] } {
  const writes: { bytes: Uint8Array; sent?: () => void }[] = [];
  return { pool: new WritePool(), gone: false, trace: null, abort() {}, writes, write: (bytes, sent) => (writes.push({ bytes, sent }), null) };
}

const GET = parseHead(new TextEncoder().encode("GET / HTTP/1.1\r\nhost: a\r\n\r\n"), 0, 28, DEFAULT_H1_LIMITS);
const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1");

describe("a recycled body and its head", () => {
  it("leave as one view of the region's buffer, the head in its headroom, and the buffer goes back once sent", () => {
    installResponseClass();
    if (!GET || "code" in GET) throw new Error("request head did not parse");
    const res = new Response(new Uint8Array(70_000).fill(7), { headers: { "x-a": "b" } });
    const out = capture();
    expect(writeH1Response(out, GET, res, { close: false, closeAtOnce: false })).toBe(false);
    expect(out.writes.length).toBe(1);
    const { bytes, sent } = out.writes[0]!;
    const text = latin1(bytes);
    const head = text.slice(0, text.indexOf("\r\n\r\n") + 4);
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toContain("content-length: 70000\r\n");
    expect(head).toContain("x-a: b\r\n");
    expect(bytes.length).toBe(head.length + 70_000);
    expect(bytes.subarray(head.length).every((x) => x === 7)).toBe(true);
    // Not a copy: the head sits just before the body, HEADROOM into a recycler buffer.
    expect(bytes.byteOffset + head.length).toBe(HEADROOM);
    expect(bytes.buffer.byteLength).toBe(HEADROOM + 131072);
    const spare = bodyRecycler.spareCount;
    sent!();
    expect(bodyRecycler.spareCount).toBe(spare + 1);
  });

  it("a head too large for the headroom goes first in its own region, then the body, with the same bytes", () => {
    installResponseClass();
    if (!GET || "code" in GET) throw new Error("request head did not parse");
    const big = "v".repeat(HEADROOM);
    const res = new Response(new Uint8Array(40_000).fill(9), { headers: { "x-big": big } });
    const out = capture();
    expect(writeH1Response(out, GET, res, { close: false, closeAtOnce: false })).toBe(false);
    expect(out.writes.length).toBe(2);
    const head = latin1(out.writes[0]!.bytes);
    expect(head).toContain(`x-big: ${big}\r\n`);
    expect(head.endsWith("content-length: 40000\r\n\r\n")).toBe(true);
    const body = out.writes[1]!.bytes;
    expect([body.length, body.byteOffset, body.every((x) => x === 9)]).toEqual([40_000, HEADROOM, true]);
    expect(out.writes[0]!.bytes.buffer).not.toBe(body.buffer);
    const spare = bodyRecycler.spareCount;
    out.writes[1]!.sent!();
    expect(bodyRecycler.spareCount).toBe(spare + 1);
  });
});

describe("the Node transport's sent callback", () => {
  it("comes only once node:net has handed the bytes to the kernel: not while they wait for a peer that does not read", async () => {
    let conn!: Connection;
    const accepted = new Promise<void>((resolve) => {
      void nodeTransport.listen({ hostname: "127.0.0.1", port: 0 }, (c) => {
        conn = c;
        resolve();
        return { data() {}, drain() {}, end() {}, close() {} };
      }).then((l) => {
        const peer = net.connect(l.addr.port, "127.0.0.1");
        peer.pause();
        listener = { l, peer };
      });
    });
    let listener!: { l: { close(): void }; peer: net.Socket };
    await accepted;
    // 16 MiB to a peer that reads nothing: the kernel takes a few MiB, node:net keeps the rest.
    const called: number[] = [];
    for (let i = 0; i < 16; i++) conn.write(new Uint8Array(1 << 20).fill(i), () => called.push(i));
    await new Promise((r) => setTimeout(r, 300));
    expect(called.length).toBeLessThan(16);
    expect(called).toEqual(called.slice().sort((a, b) => a - b)); // in order
    // Once the peer reads everything, every write has been sent.
    let got = 0;
    listener.peer.on("data", (d: Buffer) => (got += d.length));
    listener.peer.resume();
    await new Promise<void>((resolve) => {
      const check = () => (got >= 16 << 20 ? resolve() : setTimeout(check, 10));
      check();
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(called).toEqual(Array.from({ length: 16 }, (_, i) => i));
    conn.destroy();
    listener.peer.destroy();
    listener.l.close();
  });
});
