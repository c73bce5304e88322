/**
 * A Bun-style app with `routes`, served by purehttp on any runtime, or with `--native`
 * by Bun.serve itself, so routes.test.ts can hold purehttp's answers against Bun's.
 */
import { serve } from "../../src/mod.ts";

type Req = Request & { params: Record<string, string> };

const routes = {
  "/": () => new Response("home"),
  "/static": new Response("static body", { headers: { "x-s": "1" } }),
  "/json": Response.json({ a: 1 }),
  "/tagged": new Response("tagged", { headers: { etag: '"v1"' } }),
  "/users/me": () => new Response("me"),
  "/users/:id": (req: Req) => Response.json({ route: "/users/:id", params: req.params }),
  "/users/:id/posts/:post": (req: Req) => Response.json({ route: "/users/:id/posts/:post", params: req.params }),
  "/api/*": (req: Req) => Response.json({ route: "/api/*", params: req.params }),
  "/m": {
    GET: () => new Response("get m"),
    POST: async (req: Req) => new Response("post m " + (await req.text())),
    PUT: new Response("fixed put"),
  },
  "/a/:x/c": (req: Req) => Response.json({ route: "/a/:x/c", params: req.params }),
  "/a/b/:y": (req: Req) => Response.json({ route: "/a/b/:y", params: req.params }),
  "/f/:file.txt": (req: Req) => Response.json({ route: "/f/:file.txt", params: req.params }),
  "/server": (_req: Req, srv: { requestIP?: unknown; upgrade?: unknown }) =>
    new Response(String(typeof srv.requestIP === "function" && typeof srv.upgrade === "function")),
  "/boom": () => {
    throw new Error("route failed");
  },
};

const options = {
  port: 0,
  hostname: "127.0.0.1",
  routes,
  fetch: (req: Request) => new Response(`fallback ${new URL(req.url).pathname} params=${typeof (req as Req).params}`, { status: 404 }),
  error: (e: unknown) => new Response(`error: ${(e as Error).message}`, { status: 503 }),
};

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const server = process.argv.includes("--native") ? g.Bun.serve(options) : serve({ ...options, onListen() {} });
await server.listening;
console.log(`listening on http://127.0.0.1:${server.port}`);
