/**
 * The server object as an app sees it, run twice by server-object.test.ts: once under the
 * runtime's own server (Deno.serve or Bun.serve) and once under purehttp's serve(), with
 * the same code. Prints one JSON line of what it saw; the two must be equal.
 *   deno run -A server-object-app.ts native|purehttp
 *   bun server-object-app.ts native|purehttp
 */
import { serve as pureServe } from "../../src/mod.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const which = (g.Deno ? g.Deno.args : g.process.argv.slice(2))[0];
// deno-lint-ignore no-explicit-any
const serve: (...a: any[]) => any = which === "native" ? (g.Deno ? g.Deno.serve : g.Bun.serve) : pureServe;
const out: Record<string, unknown> = {};
const handler = (req: Request) => new Response(`hi ${new URL(req.url).pathname}`);
const refused = async (url: string) => {
  try {
    await fetch(url);
    return false;
  } catch {
    return true;
  }
};
const settle = () => new Promise((r) => setTimeout(r, 100));

if (g.Deno) {
  // Deno.serve: onListen is called before serve() returns, with the bound address.
  let server: { addr: { hostname: string; port: number; transport: string }; finished: Promise<void>; shutdown(): Promise<void> } | undefined;
  let heard: Record<string, unknown> | null = null;
  server = serve({ port: 0, hostname: "127.0.0.1", onListen: (a: { port: number; hostname: string; transport: string }) => {
    heard = { before_return: server === undefined, port_known: a.port > 0, hostname: a.hostname, transport: a.transport };
  } }, handler);
  out.onListen = heard;
  out.addr_at_return = { port_known: server!.addr.port > 0, hostname: server!.addr.hostname, transport: server!.addr.transport };
  const url = `http://127.0.0.1:${server!.addr.port}`;
  out.fetched = await (await fetch(`${url}/x`)).text();
  out.members = ["addr", "finished", "shutdown", "ref", "unref"].map((m) => typeof (server as unknown as Record<string, unknown>)[m]);
  out.asyncDispose = typeof (server as unknown as Record<symbol, unknown>)[Symbol.asyncDispose];
  let finished = false;
  server!.finished.then(() => (finished = true));
  await server!.shutdown();
  await settle();
  out.after_shutdown = { finished, refused: await refused(`${url}/y`) };
  let disposedUrl = "";
  {
    await using s = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handler);
    disposedUrl = `http://127.0.0.1:${s.addr.port}`;
    out.await_using = await (await fetch(`${disposedUrl}/z`)).text();
  }
  out.after_await_using = { refused: await refused(disposedUrl) };
} else {
  // Bun.serve: the bound port, url and address are there when serve() returns.
  const server = serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
  out.at_return = {
    port_known: server.port > 0,
    url: server.url.href === `http://127.0.0.1:${server.port}/`,
    hostname: server.hostname,
    address: { ...server.address, port: server.address.port === server.port },
    protocol: server.protocol,
    development: server.development,
    id: server.id,
    pendingRequests: server.pendingRequests,
    pendingWebSockets: server.pendingWebSockets,
  };
  out.fetched = await (await fetch(`${server.url}x`)).text();
  out.server_fetch = await (await server.fetch(new Request("http://example.com/y"))).text();
  out.members = ["stop", "reload", "upgrade", "publish", "subscriberCount", "requestIP", "ref", "unref", "closeIdleConnections", "fetch"]
    .map((m) => `${m}:${typeof server[m]}`);
  server.closeIdleConnections();
  out.after_closeIdle = await (await fetch(`${server.url}w`)).text();
  await server.stop();
  await settle();
  out.after_stop = { refused: await refused(`${server.url}y`) };
  let disposedUrl = "";
  {
    using s = serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
    disposedUrl = s.url.href;
    out.using = await (await fetch(`${disposedUrl}z`)).text();
  }
  await settle();
  out.after_using = { refused: await refused(disposedUrl) };
}
console.log(JSON.stringify(out));
