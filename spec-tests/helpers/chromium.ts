/** Headless Chromium opening a page, for the browser tests; kill the process it returns when done. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function openInChromium(url: string): ChildProcess {
  const profile = mkdtempSync(join(tmpdir(), "purehttp-chromium-"));
  return spawn("chromium", [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--ignore-certificate-errors", `--user-data-dir=${profile}`,
    "--remote-debugging-port=0", url,
  ], { stdio: "ignore" });
}
