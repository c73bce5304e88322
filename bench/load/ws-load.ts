/** WebSocket echo load: C connections each send a message and wait for its echo, for D seconds. */
import { createRequire } from "node:module";

const require = createRequire(new URL("../package.json", import.meta.url));
const WebSocket = require("ws");
const [url, size, seconds, conns] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5] ?? 16)];
const msg = Buffer.alloc(size, 0x61);
let count = 0;
const deadline = Date.now() + seconds * 1000;
await Promise.all(Array.from({ length: conns }, () => new Promise<void>((resolve) => {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 26 });
  ws.on("open", () => ws.send(msg, { binary: true }));
  ws.on("message", () => {
    count++;
    if (Date.now() < deadline) ws.send(msg, { binary: true });
    else ws.close();
  });
  ws.on("close", () => resolve());
  ws.on("error", () => resolve());
})));
console.log(JSON.stringify({ messagesPerSec: count / seconds }));
