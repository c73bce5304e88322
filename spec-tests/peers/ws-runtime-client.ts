/** The runtime's own WebSocket client (Deno's or Bun's built-in) against purehttp. */
const url = (globalThis as { Deno?: { args: string[] } }).Deno?.args[0] ?? (globalThis as { process?: { argv: string[] } }).process!.argv[2]!;

function open(u: string, protocols?: string[]): Promise<WebSocket> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(u, protocols);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => res(ws);
    ws.onerror = (e) => rej(new Error(`error ${(e as ErrorEvent).message ?? ""}`));
  });
}
const next = (ws: WebSocket) => new Promise<unknown>((res) => (ws.onmessage = (e) => res(e.data)));

const out: Record<string, unknown> = {};
const ws = await open(url, ["chat"]);
out.protocol = ws.protocol;
out.extensions = ws.extensions;
ws.send("hi ✓");
out.text = await next(ws);
ws.send(new Uint8Array([9, 8, 7]));
out.binary = [...new Uint8Array((await next(ws)) as ArrayBuffer)];
const big = new Uint8Array(16 * 1024 * 1024);
for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
ws.send(big);
const back = new Uint8Array((await next(ws)) as ArrayBuffer);
out.big = back.length === big.length && back.every((b, i) => b === big[i]);
const closed = new Promise<CloseEvent>((r) => (ws.onclose = (e) => r(e as CloseEvent)));
ws.close(4000, "bye");
const ce = await closed;
out.close = { code: ce.code, reason: ce.reason, clean: ce.wasClean };
console.log(JSON.stringify(out));
const g = globalThis as { Deno?: { exit(n: number): void }; process?: { exit(n: number): void } };
g.Deno ? g.Deno.exit(0) : g.process!.exit(0);
