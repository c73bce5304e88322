/**
 * Opens N idle connections to a server (HTTP: one request each, then kept alive;
 * WebSocket: a completed handshake), and reports the server's resident memory
 * before and after, read from /proc/PID/status.
 */
import { readFileSync } from "node:fs";
import * as net from "node:net";

const [port, pid, n, kind] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4]), process.argv[5] ?? "http"];
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
const request = kind === "ws"
  ? "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
  : "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

await new Promise((r) => setTimeout(r, 500));
const before = rss();
const sockets: net.Socket[] = [];
let opened = 0;
for (let i = 0; i < n; i += 200) {
  await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => new Promise<void>((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(request));
    s.once("data", () => {
      opened++;
      resolve();
    });
    s.on("error", () => resolve());
    sockets.push(s);
  })));
}
await new Promise((r) => setTimeout(r, 1500));
const after = rss();
console.log(JSON.stringify({ opened, before, after, perConnection: (after - before) / Math.max(1, opened) }));
for (const s of sockets) s.destroy();
