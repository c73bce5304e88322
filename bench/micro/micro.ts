/**
 * In-process micro benchmarks on Node: our HTTP/1.1 parser against http-parser-js
 * and Node's own llhttp binding, our HPACK against hpack.js, our WebSocket framing
 * against the ws package. Prints JSON: ops/s and MB/s for each.
 */
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

// The code as it ships: the JavaScript `npm run build` emits (the harness builds it first;
// PUREHTTP_BENCH_SRC=1 measures the TypeScript sources through tsx instead).
const from = process.env.PUREHTTP_BENCH_SRC ? "../../src/" : "../../dist/";
const ext = process.env.PUREHTTP_BENCH_SRC ? ".ts" : ".js";
const load = (path: string) => import(from + path + ext);
const { WritePool }: typeof import("../../src/buffers/pool.ts") = await load("buffers/pool");
const { RequestParser }: typeof import("../../src/h1/parser.ts") = await load("h1/parser");
const { HpackDecoder }: typeof import("../../src/hpack/decoder.ts") = await load("hpack/decoder");
const { HpackEncoder }: typeof import("../../src/hpack/encoder.ts") = await load("hpack/encoder");
const { encodeFrame }: typeof import("../../src/ws/frame.ts") = await load("ws/frame");
const { Receiver }: typeof import("../../src/ws/receiver.ts") = await load("ws/receiver");

const require = createRequire(new URL("../package.json", import.meta.url));
const MS = Number(process.env.MICRO_MS ?? 3000);

/** Runs fn repeatedly for MS (after a warm-up); returns ops/s, where one call does `per` ops. */
function measure(fn: () => void, per = 1, ms = MS): number {
  const end0 = performance.now() + 100;
  while (performance.now() < end0) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 50; i++) fn();
    ops += 50 * per;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

const ROUNDS = Number(process.env.MICRO_ROUNDS ?? 5);

/**
 * Runs the contenders in interleaved rounds (A B C A B C ...), each for MS / ROUNDS,
 * and returns each one's median ops/s: a machine that slows down for a while costs
 * every contender alike.
 */
function compare<K extends string>(contenders: Record<K, [fn: () => void, per: number]>): Record<K, number> {
  const samples = {} as Record<K, number[]>;
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of Object.keys(contenders) as K[]) {
      const [fn, per] = contenders[name];
      (samples[name] ??= []).push(measure(fn, per, MS / ROUNDS));
    }
  }
  const out = {} as Record<K, number>;
  for (const name of Object.keys(samples) as K[]) {
    const sorted = samples[name].sort((a, b) => a - b);
    out[name] = sorted[Math.floor(sorted.length / 2)]!;
  }
  return out;
}

const results: Record<string, Record<string, number>> = {};

// ---- HTTP/1.1 request parsing: a typical browser GET, 32 of them pipelined in one buffer ----
const one = "GET /api/v1/items?page=2&sort=desc HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br\r\nCookie: session=abc123; theme=dark\r\nConnection: keep-alive\r\n\r\n";
const input = Buffer.from(one.repeat(32));
{
  const ours = (() => {
    const p = new RequestParser();
    p.feed(input);
    while (p.next());
  });
  const { HTTPParser: JsParser } = require("http-parser-js");
  const js = (() => {
    const p = new JsParser(JsParser.REQUEST);
    p[JsParser.kOnHeadersComplete] = () => {};
    p[JsParser.kOnMessageComplete] = () => {};
    p.execute(input);
  });
  // deno-lint-ignore no-explicit-any
  const { HTTPParser } = (process as any).binding("http_parser");
  const llhttpFn = (() => {
    const p = new HTTPParser();
    p.initialize(HTTPParser.REQUEST, {});
    p[HTTPParser.kOnHeadersComplete] = () => {};
    p[HTTPParser.kOnMessageComplete] = () => {};
    p.execute(input);
  });
  const m = compare({ ours: [ours, 32], js: [js, 32], llhttp: [llhttpFn, 32] });
  const mb = (ops: number) => (ops * one.length) / 1e6;
  results.h1Parser = { purehttp: m.ours, httpParserJs: m.js, llhttp: m.llhttp, purehttpMBps: mb(m.ours), vsHttpParserJs: m.ours / m.js, vsLlhttp: m.ours / m.llhttp };
}

// ---- HPACK: encode and decode the hpack-test-case raw-data stories ----
{
  const dir = new URL("../../../shared/hpack-test-case/raw-data/", import.meta.url).pathname;
  let blocks: [string, string][][] = [];
  try {
    for (const f of readdirSync(dir).sort().slice(0, 10)) {
      const story = JSON.parse(readFileSync(join(dir, f), "utf8"));
      blocks.push(...story.cases.map((c: { headers: Record<string, string>[] }) => c.headers.map((h) => Object.entries(h)[0]!)));
    }
  } catch {
    blocks = [[[":method", "GET"], [":path", "/"], [":authority", "example.com"], ["user-agent", "bench"]]];
  }
  const ours = () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    for (const b of blocks) d.decode(e.encode(b));
  };
  const hpack = require("hpack.js");
  const theirs = () => {
    const c = hpack.compressor.create({ table: { size: 4096 } });
    const d = hpack.decompressor.create({ table: { size: 4096 } });
    for (const b of blocks) {
      c.write(b.map(([name, value]) => ({ name, value })));
      const chunks: Buffer[] = [];
      let chunk;
      while ((chunk = c.read())) chunks.push(chunk);
      d.write(Buffer.concat(chunks));
      d.execute();
      while (d.read());
    }
  };
  const m = compare({ ours: [ours, blocks.length], theirs: [theirs, blocks.length] });
  results.hpack = { purehttpBlocksPerSec: m.ours, hpackJsBlocksPerSec: m.theirs, vsHpackJs: m.ours / m.theirs };
}

// ---- WebSocket framing: serialize and parse masked client frames of 64 B and 64 KiB ----
for (const size of [64, 65536]) {
  const payload = new Uint8Array(size).fill(0x61);
  const key = Uint8Array.of(1, 2, 3, 4);
  const pool = new WritePool();
  const ours = () => {
    const frame = encodeFrame(pool, 2, payload, { maskKey: key })[0]!;
    const r = new Receiver("server");
    r.feed(frame);
    r.next();
  };
  const { Sender, Receiver: WsReceiver } = require("ws");
  const theirs = () => {
    const parts = Sender.frame(payload, { fin: true, rsv1: false, opcode: 2, mask: true, readOnly: false, maskKey: Buffer.from(key) });
    const buf = Buffer.concat(parts);
    const r = new WsReceiver({ isServer: true });
    r.on("message", () => {});
    r.write(buf);
  };
  const m = compare({ ours: [ours, 1], theirs: [theirs, 1] });
  results[`ws${size}`] = { purehttp: m.ours, ws: m.theirs, vsWs: m.ours / m.theirs, purehttpMBps: (m.ours * size) / 1e6 };
}

console.log(JSON.stringify(results));
