/** Headless Chromium for the browser tests, and what the pages it opens report back. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Opens `url` in headless Chromium; kill the process it returns when done. */
export function openInChromium(url: string): ChildProcess {
  const profile = mkdtempSync(join(tmpdir(), "purehttp-chromium-"));
  return spawn("chromium", [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--ignore-certificate-errors", `--user-data-dir=${profile}`,
    "--remote-debugging-port=0", url,
  ], { stdio: "ignore" });
}

/**
 * What the page reported: its app keeps the report the page POSTs to /report and
 * answers /report-result with it (404 until then). Polls for up to 30 s; "" if none came.
 */
export async function pageReport(origin: string): Promise<string> {
  for (let i = 0; i < 150; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const r = await fetchInsecure(`${origin}/report-result`);
    if (r !== null) return r;
  }
  return "";
}

/** GET over HTTPS with a self-signed certificate (curl -k): the body when 200, else null. */
function fetchInsecure(url: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile("curl", ["-sk", "-w", "\n%{http_code}", url], (error, stdout) => {
      resolve(!error && stdout.endsWith("\n200") ? stdout.slice(0, -4) : null);
    });
  });
}

/** The --tls-cert and --tls-key files a page app was started with, read. */
export function tlsFromArgs(argv: string[]): { cert: string; key: string } {
  const arg = (name: string) => argv[argv.indexOf(name) + 1]!;
  return { cert: readFileSync(arg("--tls-cert"), "utf8"), key: readFileSync(arg("--tls-key"), "utf8") };
}

/** serve() options for a page app: HTTPS on a free port of 127.0.0.1 (the TLS files from its arguments), announced as the test helpers expect. */
export function pageServeOptions(): { port: number; hostname: string; tls: { cert: string; key: string }; onListen(a: { port: number }): void } {
  return {
    port: 0,
    hostname: "127.0.0.1",
    tls: tlsFromArgs(process.argv),
    onListen: (a) => console.log(`listening on https://localhost:${a.port}`),
  };
}
