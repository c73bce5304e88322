/**
 * The route table itself (facade/routes.ts): what it refuses when serve() is called,
 * and server.reload() swapping routes between requests.
 */
import { describe, expect, it } from "vitest";
import { serve } from "../../src/mod.ts";
import { Router, pathOf } from "../../src/facade/routes.ts";

const ok = () => new Response("ok");

describe("route patterns and values", () => {
  it.each([
    ["users", /must start with "\/"/],
    ["/a/*/b", /"\*" may only end a pattern/],
    ["/x/:a/:a", /parameter "a" appears twice/],
    ["/x/:", /a parameter needs a name/],
  ])("%s is refused with a reason", (pattern, reason) => {
    expect(() => new Router({ [pattern]: ok })).toThrow(reason);
  });

  it("values other than a Response, a function or a table of them by upper-case method are refused", () => {
    expect(() => new Router({ "/x": "text" as never })).toThrow(/expected a Response, a handler function/);
    expect(() => new Router({ "/x": { get: ok } })).toThrow(/"get" is not an upper-case method name/);
    expect(() => new Router({ "/x": { GET: 5 as never } })).toThrow(/GET: expected a Response or a handler function/);
    const used = new Response("x");
    void used.text();
    expect(() => new Router({ "/x": used })).toThrow(/already been read/);
    expect(() => serve({ routes: { nope: ok } as never })).toThrow(TypeError);
  });

  it("matching backs off a literal branch that leads nowhere; an empty segment is no parameter", () => {
    const r = new Router({ "/a/b/c": ok, "/a/:x/d": ok, "/p/:id": ok, "/*": ok });
    expect(r.match("/a/b/d", "GET")?.params).toEqual({ x: "b" });
    expect(r.match("/a/b/c", "GET")?.params).toEqual({});
    expect(r.match("/p/", "GET")?.params).toEqual({}); // the catch-all, not :id = ""
    expect(new Router({ "/p/:id": ok }).match("/p/", "GET")).toBe(null);
    expect(r.match("/", "GET")).not.toBe(null); // "/*" takes "/" too
  });

  it("HEAD uses GET's handler unless the table has its own", () => {
    const get = () => new Response("g");
    const head = () => new Response(null);
    expect(new Router({ "/x": { GET: get } }).match("/x", "HEAD")?.target).toBe(get);
    expect(new Router({ "/x": { GET: get, HEAD: head } }).match("/x", "HEAD")?.target).toBe(head);
    expect(new Router({ "/x": { POST: get } }).match("/x", "HEAD")).toBe(null);
  });

  it("pathOf takes the path without the query", () => {
    expect(pathOf("http://a.test:8080/x/y?q=1")).toBe("/x/y");
    expect(pathOf("https://[::1]/")).toBe("/");
    expect(pathOf("http://a.test/?")).toBe("/");
  });
});

describe("server.reload", () => {
  it("takes new routes and fetch from the next request on; a bad table leaves the old one", async () => {
    const server = serve({ port: 0, hostname: "127.0.0.1", onListen() {}, routes: { "/v": new Response("one") }, fetch: () => new Response("fallback one", { status: 404 }) });
    await server.listening;
    const get = async (p: string) => (await fetch(`http://127.0.0.1:${server.port}${p}`)).text();
    try {
      expect(await get("/v")).toBe("one");
      expect(server.reload({ routes: { "/v": () => new Response("two"), "/w": new Response("w") } })).toBe(server);
      expect([await get("/v"), await get("/w"), await get("/other")]).toEqual(["two", "w", ""]);
      expect(() => server.reload({ routes: { bad: ok } as never })).toThrow(TypeError);
      expect(await get("/v")).toBe("two");
      server.reload({ routes: { "/none": new Response(null, { status: 204 }), "/go": Response.redirect("http://a.test/x", 302) } });
      const none = await fetch(`http://127.0.0.1:${server.port}/none`);
      expect([none.status, await none.text()]).toEqual([204, ""]);
      const go = await fetch(`http://127.0.0.1:${server.port}/go`, { redirect: "manual" });
      expect([go.status, go.headers.get("location")]).toEqual([302, "http://a.test/x"]);
      server.reload({ fetch: () => new Response("fetch only") });
      expect(await get("/v")).toBe("fetch only");
    } finally {
      await server.stop(true);
    }
  });
});
