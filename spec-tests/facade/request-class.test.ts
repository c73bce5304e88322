/**
 * The handler's Request where it goes next: into `new Request(url, req)` and `fetch()`,
 * as a proxy handler does, over real sockets on Node. On Node 20 and 22 the runtime
 * reads the stand-in itself (its state under symbols); on Node 24 and later serve()
 * installs a Request class and a fetch that take it (facade/request-class.ts). The
 * test says which path this Node took.
 */
import { afterAll, describe, expect, it } from "vitest";
import { makeRequest } from "../../src/facade/lazy-request.ts";
import { requestClassInstalled, requestStateVisible } from "../../src/facade/request-class.ts";
import { type Server, serve } from "../../src/serve.ts";

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop(true);
});

async function start(handler: (req: Request) => Response | Promise<Response>): Promise<string> {
  const s = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handler);
  servers.push(s);
  const addr = await s.listening;
  return `http://127.0.0.1:${addr.port}`;
}

describe("a handler's Request passed on", () => {
  it("takes the path this Node allows: the runtime's own reading, or the installed Request class", async () => {
    await start(() => new Response("x"));
    const major = Number(process.versions.node.split(".")[0]);
    expect(requestStateVisible()).toBe(major < 24);
    expect(requestClassInstalled()).toBe(major >= 24);
  });

  it("proxies through new Request(url, req) and fetch, body and fields intact", async () => {
    const upstream = await start(async (req) => {
      const body = await req.text();
      return Response.json({ method: req.method, body, probe: req.headers.get("x-probe"), path: new URL(req.url).pathname });
    });
    const front = await start((req) => {
      const path = new URL(req.url).pathname;
      if (path === "/copy") return fetch(new Request(upstream + "/copied", req));
      return fetch(upstream + "/init", { method: req.method, headers: req.headers, body: req.body, duplex: "half" } as RequestInit);
    });
    for (const path of ["/copy", "/init"]) {
      const res = await fetch(front + path, { method: "POST", body: "payload " + path, headers: { "x-probe": "p" } });
      expect(res.status).toBe(200);
      const seen = await res.json();
      expect(seen).toEqual({ method: "POST", body: "payload " + path, probe: "p", path: path === "/copy" ? "/copied" : "/init" });
    }
  });

  it("fetch() takes a stand-in itself", async () => {
    const upstream = await start(async (req) => new Response(`${req.method} ${await req.text()} ${req.headers.get("x-a")}`));
    const signal = new AbortController().signal;
    const stand = makeRequest({ url: upstream + "/direct", method: "PUT", fields: ["x-a", "1"], body: new TextEncoder().encode("bytes"), signal: () => signal });
    const res = await fetch(stand);
    expect(await res.text()).toBe("PUT bytes 1");
  });
});
