/**
 * Trailers both ways and gRPC through the Fetch facade, on Node, Deno and Bun: Python
 * grpcio (over h2c and TLS) and node:http2 as gRPC clients against `purehttp echo`;
 * request trailers (getTrailers) over HTTP/1.1 chunked and HTTP/2 trailing HEADERS.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import * as http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { raw } from "../helpers/raw.ts";
import { ROOT, RUNTIMES, type Running, start } from "../helpers/runtimes.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "purehttp-grpc-"));
const cert = join(dir, "cert.pem"), key = join(dir, "key.pem");
execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdio: "ignore" });

const EXPECTED = {
  unary: "hello", server_stream: ["abc", "abc", "abc"], client_stream: "abc", bidi: ["x", "y", "z"], big: [16 * 1024 * 1024, true],
  unknown: ["UNIMPLEMENTED", "method /purehttp.Echo/Nope is not implemented"], deadline: "DEADLINE_EXCEEDED", cancel: "CANCELLED", after: "still",
};

const framed = (m: Buffer) => Buffer.concat([Buffer.from([0, m.length >>> 24, (m.length >>> 16) & 0xff, (m.length >>> 8) & 0xff, m.length & 0xff]), m]);

interface Call {
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders | null;
  ms: number;
}

/** One gRPC call with node:http2: the request messages, then (unless `keepOpen`) the end of the request. */
function call(url: string, path: string, messages: Buffer[], extra: http2.OutgoingHttpHeaders = {}, keepOpen = false): Promise<Call> {
  const session = http2.connect(url, { rejectUnauthorized: false });
  const started = Date.now();
  return new Promise<Call>((resolve, reject) => {
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...extra });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | null = null;
    const chunks: Buffer[] = [];
    req.on("response", (h) => (headers = h));
    req.on("trailers", (t) => (trailers = t));
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => resolve({ headers, body: Buffer.concat(chunks), trailers, ms: Date.now() - started }));
    req.on("error", reject);
    for (const m of messages) req.write(framed(m));
    if (!keepOpen) req.end();
  }).finally(() => session.close());
}

describe.each(RUNTIMES)("gRPC and trailers on %s", (runtime) => {
  let echo: Running, tls: Running, fx: Running;
  beforeAll(async () => {
    [echo, tls, fx] = await Promise.all([
      start(runtime, "src/cli.ts", ["echo", "--port", "0"]),
      start(runtime, "src/cli.ts", ["echo", "--port", "0", "--tls-cert", cert, "--tls-key", key]),
      start(runtime, "spec-tests/peers/fixture-server.ts"),
    ]);
  });
  afterAll(() => Promise.all([echo?.stop(), tls?.stop(), fx?.stop()]));

  it("Python grpcio over h2c: unary, server-, client- and bidi-streaming, 16 MiB, an unknown method, a deadline, a cancel", async () => {
    const { stdout } = await run("/usr/bin/python3", [join(ROOT, "spec-tests/peers/grpc_client.py"), String(echo.port)], { timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual(EXPECTED);
  }, 90_000);

  it("Python grpcio over TLS (ALPN h2): the same calls", async () => {
    const { stdout } = await run("/usr/bin/python3", [join(ROOT, "spec-tests/peers/grpc_client.py"), String(tls.port), "tls", cert], { timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual(EXPECTED);
  }, 90_000);

  it("node:http2 as a gRPC client, over h2c and TLS: a unary call's message and grpc-status 0 as trailers", async () => {
    for (const url of [echo.url, tls.url]) {
      const r = await call(url, "/purehttp.Echo/Unary", [Buffer.from("ping")]);
      expect(r.headers[":status"]).toBe(200);
      expect(r.headers["content-type"]).toBe("application/grpc");
      expect(r.body).toEqual(framed(Buffer.from("ping")));
      expect(r.trailers).toMatchObject({ "grpc-status": "0" });
    }
  });

  it("node:http2 over TLS: a client-streaming call, its messages concatenated", async () => {
    const r = await call(tls.url, "/purehttp.Echo/ClientStream", [Buffer.from("ab"), Buffer.from("cd")]);
    expect(r.body).toEqual(framed(Buffer.from("abcd")));
    expect(r.trailers).toMatchObject({ "grpc-status": "0" });
  });

  it("node:http2: an unknown method is answered trailers-only (grpc-status 12 in the one HEADERS frame)", async () => {
    const r = await call(echo.url, "/other.Service/Method", [Buffer.from("x")]);
    expect(r.headers).toMatchObject({ ":status": 200, "content-type": "application/grpc", "grpc-status": "12" });
    expect(r.trailers).toBeNull();
    expect(r.body.length).toBe(0);
  });

  it("grpc-timeout aborts request.signal on the server: a call left open ends with DEADLINE_EXCEEDED (4) on time", async () => {
    const r = await call(echo.url, "/purehttp.Echo/BidiStream", [Buffer.from("first")], { "grpc-timeout": "300m" }, true);
    expect(r.body).toEqual(framed(Buffer.from("first")));
    expect(r.trailers).toMatchObject({ "grpc-status": "4" });
    expect(r.ms).toBeGreaterThanOrEqual(250);
    expect(r.ms).toBeLessThan(5000);
  });

  it("request trailers over HTTP/1.1: a chunked body's trailer section, read with getTrailers after the body", async () => {
    const out = await raw(fx.port, "POST /request-trailers HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTrailer: x-sum\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nx-sum: 42\r\nx-other: a\r\ncontent-length: 99\r\n\r\n");
    const json = JSON.parse(out.slice(out.indexOf("\r\n\r\n") + 4).replace(/^[0-9a-f]+\r\n/, "").replace(/\r\n0\r\n\r\n$/, ""));
    // content-length means nothing after the content (RFC 9110 §6.5.1): not a trailer.
    expect(json).toEqual({ body: "hello world", trailers: [["x-other", "a"], ["x-sum", "42"]] });
    const none = await raw(fx.port, "POST /request-trailers HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
    expect(none).toContain('{"body":"hi","trailers":[]}');
  });

  it("request trailers over HTTP/2: a trailing HEADERS after the DATA (node:http2 client)", async () => {
    const session = http2.connect(fx.url);
    try {
      const req = session.request({ ":method": "POST", ":path": "/request-trailers" }, { waitForTrailers: true });
      req.on("wantTrailers", () => req.sendTrailers({ "x-sum": "7", "x-more": "b" }));
      req.end("payload");
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (d: string) => (text += d));
      await new Promise((r) => req.on("end", r));
      expect(JSON.parse(text)).toEqual({ body: "payload", trailers: [["x-more", "b"], ["x-sum", "7"]] });
    } finally {
      session.close();
    }
  });
});
