/**
 * serve({ proxyProtocol: true }) over real sockets: the header sets the client's
 * address for every protocol behind it (HTTP/1.1, h2c, WebSocket, TLS on Node); a
 * connection without a valid header, or too slow with it, is closed with nothing
 * answered; with the option off a PROXY line is a malformed request.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import * as http2 from "node:http2";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, upgradeWebSocket } from "../../src/mod.ts";
import type { Server } from "../../src/serve.ts";
import { raw } from "../helpers/raw.ts";

const dir = mkdtempSync(join(tmpdir(), "purehttp-proxy-"));
const certFile = join(dir, "cert.pem"), keyFile = join(dir, "key.pem");
execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", "/CN=localhost"], { stdio: "ignore" });

const V1 = "PROXY TCP4 192.0.2.1 198.51.100.7 51000 443\r\n";
const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
/** v2 PROXY TCP4 203.0.113.9:4321 -> 10.0.0.1:443, with an authority TLV. */
const V2 = Buffer.from([...SIG, 0x21, 0x11, 0, 26, 203, 0, 113, 9, 10, 0, 0, 1, 0x10, 0xe1, 0x01, 0xbb, 0x02, 0, 11, ...Buffer.from("example.com")]);
const V2_LOCAL = Buffer.from([...SIG, 0x20, 0x00, 0, 0]);

const handler = (req: Request, info: { remoteAddr: { hostname: string; port: number }; proxy?: unknown; httpVersion: string }) => {
  if (new URL(req.url).pathname === "/ws") {
    const { socket, response } = upgradeWebSocket(req);
    socket.onopen = () => socket.send(`${info.remoteAddr.hostname}:${info.remoteAddr.port}`);
    return response;
  }
  return Response.json({ remote: info.remoteAddr, version: info.httpVersion, proxy: info.proxy ? { version: (info.proxy as { version: number }).version, authority: (info.proxy as { tlvs: { authority?: string } }).tlvs.authority ?? null } : null });
};

let plain: Server, secure: Server, off: Server;
const port = (s: Server) => s.addr.port;
beforeAll(async () => {
  plain = serve({ port: 0, hostname: "127.0.0.1", proxyProtocol: true, headersTimeout: 500, onListen() {} }, handler as never);
  secure = serve({ port: 0, hostname: "127.0.0.1", proxyProtocol: true, tls: { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") }, onListen() {} }, handler as never);
  off = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handler as never);
  await Promise.all([plain.listening, secure.listening, off.listening]);
});
afterAll(() => Promise.all([plain.shutdown(), secure.shutdown(), off.shutdown()]));

/** GET /x over HTTP/2 on the connection `connect` makes (a header already written on it); the JSON answer. */
async function h2Json(url: string, connect: () => net.Socket): Promise<unknown> {
  const session = http2.connect(url, { createConnection: connect });
  try {
    const req = session.request({ ":path": "/x" });
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => (text += d));
    await new Promise((r) => req.on("end", r));
    return JSON.parse(text);
  } finally {
    session.close();
  }
}

const GET = "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
const bodyOf = (out: string) => JSON.parse(out.slice(out.indexOf("\r\n\r\n") + 4));

describe("HTTP/1.1 behind the header", () => {
  it("v1: the client is the header's source", async () => {
    expect(bodyOf(await raw(port(plain), V1 + GET))).toMatchObject({ remote: { hostname: "192.0.2.1", port: 51000 }, proxy: { version: 1 } });
  });
  it("v2, its TLVs kept (info.proxy)", async () => {
    expect(bodyOf(await raw(port(plain), [V2, GET]))).toMatchObject({ remote: { hostname: "203.0.113.9", port: 4321 }, proxy: { version: 2, authority: "example.com" } });
  });
  it("the header in pieces (within headersTimeout), then the request", async () => {
    const parts = [V1.slice(0, 1), V1.slice(1, 6), V1.slice(6, 30), V1.slice(30), GET];
    expect(bodyOf(await raw(port(plain), parts, { split: true }))).toMatchObject({ remote: { hostname: "192.0.2.1" } });
    const v2parts = [V2.subarray(0, 13), V2.subarray(13, 20), Buffer.concat([V2.subarray(20), Buffer.from(GET)])];
    expect(bodyOf(await raw(port(plain), v2parts, { split: true }))).toMatchObject({ remote: { hostname: "203.0.113.9" } });
  });
  it("LOCAL (a balancer's health check) keeps the socket's address", async () => {
    expect(bodyOf(await raw(port(plain), [V2_LOCAL, GET]))).toMatchObject({ remote: { hostname: "127.0.0.1" } });
  });
  it.each([
    ["a request without a header", GET],
    ["a malformed v1 line", "PROXY TCP4 1.2.3 4.5.6.7 1 2\r\n" + GET],
    ["a v2 header with a bad version", Buffer.concat([Buffer.from([...SIG, 0x31, 0x11, 0, 0]), Buffer.from(GET)])],
  ])("%s: closed, nothing answered", async (_, data) => {
    expect(await raw(port(plain), data as string)).toBe("");
  });
  it("a header that does not arrive within headersTimeout: closed, nothing answered", async () => {
    const started = Date.now();
    expect(await raw(port(plain), "PROXY TCP4 ", { idleMs: 3000 })).toBe("");
    expect(Date.now() - started).toBeLessThan(2500);
  });
  it("with the option off, a PROXY line is a malformed request: 400", async () => {
    expect(await raw(port(off), V1 + GET)).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe("other protocols behind the header", () => {
  it("h2c with prior knowledge", async () => {
    const json = await h2Json(`http://127.0.0.1:${port(plain)}`, () => {
      const s = net.connect(port(plain), "127.0.0.1");
      s.write(V1);
      return s;
    });
    expect(json).toMatchObject({ remote: { hostname: "192.0.2.1", port: 51000 }, version: "2" });
  });
  it("WebSocket: the socket's handler sees the header's client", async () => {
    const out = await raw(port(plain), [V2, "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"], { idleMs: 300 });
    expect(out).toMatch(/^HTTP\/1\.1 101 /);
    expect(out).toContain("203.0.113.9:4321");
  });
  it("TLS (Node): the header precedes the handshake; ALPN h2 still chosen", async () => {
    const sock = net.connect(port(secure), "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    sock.write(V2);
    const json = await h2Json(`https://localhost:${port(secure)}`, () => tls.connect({ socket: sock, ALPNProtocols: ["h2"], rejectUnauthorized: false, servername: "localhost" }));
    expect(json).toMatchObject({ remote: { hostname: "203.0.113.9", port: 4321 }, version: "2", proxy: { authority: "example.com" } });
  });
  it("TLS without a header: closed before any handshake", async () => {
    const sock = tls.connect({ port: port(secure), host: "127.0.0.1", rejectUnauthorized: false });
    const error = await new Promise<Error>((r) => sock.once("error", r));
    expect(error.message).toMatch(/socket disconnected|ECONNRESET|closed/i);
  });
});
