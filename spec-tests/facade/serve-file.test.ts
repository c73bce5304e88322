/**
 * serveFile and serveDir inside an app: from Bun-style routes and a fetch handler,
 * with urlRoot, extra fields, and a FileSource of the app's own; a file that shrinks
 * while it is sent fails the body rather than sending less than its Content-Length.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FileSource, serve, serveDir, serveFile } from "../../src/mod.ts";
import type { Server } from "../../src/serve.ts";
import { raw } from "../helpers/raw.ts";

const root = mkdtempSync(join(tmpdir(), "purehttp-serve-file-"));
writeFileSync(join(root, "a.css"), "body{}");
writeFileSync(join(root, "notes.md"), "# notes");

/** A source whose files say they have `size` bytes and end at 70% of it: "/small.bin" 100,000, "/large.bin" 1,000,000. */
const SIZES: Record<string, number> = { "/small.bin": 100_000, "/large.bin": 1_000_000 };
const shrinking: FileSource = {
  stat: async (p) => (SIZES[p] ? { kind: "file", size: SIZES[p]!, mtimeMs: 0 } : null),
  realPath: async (p) => p,
  readDir: async () => [],
  open: async (p) => ({
    read: async (position, length) => new Uint8Array(Math.max(0, Math.min(length, SIZES[p]! * 0.7 - position))),
    close() {},
  }),
};

let server: Server;
let base: string;
beforeAll(async () => {
  server = serve({
    port: 0,
    hostname: "127.0.0.1",
    onListen() {},
    routes: {
      "/style": (req) => serveFile(req, join(root, "a.css"), { headers: { "cache-control": "max-age=60" } }),
      "/notes": (req) => serveFile(req, join(root, "notes.md"), { contentType: "text/x-notes" }),
      "/shrinking/:name": (req) => serveFile(req, `/${req.params.name}`, { source: shrinking }),
    },
    fetch: (req) => serveDir(req, { root, urlRoot: "/static" }),
  });
  base = `http://127.0.0.1:${(await server.listening).port}`;
});
afterAll(() => server.shutdown());

describe("serveFile and serveDir in an app", () => {
  it("from a route, with the fields given added to the file's", async () => {
    const r = await fetch(`${base}/style`);
    expect([r.status, await r.text(), r.headers.get("content-type"), r.headers.get("cache-control")]).toEqual([200, "body{}", "text/css; charset=utf-8", "max-age=60"]);
    expect((await fetch(`${base}/notes`)).headers.get("content-type")).toBe("text/x-notes");
  });

  it("serveDir under urlRoot: inside it the files, outside it 404", async () => {
    expect(await (await fetch(`${base}/static/a.css`)).text()).toBe("body{}");
    expect((await fetch(`${base}/static/notes.md`)).headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect((await fetch(`${base}/a.css`)).status).toBe(404);
    expect((await fetch(`${base}/staticx/a.css`)).status).toBe(404);
  });

  it("a file that fails before any of it is sent (a small one, read whole first) is a 500, not a 200 with less", async () => {
    const r = await fetch(`${base}/shrinking/small.bin`);
    expect([r.status, await r.text()]).toEqual([500, "response body failed\n"]);
  });

  it("a file that ends before its length once it is being sent: the connection ends short of it, nothing else is sent on it", async () => {
    const port = Number(new URL(base).port);
    const out = await raw(port, "GET /shrinking/large.bin HTTP/1.1\r\nHost: t\r\n\r\nGET /style HTTP/1.1\r\nHost: t\r\n\r\n");
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out).toMatch(/content-length: 1000000\r\n/);
    expect(out.length - out.indexOf("\r\n\r\n") - 4).toBeLessThan(1_000_000);
    expect(out.split("HTTP/1.1 ")).toHaveLength(2);
  });
});
