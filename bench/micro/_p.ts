import { createRequire } from "node:module";
import { RequestParser } from "../../src/h1/parser.ts";
const require = createRequire("/work/main/bench/package.json");
const one = "GET /api/v1/items?page=2&sort=desc HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br\r\nCookie: session=abc123; theme=dark\r\nConnection: keep-alive\r\n\r\n";
const input = Buffer.from(one.repeat(32));
function measure(fn: () => void, per = 1, MS = 1500): number {
  const end0 = performance.now() + 300; while (performance.now() < end0) fn();
  let ops = 0; const start = performance.now(); let now = start;
  while (now - start < MS) { for (let i = 0; i < 50; i++) fn(); ops += 50 * per; now = performance.now(); }
  return (ops * 1000) / (now - start);
}
const { HTTPParser: JsParser } = require("http-parser-js");
const mode = process.argv[2] ?? "both";
for (let r = 0; r < 3; r++) {
const ours = measure(() => { const p = new RequestParser(); p.feed(input); while (p.next()); }, 32);
if (mode === "ours") { console.log("ours", Math.round(ours)); continue; }
const js = measure(() => { const p = new JsParser(JsParser.REQUEST); p[JsParser.kOnHeadersComplete] = () => {}; p[JsParser.kOnMessageComplete] = () => {}; p.execute(input); }, 32);
console.log("ours", Math.round(ours), "js", Math.round(js), "ratio", (ours / js).toFixed(2));
}
