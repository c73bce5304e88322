/**
 * HTTP/1.1 end to end on Node, Deno and Bun: the echo server and a fixture
 * server, driven over real sockets by curl and raw TCP.
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createHash, randomBytes } from "node:crypto";
import * as net from "node:net";
import { promisify } from "node:util";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Client } from "../helpers/http-client.ts";
import { raw, statuses } from "../helpers/raw.ts";
import { RUNTIMES } from "../helpers/runtimes.ts";
import { useEchoAndFixture } from "../helpers/suite.ts";

const run = promisify(execFile);
const curl = async (...args: string[]) => (await run("curl", ["-s", "--max-time", "20", ...args], { maxBuffer: 1 << 28, encoding: "latin1" })).stdout;

describe.each(RUNTIMES)("HTTP/1.1 on %s", (runtime) => {
  const servers = useEchoAndFixture(runtime);

  it("echo: prints its real port; GET /hello is Hello World as text/plain", async () => {
    expect(servers.echo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const out = await curl("-i", `${servers.echo.url}/hello`);
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out).toMatch(/content-type: text\/plain/i);
    expect(out.endsWith("\r\n\r\nHello World")).toBe(true);
  });

  it("echo: other paths answer JSON describing the request", async () => {
    const file = join(tmpdir(), `purehttp-nul-${process.pid}`);
    writeFileSync(file, "a\x00b");
    const body = await curl("-X", "POST", "--data-binary", `@${file}`, "-H", "X-Test: yes", `${servers.echo.url}/p?q=1`);
    const j = JSON.parse(body);
    expect(j).toMatchObject({ method: "POST", url: `${servers.echo.url}/p?q=1`, httpVersion: "1.1", body: Buffer.from("a\x00b").toString("base64"), bodyLength: 3 });
    expect(j.headers).toContainEqual(["x-test", "yes"]);
  });

  it("a handler's `new Response(\"text\")` goes out with the Content-Type Fetch gives it (on Bun as Bun.serve spells it)", async () => {
    const out = await curl("-i", `${servers.fx.url}/`);
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out.toLowerCase()).toContain(`\r\ncontent-type: text/plain;charset=utf-8\r\n`);
    expect(out).toContain(runtime === "bun" ? "text/plain;charset=utf-8" : "text/plain;charset=UTF-8");
    expect(out.endsWith("\r\n\r\nfixture\n")).toBe(true);
  });

  it("keep-alive: curl reuses one connection for several requests", async () => {
    const out = await run("curl", ["-sv", `${servers.echo.url}/hello`, `${servers.echo.url}/hello`, `${servers.echo.url}/a`]);
    expect(out.stderr).toMatch(/Re-using existing connection|Reusing existing/);
    expect(out.stdout.startsWith("Hello WorldHello World{")).toBe(true);
  });

  it("three pipelined requests in one write are answered in order", async () => {
    const req = (p: string, extra = "") => `GET ${p} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
    const out = await raw(servers.echo.port, req("/hello") + req("/second") + req("/third", "Connection: close\r\n"));
    expect(statuses(out)).toEqual([200, 200, 200]);
    expect(out.indexOf("Hello World")).toBeLessThan(out.indexOf('"url":"http://x/second"'));
    expect(out.indexOf('"url":"http://x/second"')).toBeLessThan(out.indexOf('"url":"http://x/third"'));
    expect(out.match(/connection: close/g)).toHaveLength(1);
  });

  it("chunked upload with trailers and extensions", async () => {
    const out = await raw(servers.echo.port, ["POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", "4;ext=1\r\nabcd\r\n", "3\r\nefg\r\n0\r\nX-T: 1\r\n\r\n"], { split: true });
    expect(JSON.parse(out.slice(out.indexOf("{"))).body).toBe(Buffer.from("abcdefg").toString("base64"));
  });

  it("100-continue: sent only when the handler reads the body", async () => {
    const out = await raw(servers.echo.port, ["POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n", "xyz"], { split: true });
    expect(statuses(out)).toEqual([100, 200]);
    const hello = await raw(servers.echo.port, "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n", { idleMs: 500 });
    expect(statuses(hello)).toEqual([200]);
    // curl sends a PUT of a file with Expect: 100-continue and waits for the 100.
    const file = join(tmpdir(), `purehttp-upload-${process.pid}`);
    writeFileSync(file, randomBytes(200_000));
    const { stdout, stderr } = await run("curl", ["-sv", "--max-time", "20", "-T", file, `${servers.echo.url}/up`], { encoding: "latin1", maxBuffer: 1 << 24 });
    const j = JSON.parse(stdout);
    expect(j.bodyLength).toBe(200_000);
    expect(j.headers).toContainEqual(["expect", "100-continue"]);
    // curl says when the interim response arrived (it would otherwise wait a second and send anyway).
    expect(stderr).toMatch(/< HTTP\/1\.1 100 Continue/);
  });

  it("HEAD has no body; 204 has no body and no content-length", async () => {
    const out = await raw(servers.echo.port, "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(statuses(out)).toEqual([200, 200]);
    expect(out.split("Hello World")).toHaveLength(2);
    // RFC 9110 §9.3.2: the same fields as GET, Content-Length included, and no body.
    expect(out.match(/content-length: 11\r\n/g)).toHaveLength(2);
    const nc = await raw(servers.fx.port, "GET /no-content HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(nc).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
    expect(nc).not.toMatch(/content-length|transfer-encoding/i);
  });

  it("HTTP/1.0: no chunked, keep-alive only when asked", async () => {
    const out = await raw(servers.echo.port, "GET /hello HTTP/1.0\r\n\r\n");
    expect(out).toMatch(/connection: close/);
    const ka = await raw(servers.echo.port, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /hello HTTP/1.0\r\n\r\n");
    expect(statuses(ka)).toEqual([200, 200]);
    const sse = await raw(servers.fx.port, "GET /big?n=2 HTTP/1.0\r\n\r\n", { idleMs: 3000 });
    expect(sse).not.toMatch(/transfer-encoding/i);
    expect(sse.length).toBeGreaterThan(2 * 65536);
  });

  it("chunks a stream has ready at once go out as one body with a Content-Length, every byte in order (curl)", async () => {
    for (const sizes of [[5, 7, 9], [16384, 49152, 7], [1, 70000]]) {
      const out = await curl("-i", `${servers.fx.url}/parts?sizes=${sizes}`);
      const [head, body] = [out.slice(0, out.indexOf("\r\n\r\n")), out.slice(out.indexOf("\r\n\r\n") + 4)];
      const total = sizes.reduce((a, b) => a + b, 0);
      expect(head).toMatch(new RegExp(`content-length: ${total}\r?$`, "mi"));
      expect(head).not.toMatch(/transfer-encoding/i);
      expect(body).toBe(sizes.map((n, i) => String.fromCharCode(i + 1).repeat(n)).join(""));
    }
  });

  it("streamed response bodies are chunked; a stream that pauses is not held back", async () => {
    const out = await raw(servers.fx.port, "GET /sse HTTP/1.1\r\nHost: x\r\n\r\n", { idleMs: 700 });
    expect(out).toMatch(/transfer-encoding: chunked/);
    expect(out).toContain("data: first");
  });

  it("response trailers go out in a chunked body when the client sent TE: trailers, and not otherwise", async () => {
    const withTe = await raw(servers.fx.port, "GET /trailers HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n");
    expect(withTe).toMatch(/transfer-encoding: chunked/);
    expect(withTe).toMatch(/\r\n0\r\nx-checksum: abc123\r\n\r\n$/);
    const without = await raw(servers.fx.port, "GET /trailers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(without).toMatch(/content-length: 18/);
    expect(without).not.toMatch(/x-checksum/);
  });

  it("a handler can rebuild the request for an upstream (new Request(url, req), clone, headers set)", async () => {
    const out = JSON.parse(await curl("-X", "PUT", "-H", "content-type: text/plain", "--data-binary", "forwarded body", `${servers.fx.url}/forward?q=1`));
    expect(out).toEqual({
      instance: true,
      method: "PUT",
      url: "http://upstream.invalid/?q=1",
      forwardedBy: "fixture",
      contentType: "text/plain",
      body: "forwarded body",
      // The body moved to the new Request, as the Fetch standard says.
      originalUsed: true,
    });
  });

  it("multiple Set-Cookie fields stay separate", async () => {
    const out = await raw(servers.fx.port, "GET /set-cookies HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(out).toMatch(/set-cookie: a=1\r\nset-cookie: b=2/);
  });

  it("a handler that throws gives 500 and the server keeps serving", async () => {
    expect(statuses(await raw(servers.fx.port, "GET /throw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))).toEqual([500]);
    expect(await curl(`${servers.fx.url}/`)).toBe("fixture\n");
  });

  it("a chunked streamed echo round-trips 8 MiB byte for byte", async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const res = await new Promise<Buffer>((res, rej) => {
      const c = require_curl(["-s", "-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", "@-", `${servers.fx.url}/stream-echo`]);
      const chunks: Buffer[] = [];
      c.stdout.on("data", (d: Buffer) => chunks.push(d));
      c.on("close", () => res(Buffer.concat(chunks))); // after its stdout is read to the end, which "exit" is not
      c.on("error", rej);
      c.stdin.end(data);
    });
    expect(createHash("sha256").update(res).digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
  }, 60_000);

  it("a slow reader of a large streamed response gets every byte", async () => {
    const n = 64; // 4 MiB
    const got = await new Promise<number>((res, rej) => {
      const s = net.connect(servers.fx.port, "127.0.0.1", () => s.write(`GET /big?n=${n} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      let bytes = 0;
      s.on("data", (d) => {
        bytes += d.length;
        s.pause();
        setTimeout(() => s.resume(), 2);
      });
      s.on("end", () => res(bytes));
      s.on("error", rej);
    });
    expect(got).toBeGreaterThan(n * 65536);
  }, 60_000);

  it("a client that disconnects mid-response aborts request.signal; the server carries on", async () => {
    const before = JSON.parse(await curl(`${servers.fx.url}/aborted`)).aborted;
    await new Promise<void>((res) => {
      const s = net.connect(servers.fx.port, "127.0.0.1", () => s.write("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n"));
      s.once("data", () => setTimeout(() => (s.destroy(), res()), 50));
    });
    // The abort follows the close as soon as the server sees it; poll, so a loaded machine is not a failure.
    let aborted = before;
    for (let i = 0; i < 50 && aborted === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      aborted = JSON.parse(await curl(`${servers.fx.url}/aborted`)).aborted;
    }
    expect(aborted).toBe(before + 1);
    expect(await curl(`${servers.fx.url}/`)).toBe("fixture\n");
  });

  it("hostile requests are rejected with the right status, a reason, and a close", async () => {
    const cases: [string, number][] = [
      ["POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400],
      ["GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400],
      ["GET / HTTP/1.1\r\n\r\n", 400],
      ["GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n", 400],
      ["GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400],
      ["GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400],
      ["POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400],
      ["POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501],
      ["POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400],
      [`GET /${"a".repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
      [`GET / HTTP/1.1\r\nHost: x\r\nBig: ${"a".repeat(20000)}\r\n\r\n`, 431],
      ["GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],
      ["POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400],
      ["GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n", 417],
      // Methods a Fetch Request would change (Bun's upper-cases every one) or refuse.
      ["get / HTTP/1.1\r\nHost: x\r\n\r\n", 501],
      ["purge / HTTP/1.1\r\nHost: x\r\n\r\n", 501],
      ["TRACE / HTTP/1.1\r\nHost: x\r\n\r\n", 501],
      ["GET / HTTP/1.1\r\nHost: x:99999\r\n\r\n", 400],
    ];
    for (const [req, status] of cases) {
      const out = await raw(servers.echo.port, req + "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(statuses(out), JSON.stringify(req.slice(0, 60))).toEqual([status]);
      expect(out).toMatch(/connection: close/);
      expect(out.split("\r\n\r\n")[1]!.length).toBeGreaterThan(5);
    }
  }, 60_000);

  it("an upper-case method reaches the handler as sent, or, where this runtime's Request would change it, is 501", async () => {
    // Bun's Request turns a method it does not know into GET: a handler must never see that GET.
    const changed = runtime === "bun" ? ["FOO", "BREW"] : [];
    for (const method of ["PURGE", "PROPFIND", "M-SEARCH", "QUERY", "FOO", "BREW"]) {
      const out = await raw(servers.echo.port, `${method} /m HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi`);
      if (changed.includes(method)) {
        expect(statuses(out), method).toEqual([501]);
        expect(out).toContain(`method "${method}" is not supported by this server (this runtime's Fetch Request would read it as GET)`);
        expect(out).toMatch(/connection: close/);
      } else {
        expect(statuses(out), method).toEqual([200]);
        expect(JSON.parse(out.split("\r\n\r\n")[1]!)).toMatchObject({ method, bodyLength: 2 });
      }
    }
  });

  it("bodies that arrive with their heads, pipelined in one write, each reach their own handler, read whole or as a stream", async () => {
    const post = (p: string, body: string, extra = "") => `POST ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;
    const inner = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    const echo = await raw(servers.echo.port, post("/a", "first") + post("/b", inner) + post("/c", "third", "Connection: close\r\n"));
    expect(statuses(echo)).toEqual([200, 200, 200]);
    expect([...echo.matchAll(/"body":"([^"]*)"/g)].map((m) => Buffer.from(m[1]!, "base64").toString())).toEqual(["first", inner, "third"]);
    const streamed = await raw(servers.fx.port, post("/stream-echo", "alpha") + post("/stream-echo", "beta", "Connection: close\r\n"));
    const bodies = streamed.split(/HTTP\/1\.1 200 OK\r\n/).slice(1).map((r) => r.slice(r.indexOf("\r\n\r\n") + 4));
    expect(bodies.map((b) => b.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, ""))).toEqual(["alpha", "beta"]);
  });

  it("answers that many connections write in one turn all go out, round after round", async () => {
    // 40 kept-alive connections send at once, so the server reads them in one turn and their
    // answers are written together after each handler's await; every one must leave, not
    // only the first connection's (Bun flushes them all from one immediate).
    const conns = Array.from({ length: 40 }, () => new Client(servers.echo.port));
    await Promise.all(conns.map((c) => once(c.sock, "connect")));
    try {
      for (let round = 0; round < 3; round++) {
        conns.forEach((c, i) => c.sock.write(`POST /c${i}/r${round} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n${i % 10}`));
        const bodies = (await Promise.all(conns.map((c) => c.response()))).map((r) => JSON.parse(r.body.toString()) as { url: string; body: string });
        expect(bodies.map((b) => b.url)).toEqual(conns.map((_, i) => `http://x/c${i}/r${round}`));
        expect(bodies.map((b) => Buffer.from(b.body, "base64").toString())).toEqual(conns.map((_, i) => String(i % 10)));
      }
    } finally {
      for (const c of conns) c.sock.destroy();
    }
  });

  it("a request split into one-byte writes is handled", async () => {
    const req = "POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
    const out = await raw(servers.echo.port, req.split(""), { split: false });
    expect(JSON.parse(out.slice(out.indexOf("{"))).body).toBe(Buffer.from("hi").toString("base64"));
  });
});

import { spawn } from "node:child_process";
function require_curl(args: string[]) {
  return spawn("curl", args, { stdio: ["pipe", "pipe", "ignore"] });
}
