/**
 * purehttp behind HAProxy (from Debian), started by the test: `send-proxy` (v1) and
 * `send-proxy-v2` in TCP mode in front of HTTP/1.1, h2c and TLS (on every runtime), and an HTTP-mode
 * frontend that speaks HTTP/2 to purehttp (`proto h2`). The echo server's remoteAddr
 * must be curl's own address and port, which curl reports (%{local_port}).
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/workers.ts";
import { RUNTIMES, type Running, start } from "../helpers/runtimes.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "purehttp-haproxy-"));
const cert = join(dir, "cert.pem"), key = join(dir, "key.pem");
execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost"], { stdio: "ignore" });

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, "127.0.0.1", () => (s.destroy(), r(true)));
      s.on("error", () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} never opened`);
}

/** curl through HAProxy: the echo's JSON, and the local port curl used. */
async function curl(url: string, ...args: string[]): Promise<{ json: { httpVersion: string; remoteAddr: { hostname: string; port: number } }; localPort: number }> {
  const { stdout } = await run("curl", ["-s", "-k", "-w", "\n%{local_port}", ...args, url], { timeout: 20_000 }).catch((e: Error) => {
    throw new Error(`${e.message}\n(backends: ${backends.map((b) => `${b.url} ${b.proc.exitCode === null ? "running" : `exited ${b.proc.exitCode}`}: ${b.output().slice(-300)}`).join("; ")})`);
  });
  const nl = stdout.lastIndexOf("\n");
  return { json: JSON.parse(stdout.slice(0, nl)), localPort: Number(stdout.slice(nl + 1)) };
}

/** The echo servers of the block running now, for the message of a failed request. */
let backends: Running[] = [];

describe.each(RUNTIMES)("behind HAProxy on %s", (runtime) => {
  let echo: Running, echoTls: Running | null = null, haproxy: ChildProcess;
  const ports = { v1: 0, v2: 0, h2: 0, tls: 0 };
  beforeAll(async () => {
    echo = await start(runtime, "src/cli.ts", ["echo", "--port", "0", "--proxy-protocol"]);
    echoTls = await start(runtime, "src/cli.ts", ["echo", "--port", "0", "--proxy-protocol", "--tls-cert", cert, "--tls-key", key]);
    backends = [echo, echoTls];
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort("127.0.0.1");
    const cfg = `global
  maxconn 256
defaults
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend v1
  mode tcp
  bind 127.0.0.1:${ports.v1}
  default_backend v1
backend v1
  mode tcp
  server echo 127.0.0.1:${echo.port} send-proxy
frontend v2
  mode tcp
  bind 127.0.0.1:${ports.v2}
  default_backend v2
backend v2
  mode tcp
  server echo 127.0.0.1:${echo.port} send-proxy-v2 proxy-v2-options crc32c
frontend h2
  mode http
  bind 127.0.0.1:${ports.h2}
  default_backend h2
backend h2
  mode http
  server echo 127.0.0.1:${echo.port} send-proxy-v2 proto h2
${echoTls ? `frontend tls
  mode tcp
  bind 127.0.0.1:${ports.tls}
  default_backend tls
backend tls
  mode tcp
  server echo 127.0.0.1:${echoTls.port} send-proxy-v2
` : ""}`;
    const file = join(dir, `haproxy-${runtime}.cfg`);
    writeFileSync(file, cfg);
    haproxy = spawn("haproxy", ["-db", "-f", file], { stdio: "ignore" });
    await Promise.all([waitForPort(ports.v1), waitForPort(ports.v2), waitForPort(ports.h2)]);
  }, 60_000);
  afterAll(async () => {
    haproxy?.kill("SIGKILL");
    await Promise.all([echo?.stop(), echoTls?.stop()]);
  });

  it("send-proxy (v1), HTTP/1.1: the echo sees curl's address and port", async () => {
    const { json, localPort } = await curl(`http://127.0.0.1:${ports.v1}/x`);
    expect(json.remoteAddr).toEqual({ hostname: "127.0.0.1", port: localPort });
    expect(json.httpVersion).toBe("1.1");
  });

  it("send-proxy-v2 (with CRC32C), HTTP/1.1 and h2c", async () => {
    const h1 = await curl(`http://127.0.0.1:${ports.v2}/x`);
    expect(h1.json.remoteAddr).toEqual({ hostname: "127.0.0.1", port: h1.localPort });
    const h2 = await curl(`http://127.0.0.1:${ports.v2}/x`, "--http2-prior-knowledge");
    expect(h2.json).toMatchObject({ httpVersion: "2", remoteAddr: { hostname: "127.0.0.1", port: h2.localPort } });
  });

  it("an HTTP-mode frontend speaking HTTP/2 to purehttp (proto h2) with send-proxy-v2", async () => {
    const { json, localPort } = await curl(`http://127.0.0.1:${ports.h2}/x`);
    expect(json).toMatchObject({ httpVersion: "2", remoteAddr: { hostname: "127.0.0.1", port: localPort } });
  });

  it("a connection straight to the echo, without a header, is closed with nothing answered", async () => {
    const r = await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", `http://127.0.0.1:${echo.port}/x`]).catch((e) => e as { stdout: string });
    expect(r.stdout).toBe("000");
  });

  it("TLS behind send-proxy-v2: the header precedes the handshake; HTTP/1.1 and HTTP/2 by ALPN", async () => {
    await waitForPort(ports.tls);
    const h1 = await curl(`https://127.0.0.1:${ports.tls}/x`, "--http1.1");
    expect(h1.json).toMatchObject({ httpVersion: "1.1", remoteAddr: { hostname: "127.0.0.1", port: h1.localPort } });
    const h2 = await curl(`https://127.0.0.1:${ports.tls}/x`, "--http2");
    expect(h2.json).toMatchObject({ httpVersion: "2", remoteAddr: { hostname: "127.0.0.1", port: h2.localPort } });
  });
});
