/**
 * HTTP/2 end to end on Node, Deno and Bun, with peers we did not write: curl
 * (prior knowledge, h2c upgrade, TLS with ALPN), nghttp and h2load from
 * nghttp2-client, Python's h2, Node's node:http2 client, and headless Chromium for
 * WebSocket over HTTP/2 (RFC 8441).
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import * as http2 from "node:http2";
import * as net from "node:net";
import * as tlsClient from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { literalBlock } from "../helpers/h2.ts";
import { openInChromium, pageReport } from "../helpers/chromium.ts";
import { ROOT, RUNTIMES, type Running, start } from "../helpers/runtimes.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "purehttp-tls-"));
const cert = join(dir, "cert.pem"), key = join(dir, "key.pem");
execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdio: "ignore" });

function h2request(url: string, path: string, opts: { method?: string; body?: Buffer; settings?: http2.Settings } = {}): Promise<{ status: number; body: Buffer; headers: http2.IncomingHttpHeaders }> {
  return new Promise((res, rej) => {
    const session = http2.connect(url, { settings: opts.settings });
    session.on("error", rej);
    const req = session.request({ ":method": opts.method ?? "GET", ":path": path });
    const chunks: Buffer[] = [];
    let headers: http2.IncomingHttpHeaders = {};
    req.on("response", (h) => (headers = h));
    req.on("data", (d) => chunks.push(d));
    req.on("end", () => {
      session.close();
      res({ status: Number(headers[":status"]), body: Buffer.concat(chunks), headers });
    });
    req.on("error", rej);
    req.end(opts.body);
  });
}

/** Writes bytes on a new socket and collects what comes back until the server closes it. */
function exchange(socket: net.Socket, bytes: string): Promise<Buffer> {
  return new Promise((res, rej) => {
    const got: Buffer[] = [];
    const timer = setTimeout(() => rej(new Error(`not closed; got ${Buffer.concat(got).toString("latin1")}`)), 5000);
    socket.on("data", (d) => got.push(d));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      res(Buffer.concat(got));
    });
    socket.write(Buffer.from(bytes, "latin1"));
  });
}

/** The error code of the GOAWAY among HTTP/2 frames, or null. */
function goawayCode(bytes: Buffer): number | null {
  for (let i = 0; i + 9 <= bytes.length; i += 9 + bytes.readUIntBE(i, 3)) {
    if (bytes[i + 3] === 7) return bytes.readUInt32BE(i + 13);
  }
  return null;
}

describe.each(RUNTIMES)("HTTP/2 on %s", (runtime) => {
  let echo: Running;
  let tls: Running;
  let fx: Running;
  beforeAll(async () => {
    [echo, tls, fx] = await Promise.all([
      start(runtime, "src/cli.ts", ["echo", "--port", "0"]),
      start(runtime, "src/cli.ts", ["echo", "--port", "0", "--tls-cert", cert, "--tls-key", key]),
      start(runtime, "spec-tests/peers/fixture-server.ts"),
    ]);
  });
  afterAll(async () => {
    await Promise.all([echo?.stop(), tls?.stop(), fx?.stop()]);
  });

  it("curl --http2-prior-knowledge on the same port as HTTP/1.1", async () => {
    const { stdout } = await run("curl", ["-s", "--http2-prior-knowledge", "-w", "\\n%{http_version}", `${echo.url}/hello`]);
    expect(stdout).toBe("Hello World\n2");
    const j = JSON.parse((await run("curl", ["-s", "--http2-prior-knowledge", "-d", "abc", `${echo.url}/p?q`])).stdout);
    expect(j).toMatchObject({ method: "POST", httpVersion: "2", url: `${echo.url}/p?q`, bodyLength: 3 });
  });

  it("curl (a 32 MiB window): a 300 KB upload echoed back as a 400 KB body arrives whole, past the frames one batch holds", async () => {
    // curl's window lets the whole answer go at once; the connection frames it a batch at
    // a time (h2/scheduler.ts), and a transport that takes each batch at once (Bun's) gives
    // no drain to go on from.
    const sent = randomBytes(300_000);
    const file = join(dir, `upload-${runtime}.bin`);
    writeFileSync(file, sent);
    const { stdout } = await run("curl", ["-s", "--max-time", "10", "--http2-prior-knowledge", "--data-binary", `@${file}`, `${echo.url}/big`], { maxBuffer: 8 << 20 });
    const j = JSON.parse(stdout) as { httpVersion: string; bodyLength: number; body: string };
    expect(j.httpVersion).toBe("2");
    expect(j.bodyLength).toBe(sent.length);
    expect(createHash("sha256").update(Buffer.from(j.body, "base64")).digest("hex")).toBe(createHash("sha256").update(sent).digest("hex"));
  });

  it("curl: an extension method reaches the handler as sent, or is 501 where this runtime's Request would make it GET", async () => {
    for (const method of ["QUERY", "FOO"]) {
      const { stdout } = await run("curl", ["-s", "--http2-prior-knowledge", "-X", method, "-w", "\\n%{http_code}", `${echo.url}/m`]);
      if (runtime === "bun" && method === "FOO") {
        expect(stdout).toBe(`method "FOO" is not supported by this server (this runtime's Fetch Request would read it as GET)\n\n501`);
      } else {
        expect(stdout.endsWith("\n200"), stdout).toBe(true);
        expect(JSON.parse(stdout.slice(0, -4))).toMatchObject({ method, httpVersion: "2" });
      }
    }
  });

  it("a connection that starts with \"PRI \" but is not the preface: GOAWAY(PROTOCOL_ERROR) and closed, cleartext and over TLS (ALPN h2, http/1.1)", async () => {
    const port = (u: string) => Number(new URL(u).port);
    for (const bytes of ["PRI * HTTP/1.1\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"]) {
      const plain = await exchange(net.connect(port(echo.url), "127.0.0.1"), bytes);
      expect(goawayCode(plain), `cleartext ${JSON.stringify(bytes)}`).toBe(1);
      for (const alpn of ["h2", "http/1.1"]) {
        const socket = tlsClient.connect({ port: port(tls.url), host: "127.0.0.1", rejectUnauthorized: false, ALPNProtocols: [alpn] });
        await new Promise((r) => socket.once("secureConnect", r));
        expect(socket.alpnProtocol).toBe(alpn);
        expect(goawayCode(await exchange(socket, bytes)), `TLS ${alpn} ${JSON.stringify(bytes)}`).toBe(1);
      }
    }
  });

  it("over TLS, a frame per read: frames after the client's RST_STREAM are STREAM_CLOSED, nothing is answered on a reset stream, and a late WINDOW_UPDATE cannot overflow a window", async () => {
    const socket = tlsClient.connect({ port: Number(new URL(tls.url).port), host: "127.0.0.1", rejectUnauthorized: false, ALPNProtocols: ["h2"] });
    await new Promise((r) => socket.once("secureConnect", r));
    const got: Buffer[] = [];
    socket.on("data", (d) => got.push(d));
    socket.on("error", () => {});
    const frames = () => {
      const all = Buffer.concat(got);
      const out: { type: number; flags: number; id: number; payload: Buffer }[] = [];
      for (let i = 0; i + 9 <= all.length; i += 9 + all.readUIntBE(i, 3)) {
        out.push({ type: all[i + 3]!, flags: all[i + 4]!, id: all.readUInt32BE(i + 5) & 0x7fffffff, payload: all.subarray(i + 9, i + 9 + all.readUIntBE(i, 3)) });
      }
      return out;
    };
    // Each frame its own TLS record, with time between for the server to read and answer.
    const send = async (type: number, flags: number, id: number, payload: Buffer) => {
      const h = Buffer.alloc(9);
      h.writeUIntBE(payload.length, 0, 3);
      h[3] = type;
      h[4] = flags;
      h.writeUInt32BE(id, 5);
      socket.write(Buffer.concat([h, payload]));
      await new Promise((r) => setTimeout(r, 60));
    };
    const block = (method: string, path: string) => literalBlock([[":method", method], [":scheme", "https"], [":path", path], [":authority", "localhost"]]);
    const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
    const codeOn = (type: number, id: number) => frames().filter((f) => f.type === type && f.id === id).map((f) => f.payload.readUInt32BE(type === 7 ? 4 : 0));
    try {
      socket.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
      await send(4, 0, 0, Buffer.alloc(0));
      // Stream 1: answered at once while the request is still open, so we end it with RST_STREAM(NO_ERROR);
      // the client's RST_STREAM crosses ours. DATA after the client's own reset: STREAM_CLOSED.
      await send(1, 4, 1, block("POST", "/hello"));
      expect(frames().some((f) => f.type === 1 && f.id === 1)).toBe(true);
      await send(3, 0, 1, u32(8));
      await send(0, 0, 1, Buffer.from("late"));
      expect(codeOn(3, 1)).toEqual([0, 5]);
      // Stream 3: the echo handler reads the body; the client resets it first. Nothing is answered on it.
      await send(1, 4, 3, block("POST", "/echo"));
      await send(3, 0, 3, u32(8));
      await send(0, 1, 3, Buffer.from("after the reset"));
      expect(frames().filter((f) => f.id === 3 && (f.type === 0 || f.type === 1))).toEqual([]);
      expect(codeOn(3, 3)).toEqual([5]);
      // Stream 5: its response is complete and the stream closed both ways; WINDOW_UPDATE may still come, within 2^31-1.
      await send(1, 5, 5, block("GET", "/hello"));
      expect(frames().some((f) => f.type === 0 && f.id === 5 && f.flags & 1)).toBe(true);
      await send(8, 0, 5, u32(2 ** 31 - 1));
      expect(codeOn(3, 5)).toEqual([3]);
      // The connection is still serving.
      await send(1, 5, 7, block("GET", "/hello"));
      expect(frames().some((f) => f.type === 0 && f.id === 7 && f.payload.toString() === "Hello World")).toBe(true);
      expect(codeOn(7, 0)).toEqual([]);
    } finally {
      socket.destroy();
    }
  });

  it("a client that sends 200,000 invalid HEADERS and never reads: GOAWAY(ENHANCE_YOUR_CALM), memory bounded, others served at once", async () => {
    const memory = async () => JSON.parse((await run("curl", ["-s", `${fx.url}/memory`])).stdout).rss as number;
    const before = await memory();
    const socket = net.connect(Number(new URL(fx.url).port), "127.0.0.1");
    socket.pause(); // never reads, until the end
    socket.on("error", () => {});
    await new Promise((r) => socket.once("connect", r));
    // Each HEADERS carries an upper-case field name: malformed (§8.2.1), a stream error answered with RST_STREAM.
    const one = (id: number) => {
      const block = Buffer.from([0x82, 0x86, 0x84, 0x00, 1, 0x58, 1, 0x31]); // GET, http, /, then "X: 1" as a literal
      const h = Buffer.alloc(9);
      h.writeUIntBE(block.length, 0, 3);
      h[3] = 1;
      h[4] = 5;
      h.writeUInt32BE(id, 5);
      return Buffer.concat([h, block]);
    };
    socket.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    let closed = false;
    socket.once("close", () => (closed = true));
    for (let batch = 0; batch < 200 && !closed; batch++) {
      const frames: Buffer[] = [];
      for (let i = 0; i < 1000; i++) frames.push(one(2 * (batch * 1000 + i) + 1));
      if (!socket.write(Buffer.concat(frames))) await Promise.race([new Promise((r) => socket.once("drain", r)), new Promise((r) => setTimeout(r, 200))]);
    }
    // Meanwhile a new client of the same server is served at once.
    const t0 = Date.now();
    const other = await h2request(fx.url, "/");
    expect(other.body.toString()).toBe("fixture\n");
    expect(Date.now() - t0).toBeLessThan(1000);
    // Now read: the resets, then GOAWAY(ENHANCE_YOUR_CALM), and the connection closes.
    const got: Buffer[] = [];
    socket.on("data", (d) => got.push(d));
    socket.resume();
    if (!closed) await new Promise((r) => socket.once("close", r));
    expect(goawayCode(Buffer.concat(got))).toBe(11);
    expect((await memory()) - before).toBeLessThan(32 * 1024 * 1024);
  }, 60_000);

  it("curl --http2 upgrades with Upgrade: h2c, and the request is answered on stream 1", async () => {
    const { stdout } = await run("curl", ["-s", "--http2", "-d", "hello", `${echo.url}/up`]);
    expect(JSON.parse(stdout)).toMatchObject({ httpVersion: "2", bodyLength: 5, method: "POST" });
  });

  it("TLS: ALPN h2 gives HTTP/2, http/1.1 gives HTTP/1.1", async () => {
    const h2 = await run("curl", ["-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version}", `${tls.url}/hello`]);
    expect(h2.stdout).toBe("2");
    const h1 = await run("curl", ["-sk", "--http1.1", "-w", "\\n%{http_version}", `${tls.url}/hello`]);
    expect(h1.stdout).toBe("Hello World\n1.1");
    const j = JSON.parse((await run("curl", ["-sk", "--http2", `${tls.url}/x`])).stdout);
    expect(j.url).toBe(`${tls.url}/x`);
  });

  it("node:http2: WebSocket over an HTTP/2 stream (RFC 8441 extended CONNECT), text and binary, closing handshake", async () => {
    const session = http2.connect(echo.url);
    try {
      const settings = await new Promise<http2.Settings>((r) => session.once("remoteSettings", r));
      expect(settings.enableConnectProtocol).toBe(true);
      const req = session.request({ ":method": "CONNECT", ":protocol": "websocket", ":path": "/ws", ":scheme": "http", ":authority": new URL(echo.url).host, "sec-websocket-version": "13" });
      const status = await new Promise<number>((r) => req.once("response", (h) => r(Number(h[":status"]))));
      expect(status).toBe(200);
      const key = [9, 8, 7, 6];
      const masked = (opcode: number, payload: Buffer) =>
        Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length, ...key]), Buffer.from(payload.map((b, i) => b ^ key[i & 3]!))]);
      const frames: { opcode: number; payload: Buffer }[] = [];
      let buf = Buffer.alloc(0);
      const ended = new Promise<void>((r) => req.on("end", r));
      req.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + (buf[1]! & 0x7f)) {
          const n = buf[1]! & 0x7f;
          frames.push({ opcode: buf[0]! & 0x0f, payload: buf.subarray(2, 2 + n) });
          buf = buf.subarray(2 + n);
        }
      });
      req.write(masked(1, Buffer.from("over h2")));
      req.write(masked(2, Buffer.from([1, 2, 3])));
      req.write(masked(8, Buffer.from([0x03, 0xe8])));
      await ended;
      req.end();
      expect(frames.map((f) => [f.opcode, f.opcode === 8 ? f.payload.readUInt16BE(0) : f.payload.toString("hex")])).toEqual([
        [1, Buffer.from("over h2").toString("hex")], [2, "010203"], [8, 1000],
      ]);
    } finally {
      session.close();
    }
  });

  it("node:http2: server.upgrade (Bun style) takes an extended CONNECT, which has no Upgrade field, and echoes over the stream", async () => {
    const session = http2.connect(fx.url);
    try {
      await new Promise((r) => session.once("remoteSettings", r));
      const req = session.request({ ":method": "CONNECT", ":protocol": "websocket", ":path": "/bun-ws", ":scheme": "http", ":authority": new URL(fx.url).host, "sec-websocket-version": "13" });
      const status = await new Promise<number>((r) => req.once("response", (h) => r(Number(h[":status"]))));
      expect(status).toBe(200);
      const key = [1, 2, 3, 4];
      const payload = Buffer.from("bun style over h2");
      const reply = new Promise<Buffer>((r) => req.once("data", (d: Buffer) => r(d)));
      req.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, ...key]), Buffer.from(payload.map((b, i) => b ^ key[i & 3]!))]));
      const frame = await reply;
      expect([frame[0], frame.subarray(2, 2 + (frame[1]! & 0x7f)).toString()]).toEqual([0x81, "bun style over h2"]);
      req.close();
    } finally {
      session.close();
    }
  });

  it("Python h2 and websockets' frame codec: WebSocket over HTTP/2 (RFC 8441)", async () => {
    const { stdout } = await run("/usr/bin/python3", [join(ROOT, "spec-tests/peers/h2_ws_client.py"), String(echo.port)], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({
      enable_connect_protocol: 1, status: "200", messages: ["héllo over h2", true, true], close: ["CLOSE", 1000], stream_ended: true,
    });
  });

  it("node:http2: a 4 MiB WebSocket message each way over an HTTP/2 stream, under flow control, hash-checked", async () => {
    const session = http2.connect(echo.url); // node's default 64 KiB windows: our DATA must wait for its WINDOW_UPDATEs
    try {
      await new Promise((r) => session.once("remoteSettings", r));
      const req = session.request({ ":method": "CONNECT", ":protocol": "websocket", ":path": "/ws", ":scheme": "http", ":authority": new URL(echo.url).host, "sec-websocket-version": "13" });
      await new Promise((r) => req.once("response", r));
      const size = 4 * 1024 * 1024;
      const payload = randomBytes(size);
      const header = Buffer.alloc(14);
      header[0] = 0x82;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(size), 2);
      const key = Buffer.from([5, 6, 7, 8]);
      key.copy(header, 10);
      const masked = Buffer.from(payload);
      for (let i = 0; i < size; i++) masked[i]! ^= key[i & 3]!;
      req.write(Buffer.concat([header, masked]));
      const chunks: Buffer[] = [];
      let n = 0;
      await new Promise<void>((r) => req.on("data", (d: Buffer) => {
        chunks.push(d);
        if ((n += d.length) >= 10 + size) r();
      }));
      const got = Buffer.concat(chunks);
      expect([got[0], got[1]]).toEqual([0x82, 127]);
      expect(createHash("sha256").update(got.subarray(10)).digest("hex")).toBe(createHash("sha256").update(payload).digest("hex"));
      req.close();
    } finally {
      session.close();
    }
  }, 30_000);

  it("headless Chromium opens wss:// over HTTP/2 (RFC 8441) to a page served by purehttp over TLS", async () => {
    const app = await start(runtime, "spec-tests/peers/h2-ws-page.ts", ["--tls-cert", cert, "--tls-key", key]);
    const chromium = openInChromium(`${app.url}/page`);
    try {
      const result = await pageReport(app.url);
      expect(JSON.parse(result)).toEqual({ got: ["one over HTTP/2", "binary:7,8,9"], code: 1000 });
    } finally {
      chromium.kill("SIGKILL");
      await app.stop();
    }
  }, 60_000);

  it("nghttp: prior knowledge and HTTP Upgrade", async () => {
    const pk = await run("nghttp", ["-n", "-s", `${echo.url}/hello`]);
    expect(pk.stdout).toMatch(/200/);
    const up = await run("nghttp", ["-nvu", `${echo.url}/hello`]);
    expect(up.stdout).toMatch(/HTTP Upgrade success/);
    expect(up.stdout).toMatch(/:status: 200/);
  });

  it("h2load runs to completion with zero failed requests (4 connections x 32 streams)", async () => {
    const { stdout } = await run("h2load", ["-n", "4000", "-c", "4", "-m", "32", `${echo.url}/hello`], { timeout: 60_000 });
    expect(stdout).toMatch(/requests: 4000 total, 4000 started, 4000 done, 4000 succeeded, 0 failed, 0 errored/);
  }, 90_000);

  it("1,000 concurrent streams on one connection", async () => {
    const { stdout } = await run("h2load", ["-n", "1000", "-c", "1", "-m", "1000", `${echo.url}/hello`], { timeout: 60_000 });
    expect(stdout).toMatch(/1000 succeeded, 0 failed, 0 errored/);
  }, 90_000);

  it("Python h2: valid requests, a stream error and connection errors with the right codes", async () => {
    const { stdout } = await run("/usr/bin/python3", [join(ROOT, "spec-tests/peers/h2_client.py"), String(echo.port)], { timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ hello: "Hello World", post: ["2", 3], uppercase: [1], ping_on_stream: [1], oversized_frame: [6] });
  }, 90_000);

  it("node:http2 client: a 4 MiB download under a 16 KiB window, checked by hash", async () => {
    const r = await h2request(fx.url, "/big?n=64", { settings: { initialWindowSize: 16384 } });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(64 * 65536);
    expect(createHash("sha256").update(r.body).digest("hex")).toBe(createHash("sha256").update(Buffer.alloc(64 * 65536, 0x61)).digest("hex"));
  }, 60_000);

  it("node:http2 client: chunks a stream has ready at once arrive as one body with a content-length", async () => {
    for (const sizes of [[5, 7, 9], [16384, 49152, 7]]) {
      const r = await h2request(fx.url, `/parts?sizes=${sizes}`);
      expect(r.headers["content-length"]).toBe(String(sizes.reduce((a, b) => a + b, 0)));
      expect(r.body).toEqual(Buffer.concat(sizes.map((n, i) => Buffer.alloc(n, i + 1))));
    }
  }, 60_000);

  it("node:http2 client: an 8 MiB upload streamed and hashed by the handler", async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const r = await h2request(fx.url, "/sha256", { method: "POST", body: data });
    expect(JSON.parse(r.body.toString())).toEqual({ bytes: data.length, sha256: createHash("sha256").update(data).digest("hex") });
  }, 60_000);

  it("node:http2 client: streamed echo of 2 MiB round-trips byte for byte", async () => {
    const data = randomBytes(2 * 1024 * 1024);
    const r = await h2request(fx.url, "/stream-echo", { method: "POST", body: data, settings: { initialWindowSize: 32768 } });
    expect(Buffer.compare(r.body, data)).toBe(0);
  }, 60_000);

  it("node:http2 client: concurrent POSTs on one connection, sent whole, in pieces or empty, each reach their own handler", async () => {
    const session = http2.connect(echo.url);
    const fxSession = http2.connect(fx.url);
    const post = (path: string, pieces: Buffer[], to = session) => new Promise<Buffer>((res, rej) => {
      const req = to.request({ ":method": "POST", ":path": path });
      const chunks: Buffer[] = [];
      req.on("data", (d) => chunks.push(d));
      req.on("end", () => res(Buffer.concat(chunks)));
      req.on("error", rej);
      (async () => {
        for (const [i, p] of pieces.entries()) {
          if (i === pieces.length - 1) req.end(p);
          else {
            req.write(p);
            await new Promise((r) => setTimeout(r, 30)); // the rest comes in a later read
          }
        }
        if (pieces.length === 0) req.end();
      })();
    });
    const bodies = [randomBytes(10), randomBytes(3000), randomBytes(40_000), Buffer.from("later")];
    const [whole1, whole2, big, pieces, empty, streamed, streamedPieces] = await Promise.all([
      post("/a", [bodies[0]!]),
      post("/b", [bodies[1]!]),
      post("/c", [bodies[2]!]),
      post("/d", [bodies[3]!.subarray(0, 2), bodies[3]!.subarray(2)]),
      post("/e", []),
      post("/stream-echo", [bodies[1]!], fxSession),
      post("/stream-echo", [bodies[0]!, bodies[3]!], fxSession),
    ]);
    session.close();
    fxSession.close();
    const echoed = (b: Buffer) => Buffer.from(JSON.parse(b.toString()).body, "base64");
    expect(echoed(whole1)).toEqual(bodies[0]);
    expect(echoed(whole2)).toEqual(bodies[1]);
    expect(echoed(big)).toEqual(bodies[2]);
    expect(echoed(pieces)).toEqual(bodies[3]);
    expect(JSON.parse(empty.toString())).toMatchObject({ method: "POST", bodyLength: 0 });
    expect(streamed).toEqual(bodies[1]);
    expect(streamedPieces).toEqual(Buffer.concat([bodies[0]!, bodies[3]!]));
  });

  it("node:http2 client: uploads answered without being read do not use up the connection window", async () => {
    // 12 uploads of 512 KiB refused unread, each larger than the 256 KiB stream window, so the
    // answer comes while the client is still sending: 6 MiB offered on one connection whose
    // window is 1 MiB. What the server throws away must be credited back, or the last request stalls.
    const session = http2.connect(fx.url);
    const upload = (path: string, body: Buffer) => new Promise<{ status: number; body: Buffer }>((res, rej) => {
      const req = session.request({ ":method": "POST", ":path": path });
      const chunks: Buffer[] = [];
      let status = 0;
      req.on("response", (h) => (status = Number(h[":status"])));
      req.on("data", (d) => chunks.push(d));
      req.on("end", () => res({ status, body: Buffer.concat(chunks) }));
      req.on("error", rej);
      req.end(body);
    });
    try {
      for (let i = 0; i < 12; i++) expect((await upload("/refuse", randomBytes(512 * 1024))).status).toBe(413);
      const data = randomBytes(512 * 1024);
      const echoed = await upload("/stream-echo", data);
      expect(Buffer.compare(echoed.body, data)).toBe(0);
    } finally {
      session.close();
    }
  }, 20_000);

  it("response trailers arrive as a trailing HEADERS frame", async () => {
    const trailers = await new Promise<http2.IncomingHttpHeaders>((res, rej) => {
      const session = http2.connect(fx.url);
      session.on("error", rej);
      const req = session.request({ ":path": "/trailers", te: "trailers" });
      req.on("trailers", (t) => res(t));
      req.on("end", () => session.close());
      req.resume();
    });
    expect(trailers["x-checksum"]).toBe("abc123");
  });

  it("multiple Set-Cookie fields stay separate field lines (curl sees each)", async () => {
    const { stdout } = await run("curl", ["-s", "-D", "-", "-o", "/dev/null", "--http2-prior-knowledge", `${fx.url}/set-cookies`]);
    expect(stdout).toMatch(/^HTTP\/2 200/);
    expect(stdout.match(/^set-cookie: .*$/gm)?.map((l) => l.trim())).toEqual(["set-cookie: a=1", "set-cookie: b=2"]);
  });

  it("a handler error gives 500 over HTTP/2 and the connection stays", async () => {
    const r = await h2request(fx.url, "/throw");
    expect(r.status).toBe(500);
  });
});
