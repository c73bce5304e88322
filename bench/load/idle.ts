/**
 * Opens N idle connections to a server (HTTP: one request each, then kept alive;
 * WebSocket: a completed handshake), and reports the server's resident memory
 * before and after, read from /proc/PID/status. Then, with MORE (a fifth argument), it
 * opens MORE connections beside them and reports what each of those added: what one
 * more connection costs a server that has served some already, without the one-time
 * costs the first N also pay (code compiled, heap and pools grown: on Bun the JIT
 * paging its compilers in is several MiB).
 *
 * One batch does not always reach past those costs: on Bun, purehttp's first MORE still
 * paged in 2.2 MB of Bun's own code (its optimising compilers, for functions that tier
 * up only then; `/proc/PID/smaps`, bench/README.md), where the floor's paged in 0.3 and
 * Bun.serve's 0.06. So a second batch of MORE follows, and what each of those added is
 * reported too (`steady`): the cost of a connection once nothing is being paid for the
 * first time.
 */
import { readFileSync } from "node:fs";
import * as net from "node:net";

const [port, pid, n, kind, more] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4]), process.argv[5] ?? "http", Number(process.argv[6] ?? 0)];
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
const request = kind === "ws"
  ? "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
  : "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

await new Promise((r) => setTimeout(r, 500));
const before = rss();
const sockets: net.Socket[] = [];

/** Opens `count` connections, 200 at a time, each sending the request; resolves with how many were answered. */
async function open(count: number): Promise<number> {
  let opened = 0;
  for (let i = 0; i < count; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, count - i) }, () => new Promise<void>((resolve) => {
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
  return opened;
}

const opened = await open(n);
const after = rss();
let marginal: number | null = null;
let steady: number | null = null;
if (more > 0) {
  const added = await open(more);
  const then = rss();
  marginal = added >= more * 0.95 ? (then - after) / added : null;
  const addedAgain = await open(more);
  steady = marginal !== null && addedAgain >= more * 0.95 ? (rss() - then) / addedAgain : null;
}
console.log(JSON.stringify({ opened, before, after, perConnection: (after - before) / Math.max(1, opened), marginal, steady }));
for (const s of sockets) s.destroy();
