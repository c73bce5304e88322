/**
 * serve()'s cost per request counted in instructions, for changes too small for wall
 * clock on a noisy machine: HTTP/1.1 from dist/ (run `npm run build` first) over a fake
 * transport, 64 keep-alive connections, N batches of one GET each. The handler's work
 * does not depend on time, but V8's collections do (their heuristics read the clock, and
 * callgrind slows it): on 2026-12-03 the same build's 1,300 - 300 count read 14.0k to
 * 16.9k instructions a request in seven runs, where a collection landed or not. Compare
 * medians of several runs of each build, interleaved:
 *
 *   count() { N=$1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *     node --single-threaded bench/micro/facade-count.mjs 2>&1 | awk '/Collected/ {print $4}'; }
 *   echo $(( ($(count 1300) - $(count 300)) / (1000 * 64) ))   # instructions per request
 *
 * MODE=hello answers `new Response("Hello World")`, MODE=64k a 64 KiB Uint8Array,
 * MODE=echo a POST of 1 KiB with `new Response(await req.arrayBuffer())` (the bench's
 * echo), the default `new Response(null)`.
 * ROOT points at another checkout to compare builds.
 */
const root = process.env.ROOT ?? new URL("../..", import.meta.url).pathname;
const { serve } = await import(root + "/dist/mod.js");
const N = Number(process.env.N ?? 200);
const mode = process.env.MODE ?? "empty";
const BIG = new Uint8Array(64 * 1024).fill(0x61);
const addr = { hostname: "127.0.0.1", port: 8080, transport: "tcp" };
let accept;
const transport = { name: "node", listen(_o, a) { accept = a; return Promise.resolve({ addr, close() {} }); } };
// RECORD=0 or 1 sets serve()'s recordResponses (default: serve() decides).
const record = process.env.RECORD === undefined ? {} : { recordResponses: process.env.RECORD === "1" };
const server = serve({ transport, port: 0, onListen() {}, ...record }, async (req) => (
  mode === "empty" ? new Response(null)
  : mode === "64k" ? new Response(BIG)
  : mode === "echo" ? new Response(await req.arrayBuffer())
  : new Response("Hello World")));
await server.listening;
const REQUEST = mode === "echo"
  ? Buffer.from("POST /echo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/octet-stream\r\nContent-Length: 1024\r\n\r\n" + "x".repeat(1024))
  : Buffer.from("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
let pending = 0;
let wake = () => {};
const conns = Array.from({ length: 64 }, () => {
  const c = {
    remoteAddr: addr, localAddr: addr, alpnProtocol: null, encrypted: false,
    write() {
      if (--pending === 0) wake();
      return true;
    },
    end() {}, destroy() {}, pause() {}, resume() {},
  };
  c.handler = accept(c);
  return c;
});
for (let i = 0; i < N; i++) {
  pending = conns.length;
  const done = new Promise((r) => (wake = r));
  for (const c of conns) c.handler.data(Uint8Array.prototype.slice.call(REQUEST));
  await done;
  await new Promise((r) => setImmediate(r));
}
console.log(`${N * conns.length} requests`);
await server.shutdown();
