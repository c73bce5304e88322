/**
 * serveFile/serveDir and `purehttp static` on Node, Deno and Bun, checked with curl
 * (ranges, conditional requests, HEAD, traversal attempts with --path-as-is), nghttp
 * (HTTP/2), a slow reader of a 1 GiB file (memory stays bounded), and headless
 * Chromium loading a page with its script, style and image over HTTP/2 with TLS.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import * as http2 from "node:http2";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { openInChromium, pageReport } from "../helpers/chromium.ts";
import { RUNTIMES, start } from "../helpers/runtimes.ts";
import { serverForSuite } from "../helpers/server-suite.ts";

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), "purehttp-static-"));
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
const DATA = "0123456789abcdefghijklmnopqrstuvwxyz";
writeFileSync(join(root, "data.txt"), DATA);
writeFileSync(join(root, "index.html"), `<!doctype html><html><head><title>static</title><link rel="stylesheet" href="style.css"></head>
<body><h1>purehttp</h1><img id="img" src="pixel.png"><script src="app.js"></script></body></html>`);
writeFileSync(join(root, "style.css"), "h1 { color: rgb(255, 0, 0); }\n");
writeFileSync(join(root, "app.js"), `window.addEventListener("load", () => {
  const img = document.getElementById("img");
  const protocols = performance.getEntriesByType("resource").map((e) => e.nextHopProtocol);
  protocols.push(performance.getEntriesByType("navigation")[0].nextHopProtocol);
  const report = { color: getComputedStyle(document.querySelector("h1")).color, image: [img.naturalWidth, img.naturalHeight], protocols: [...new Set(protocols)] };
  fetch("/report", { method: "POST", body: JSON.stringify(report) });
});
`);
writeFileSync(join(root, "pixel.png"), PNG);
writeFileSync(join(root, "a b.txt"), "space");
mkdirSync(join(root, "sub"));
writeFileSync(join(root, "sub", "inner.txt"), "inner");
mkdirSync(join(root, ".git"));
writeFileSync(join(root, ".git", "config"), "secret");
const outside = mkdtempSync(join(tmpdir(), "purehttp-outside-"));
writeFileSync(join(outside, "secret.txt"), "secret");
symlinkSync(join(outside, "secret.txt"), join(root, "escape.txt"));
symlinkSync(outside, join(root, "escape-dir"));
symlinkSync(join(root, "data.txt"), join(root, "inside-link.txt"));
// 1 GiB, sparse: no disk used, read as zeros.
truncateSync((writeFileSync(join(root, "big.bin"), ""), join(root, "big.bin")), 1024 ** 3);

const certDir = mkdtempSync(join(tmpdir(), "purehttp-static-tls-"));
const cert = join(certDir, "cert.pem"), key = join(certDir, "key.pem");
execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdio: "ignore" });

/** curl's status line, headers and body for one request. */
async function curl(url: string, ...args: string[]): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { stdout } = await run("curl", ["-s", "-i", "--path-as-is", ...args, url], { encoding: "latin1", maxBuffer: 1 << 24 });
  const split = stdout.indexOf("\r\n\r\n");
  const lines = stdout.slice(0, split).split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(":")).toLowerCase()] = l.slice(l.indexOf(":") + 1).trim();
  return { status: Number(lines[0]!.split(" ")[1]), headers, body: stdout.slice(split + 4) };
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]) * 1024;
}

describe.each(RUNTIMES)("purehttp static on %s", (runtime) => {
  const app = serverForSuite(runtime, "src/cli.ts", ["static", root, "--port", "0", "--listing"]);

  it("GET: the file with its type, length, validators and Accept-Ranges; HEAD: the same fields, no content", async () => {
    const r = await curl(`${app().url}/data.txt`);
    expect(r.status).toBe(200);
    expect(r.body).toBe(DATA);
    expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(r.headers["content-length"]).toBe(String(DATA.length));
    expect(r.headers["accept-ranges"]).toBe("bytes");
    expect(r.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(new Date(r.headers["last-modified"]!).toUTCString()).toBe(r.headers["last-modified"]);
    const head = await curl(`${app().url}/data.txt`, "-I");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(DATA.length));
    expect(head.headers.etag).toBe(r.headers.etag);
    expect(head.body).toBe("");
    expect((await curl(`${app().url}/pixel.png`)).headers["content-type"]).toBe("image/png");
    expect((await curl(`${app().url}/app.js`)).headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect((await curl(`${app().url}/a%20b.txt`)).body).toBe("space");
  });

  it("Range: one range is 206 with Content-Range; a suffix range; past the end is 416 with bytes */size", async () => {
    const one = await curl(`${app().url}/data.txt`, "-H", "Range: bytes=2-5");
    expect([one.status, one.body, one.headers["content-range"], one.headers["content-length"]]).toEqual([206, "2345", `bytes 2-5/${DATA.length}`, "4"]);
    const suffix = await curl(`${app().url}/data.txt`, "-H", "Range: bytes=-3");
    expect([suffix.status, suffix.body]).toEqual([206, "xyz"]);
    const past = await curl(`${app().url}/data.txt`, "-H", "Range: bytes=100-");
    expect([past.status, past.headers["content-range"]]).toEqual([416, `bytes */${DATA.length}`]);
    const bad = await curl(`${app().url}/data.txt`, "-H", "Range: bytes=5-2");
    expect([bad.status, bad.body]).toEqual([200, DATA]);
  });

  it("Range: several ranges are multipart/byteranges, each part with its Content-Range; too many are answered whole", async () => {
    const r = await curl(`${app().url}/data.txt`, "-H", "Range: bytes=0-1, 10-12");
    expect(r.status).toBe(206);
    const boundary = /^multipart\/byteranges; boundary=(\S+)$/.exec(r.headers["content-type"]!)![1]!;
    expect(Number(r.headers["content-length"])).toBe(Buffer.byteLength(r.body, "latin1"));
    const parts = r.body.split(`--${boundary}`);
    expect(parts.at(-1)).toBe("--\r\n");
    expect(parts.slice(1, -1)).toEqual([
      `\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-range: bytes 0-1/${DATA.length}\r\n\r\n01\r\n`,
      `\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-range: bytes 10-12/${DATA.length}\r\n\r\nabc\r\n`,
    ]);
    const many = await curl(`${app().url}/data.txt`, "-H", `Range: bytes=${Array.from({ length: 17 }, (_, i) => `${i * 2}-${i * 2}`).join(",")}`);
    expect([many.status, many.body]).toEqual([200, DATA]);
  });

  it("conditional requests: If-None-Match and If-Modified-Since give 304; If-Match 412; If-Range that does not match gives the whole", async () => {
    const { headers } = await curl(`${app().url}/data.txt`, "-I");
    const etag = headers.etag!, lastModified = headers["last-modified"]!;
    const nm = await curl(`${app().url}/data.txt`, "-H", `If-None-Match: "other", ${etag}`);
    expect([nm.status, nm.body, nm.headers.etag]).toEqual([304, "", etag]);
    expect((await curl(`${app().url}/data.txt`, "-H", `If-Modified-Since: ${lastModified}`)).status).toBe(304);
    expect((await curl(`${app().url}/data.txt`, "-H", "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT")).status).toBe(200);
    expect((await curl(`${app().url}/data.txt`, "-H", 'If-Match: "other"')).status).toBe(412);
    expect((await curl(`${app().url}/data.txt`, "-H", "Range: bytes=0-1", "-H", `If-Range: ${etag}`)).status).toBe(206);
    const stale = await curl(`${app().url}/data.txt`, "-H", "Range: bytes=0-1", "-H", 'If-Range: "other"');
    expect([stale.status, stale.body]).toEqual([200, DATA]);
    expect((await curl(`${app().url}/data.txt`, "-H", "Range: bytes=0-1", "-H", `If-Range: ${lastModified}`)).status).toBe(206);
  });

  it.each([
    ["/../../../../etc/passwd", 404], // the URL parser resolves dot segments: /etc/passwd under the root
    ["/%2e%2e/%2e%2e/etc/passwd", 404],
    ["/..%2f..%2f..%2fetc%2fpasswd", 400],
    ["/sub/..%2f..%2fdata.txt", 400],
    ["/sub%2f..%2f..%2fetc/passwd", 400],
    ["/..%5c..%5cetc%5cpasswd", 400],
    ["/data.txt%00.png", 400],
    ["/%zz", 400],
    ["/.git/config", 404],
    ["/escape.txt", 404],
    ["/escape-dir/secret.txt", 404],
    ["/data.txt/", 404],
    ["/missing", 404],
  ])("never serves what is outside the root: %s is %i", async (path, status) => {
    const r = await curl(`${app().url}${path}`);
    expect(r.status).toBe(status);
    expect(r.body).not.toContain("secret");
    expect(r.body).not.toContain("root:");
  });

  it("a symbolic link inside the root is followed", async () => {
    expect((await curl(`${app().url}/inside-link.txt`)).body).toBe(DATA);
  });

  it("a directory: redirected to its slash, answered with index.html, or listed (--listing, dotfiles left out)", async () => {
    const redirect = await curl(`${app().url}/sub?x=1`);
    expect([redirect.status, redirect.headers.location]).toEqual([301, "/sub/?x=1"]);
    const index = await curl(`${app().url}/`);
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index.body).toContain("<h1>purehttp</h1>");
    const list = await curl(`${app().url}/sub/`);
    expect(list.status).toBe(200);
    expect(list.body).toContain('<a href="inner.txt">inner.txt</a>');
    expect(list.body).toContain('<a href="../">../</a>');
  });

  it("methods other than GET and HEAD: 405 with Allow", async () => {
    const r = await curl(`${app().url}/data.txt`, "-X", "POST", "-d", "x");
    expect([r.status, r.headers.allow]).toEqual([405, "GET, HEAD"]);
  });

  it("nghttp: a file and a range over HTTP/2", async () => {
    const { stdout } = await run("nghttp", ["-v", "-H", "range: bytes=3-6", `${app().url}/data.txt`]);
    expect(stdout).toMatch(/:status: 206/);
    expect(stdout).toMatch(/content-range: bytes 3-6\/36/);
    expect(stdout).toMatch(/content-length: 4/);
    expect(stdout).toContain("3456");
    const whole = await run("nghttp", [`${app().url}/data.txt`]);
    expect(whole.stdout).toBe(DATA);
  });

  it("a 1 GiB file to a client that stops reading holds memory bounded; read on, every byte arrives", async () => {
    const before = rssOf(app().proc.pid!);
    const sock = connect(app().port, "127.0.0.1");
    let received = 0;
    let head = "";
    let headDone = false;
    sock.on("data", (d: Buffer) => {
      if (!headDone) {
        head += d.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        headDone = true;
        received = Buffer.byteLength(head, "latin1") - end - 4;
        sock.pause();
        return;
      }
      received += d.length;
    });
    sock.write("GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await new Promise((r) => setTimeout(r, 3000));
    const stalled = rssOf(app().proc.pid!);
    expect(head).toMatch(/content-length: 1073741824/i);
    expect(stalled - before).toBeLessThan(96 * 1024 * 1024);
    const done = new Promise((r) => sock.on("end", r));
    sock.resume();
    await done;
    expect(received).toBe(1024 ** 3);
  }, 120_000);

  it("over HTTP/2 too: a 256 MiB range to a stream that stops reading holds memory bounded, then arrives whole", async () => {
    const before = rssOf(app().proc.pid!);
    const session = http2.connect(app().url);
    try {
      const req = session.request({ ":path": "/big.bin", range: "bytes=0-268435455" });
      let status = 0, received = 0;
      req.on("response", (h) => (status = Number(h[":status"])));
      req.on("data", (d: Buffer) => (received += d.length));
      req.pause();
      await new Promise((r) => setTimeout(r, 3000));
      expect(rssOf(app().proc.pid!) - before).toBeLessThan(96 * 1024 * 1024);
      const ended = new Promise((r) => req.on("end", r));
      req.resume();
      await ended;
      expect([status, received]).toEqual([206, 256 * 1024 * 1024]);
    } finally {
      session.close();
    }
  }, 120_000);

  it("headless Chromium loads a page with its script, style and image over HTTP/2 with TLS", async () => {
    const page = await start(runtime, "spec-tests/peers/static-page-app.ts", ["--root", root, "--tls-cert", cert, "--tls-key", key]);
    const chromium = openInChromium(`${page.url}/`);
    try {
      const result = await pageReport(page.url);
      const { page: found, seen } = JSON.parse(result);
      expect(found).toEqual({ color: "rgb(255, 0, 0)", image: [1, 1], protocols: ["h2"] });
      for (const f of ["/ 200", "/style.css 200", "/app.js 200", "/pixel.png 200"]) expect(seen).toContain(`${f} HTTP/2`);
    } finally {
      chromium.kill("SIGKILL");
      await page.stop();
    }
  }, 60_000);
});
