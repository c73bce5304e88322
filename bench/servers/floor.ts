/**
 * The raw-socket floor: answers every request with pre-built bytes, without
 * parsing (it only counts the blank lines that end request heads, and peeks at
 * the request's first bytes to pick hello / 64 KiB / 1 KiB echo). No userland
 * HTTP stack on this runtime can be faster.
 */
import { BIG, args, runtime } from "./common.ts";

const a = args();
const closeAfterAnswer = a.close === "1";
const enc = new TextEncoder();
const head = (n: number) =>
  `HTTP/1.1 200 OK\r\ncontent-length: ${n}\r\ncontent-type: text/plain\r\n${closeAfterAnswer ? "connection: close\r\n" : ""}\r\n`;
const HELLO = enc.encode(head(11) + "Hello World");
const BIG_RES = new Uint8Array([...enc.encode(head(BIG.length)), ...BIG]);
const ECHO_RES = new Uint8Array([...enc.encode(head(1024)), ...new Uint8Array(1024).fill(0x78)]);

/** Responses for the heads completed in this chunk; `state` carries partial "\r\n\r\n" matches. */
function answer(chunk: Uint8Array, state: { m: number; first: number }): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i]!;
    if (state.first === -1) state.first = c === 0x50 ? 2 : chunk[i + 5] === 0x36 ? 1 : 0; // POST / "/64k" / else
    state.m = c === (state.m === 0 || state.m === 2 ? 0x0d : 0x0a) ? state.m + 1 : c === 0x0d ? 1 : 0;
    if (state.m === 4) {
      out.push(state.first === 2 ? ECHO_RES : state.first === 1 ? BIG_RES : HELLO);
      state.m = 0;
      // A POST's 1 KiB body follows its head: skip it.
      if (state.first === 2) i += 1024;
      state.first = -1;
    }
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const port = Number(a.port ?? 0);
const say = (p: number) => console.log(`listening on http://127.0.0.1:${p}`);
// deno-lint-ignore no-explicit-any
const g = globalThis as any;

if (runtime() === "deno") {
  const l = g.Deno.listen({ port, hostname: "127.0.0.1" });
  say(l.addr.port);
  for await (const conn of l) {
    (async () => {
      // 4 KiB holds any request the bench sends (a 1 KiB POST with its head) in one read.
      // It was 64 KiB until 2026-12-04, which made the floor's idle connections the
      // heaviest in the memory table (590 MiB for 10,000) without being any faster.
      const buf = new Uint8Array(4096);
      const st = { m: 0, first: -1 };
      try {
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) break;
          // The answers to one read leave in one write, as the Node floor does.
          const rs = answer(buf.subarray(0, n), st);
          const r = rs.length === 1 ? rs[0]! : concat(rs);
          let o = 0;
          while (o < r.length) o += await conn.write(r.subarray(o));
          if (closeAfterAnswer) break;
        }
      } catch { /* closed */ }
      try { conn.close(); } catch { /* closed */ }
    })();
  }
} else if (runtime() === "bun") {
  const server = g.Bun.listen({
    hostname: "127.0.0.1", port,
    socket: {
      open(s: { data: unknown }) { s.data = { m: 0, first: -1, q: [] as Uint8Array[] }; },
      data(s: { data: { m: number; first: number; q: Uint8Array[] }; write(b: Uint8Array): number; end(b: Uint8Array): void }, d: Uint8Array) {
        const rs = answer(d, s.data);
        if (rs.length === 0) return;
        const r = rs.length === 1 ? rs[0]! : concat(rs);
        if (closeAfterAnswer) return void s.end(r);
        if (s.data.q.length) { s.data.q.push(r); return; }
        const n = s.write(r);
        if (n < r.length) s.data.q.push(r.subarray(Math.max(n, 0)));
      },
      drain(s: { data: { q: Uint8Array[] }; write(b: Uint8Array): number }) {
        while (s.data.q.length) {
          const r = s.data.q[0]!;
          const n = s.write(r);
          if (n < r.length) { s.data.q[0] = r.subarray(Math.max(n, 0)); return; }
          s.data.q.shift();
        }
      },
    },
  });
  say(server.port);
} else {
  const net = await import("node:net");
  const server = net.createServer({ noDelay: true }, (s) => {
    const st = { m: 0, first: -1 };
    s.on("data", (d) => {
      const rs = answer(d, st);
      if (closeAfterAnswer && rs.length) s.end(rs[0]!);
      else if (rs.length === 1) s.write(rs[0]!);
      else if (rs.length) s.write(Buffer.concat(rs));
    });
    s.on("error", () => {});
  });
  server.listen(port, "127.0.0.1", () => say((server.address() as { port: number }).port));
}
