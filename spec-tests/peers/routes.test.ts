/**
 * Bun-style `routes` (facade/routes.ts) on Node, Deno and Bun, over real sockets; on Bun
 * the same app also runs under Bun.serve, and every answer must match it.
 */
import * as http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUNTIMES, type Running, start } from "../helpers/runtimes.ts";

const APP = "spec-tests/peers/routes-app.ts";

/** [method, path, expected status, expected body (a string, or a value the JSON body must equal)] */
const CASES: [string, string, number, unknown][] = [
  ["GET", "/", 200, "home"],
  ["GET", "/static", 200, "static body"],
  ["GET", "/static?x=1", 200, "static body"],
  ["POST", "/static", 200, "static body"], // a fixed Response answers every method
  ["GET", "/static/", 404, "fallback /static/ params=undefined"], // no trailing-slash folding
  ["GET", "/json", 200, { a: 1 }],
  ["GET", "/users/me", 200, "me"], // a literal before a parameter
  ["GET", "/users/42", 200, { route: "/users/:id", params: { id: "42" } }],
  ["GET", "/users/a%20b", 200, { route: "/users/:id", params: { id: "a b" } }],
  ["GET", "/users/%E2%82%AC", 200, { route: "/users/:id", params: { id: "€" } }],
  ["GET", "/users/%FF", 200, { route: "/users/:id", params: { id: "\uFFFD" } }],
  ["GET", "/users/42/", 404, "fallback /users/42/ params=undefined"],
  ["GET", "/users", 404, "fallback /users params=undefined"],
  ["GET", "/USERS/me", 404, "fallback /USERS/me params=undefined"], // case-sensitive
  ["GET", "/users/42/posts/7", 200, { route: "/users/:id/posts/:post", params: { id: "42", post: "7" } }],
  ["GET", "/api/x/y", 200, { route: "/api/*", params: {} }],
  ["GET", "/api/", 200, { route: "/api/*", params: {} }],
  ["GET", "/api", 404, "fallback /api params=undefined"],
  ["GET", "/m", 200, "get m"],
  ["POST", "/m", 200, "post m hi"],
  ["PUT", "/m", 200, "fixed put"],
  ["DELETE", "/m", 404, "fallback /m params=undefined"], // a method the table lacks goes to fetch
  ["GET", "/a/b/c", 200, { route: "/a/b/:y", params: { y: "c" } }], // literal first, at every segment
  ["GET", "/a/z/c", 200, { route: "/a/:x/c", params: { x: "z" } }],
  ["GET", "/f/x.txt", 200, { route: "/f/:file.txt", params: { "file.txt": "x.txt" } }],
  ["GET", "/server", 200, "true"],
  ["GET", "/boom", 503, "error: route failed"],
];

async function ask(port: number, method: string, path: string, headers: Record<string, string> = {}) {
  const body = method === "POST" || method === "PUT" ? "hi" : undefined;
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, body, headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe.each(RUNTIMES)("Bun-style routes on %s", (runtime) => {
  let app: Running;
  let native: Running | null = null;
  beforeAll(async () => {
    [app, native] = await Promise.all([start(runtime, APP), runtime === "bun" ? start("bun", APP, ["--native"]) : null]);
  });
  afterAll(async () => {
    await Promise.all([app?.stop(), native?.stop()]);
  });

  it("each request reaches the route Bun.serve gives it, with its params", async () => {
    for (const [method, path, status, body] of CASES) {
      const got = await ask(app.port, method, path);
      const what = `${method} ${path}`;
      expect([what, got.status]).toEqual([what, status]);
      expect([what, typeof body === "string" ? got.text : JSON.parse(got.text)]).toEqual([what, body]);
      if (native) {
        const theirs = await ask(native.port, method, path);
        expect([what, got.status, got.text]).toEqual([what, theirs.status, theirs.text]);
      }
    }
  });

  it("routes answer the same over HTTP/2 (node:http2, prior knowledge)", async () => {
    const session = http2.connect(`http://127.0.0.1:${app.port}`);
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; etag: string | undefined; body: string }>((res, rej) => {
        const req = session.request({ ":path": path, ...headers });
        let status = 0, etag: string | undefined, body = "";
        req.on("response", (h) => ((status = Number(h[":status"])), (etag = h["etag"] as string | undefined)));
        req.setEncoding("utf8");
        req.on("data", (d) => (body += d));
        req.on("end", () => res({ status, etag, body }));
        req.on("error", rej);
        req.end();
      });
    try {
      expect(JSON.parse((await get("/users/7")).body)).toEqual({ route: "/users/:id", params: { id: "7" } });
      const first = await get("/static");
      expect([first.status, first.body]).toEqual([200, "static body"]);
      expect((await get("/static", { "if-none-match": first.etag! })).status).toBe(304);
      expect((await get("/nope")).body).toBe("fallback /nope params=undefined");
    } finally {
      session.close();
    }
  });

  it("a fixed Response has its Content-Type and an ETag; If-None-Match gets 304; HEAD has the length", async () => {
    const first = await ask(app.port, "GET", "/static");
    expect(first.headers.get("content-type")).toBe("text/plain;charset=utf-8".replace("utf-8", runtime === "bun" ? "utf-8" : "UTF-8"));
    expect(first.headers.get("x-s")).toBe("1");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    expect((await ask(app.port, "GET", "/static", { "if-none-match": etag })).status).toBe(304);
    expect((await ask(app.port, "GET", "/static", { "if-none-match": `"nope", W/${etag}` })).status).toBe(304);
    expect((await ask(app.port, "GET", "/static", { "if-none-match": '"nope"' })).status).toBe(200);
    expect((await ask(app.port, "GET", "/tagged")).headers.get("etag")).toBe('"v1"'); // its own ETag kept
    expect((await ask(app.port, "GET", "/json")).headers.get("content-type")).toMatch(/^application\/json/);
    const head = await fetch(`http://127.0.0.1:${app.port}/static`, { method: "HEAD" });
    expect([head.status, head.headers.get("content-length"), await head.text()]).toEqual([200, "11", ""]);
    if (native) {
      // Bun's ETag is its own hash; what matters is the same behaviour around it.
      const theirs = await ask(native.port, "GET", "/static");
      expect((await ask(native.port, "GET", "/static", { "if-none-match": theirs.headers.get("etag")! })).status).toBe(304);
    }
  });
});
