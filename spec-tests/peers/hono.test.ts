/** Issue 2: a Hono app's app.fetch works as is, on Node, Deno and Bun, over HTTP/1.1 and HTTP/2. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { RUNTIMES } from "../helpers/runtimes.ts";
import { serverForSuite } from "../helpers/server-suite.ts";

const run = promisify(execFile);
const curl = async (...args: string[]) => (await run("curl", ["-s", "--max-time", "10", ...args])).stdout;

describe.each(RUNTIMES)("Hono on purehttp on %s", (runtime) => {
  const app = serverForSuite(runtime, "spec-tests/peers/hono-app.ts");

  it("routes, params, queries and headers", async () => {
    expect(await curl(`${app().url}/`)).toBe("hono root");
    expect(JSON.parse(await curl("-A", "tester", `${app().url}/users/42?q=x`))).toEqual({ id: "42", q: "x", ua: "tester" });
  });
  it("JSON bodies in and out with a status", async () => {
    const out = await curl("-i", "-H", "content-type: application/json", "-d", '{"n":1}', `${app().url}/echo`);
    expect(out).toMatch(/^HTTP\/1\.1 201 /);
    expect(out.endsWith('{"got":{"n":1}}')).toBe(true);
  });
  it("redirects, middleware headers and 404", async () => {
    expect(await curl("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", `${app().url}/redirect`)).toBe(`302 ${app().url}/users/7`);
    expect(await curl("-i", `${app().url}/mw/hi`)).toMatch(/x-middleware: ran/);
    expect(await curl("-o", "/dev/null", "-w", "%{http_code}", `${app().url}/nope`)).toBe("404");
  });
  it("the same app over HTTP/2", async () => {
    expect(await curl("--http2-prior-knowledge", "-w", " %{http_version}", `${app().url}/users/1`)).toMatch(/^\{"id":"1","ua":"curl\/[\d.]+"\} 2$/);
  });
});
