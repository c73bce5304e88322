/**
 * HTTPS app for the RFC 8441 browser test: serves a page whose script opens a wss://
 * WebSocket to the same origin, echoes on /ws saying which HTTP version carried the
 * handshake, and keeps the page's report for the test to fetch.
 * Args: --tls-cert FILE --tls-key FILE.
 */
import { pageServeOptions } from "../helpers/chromium.ts";
import { serve, upgradeWebSocket } from "../../src/mod.ts";

const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1]!;
const PAGE = `<!doctype html><title>purehttp wss over h2</title><script>
const ws = new WebSocket("wss://" + location.host + "/ws");
const got = [];
ws.onopen = () => { ws.send("one"); ws.send(new Uint8Array([7, 8, 9])); };
ws.binaryType = "arraybuffer";
ws.onmessage = (e) => {
  got.push(typeof e.data === "string" ? e.data : "binary:" + Array.from(new Uint8Array(e.data)).join(","));
  if (got.length === 2) ws.close(1000, "done");
};
ws.onclose = (e) => fetch("/report", { method: "POST", body: JSON.stringify({ got, code: e.code }) });
</script>`;

let report: string | null = null;
const server = serve(pageServeOptions(), async (req, info) => {
  const path = new URL(req.url).pathname;
  if (path === "/ws") {
    const { socket, response } = upgradeWebSocket(req);
    socket.onmessage = (e) => socket.send(typeof e.data === "string" ? `${e.data} over HTTP/${info.httpVersion}` : e.data as ArrayBuffer);
    return response;
  }
  if (path === "/report") {
    report = await req.text();
    return new Response("ok");
  }
  if (path === "/report-result") return new Response(report ?? "", { status: report ? 200 : 404 });
  return new Response(PAGE, { headers: { "content-type": "text/html" } });
});
void server;
