/**
 * A WebSocket echo's cost per message counted in instructions (see facade-count.mjs for
 * how to run it under callgrind): a 64-byte masked binary frame fed N times to a
 * Deno-style socket from dist/ whose onmessage sends the data back.
 */
const root = process.env.ROOT ?? new URL("../..", import.meta.url).pathname;
const { WsLink } = await import(root + "/dist/facade/ws/link.js");
const { PureWebSocket } = await import(root + "/dist/facade/ws/deno-socket.js");
const { WritePool } = await import(root + "/dist/buffers/pool.js");
const N = Number(process.env.N ?? 20000);
let writes = 0;
const conn = {
  remoteAddr: {}, localAddr: {}, alpnProtocol: null, encrypted: false,
  write() {
    writes++;
    return true;
  },
  end() {}, destroy() {}, pause() {}, resume() {},
};
const socket = new PureWebSocket("ws://x/", "");
socket.onmessage = (e) => socket.send(e.data);
const link = new WsLink(conn, { pool: new WritePool(), connections: new Set() }, socket, { idleTimeout: 0 });
link.begin([]);
const key = [1, 2, 3, 4];
const frame = new Uint8Array(70);
frame[0] = 0x82;
frame[1] = 0x80 | 64;
frame.set(key, 2);
for (let i = 0; i < 64; i++) frame[6 + i] = 0x61 ^ key[i & 3];
// Received chunks are Buffers on Node; each is refilled before it is fed again.
const chunks = Array.from({ length: 256 }, () => Buffer.from(frame));
for (let i = 0; i < N; i++) {
  const c = chunks[i & 255];
  c.set(frame);
  link.data(c);
}
console.log(`${writes} echoes`);
