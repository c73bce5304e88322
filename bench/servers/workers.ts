/**
 * N processes of one benchmark server on one port: `--server purehttp|native --workers N`
 * (and `--h2 1` for native's node:http2). Each runs with --reuse-port 1 (Deno.serve and
 * Bun.serve's reusePort, purehttp's), except on a Node without reusePort (before 22.12),
 * where they run under node:cluster, as node:http users scale out there. Prints
 * `listening on` once all listen. Its workers are in its process group, which the
 * harness ends as a whole.
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { nodeHasReusePort } from "../../src/transport/node.ts";
import { freePort } from "../../src/workers.ts";
import { args, runtime } from "./common.ts";

const a = args();
const n = Number(a.workers ?? 2);
const script = new URL(`./${a.server === "native" ? "native" : "purehttp"}.ts`, import.meta.url).pathname;
const cluster = runtime() === "node" && !nodeHasReusePort();
const port = await freePort("127.0.0.1");
const childArgs = ["--port", String(port), ...(cluster ? [] : ["--reuse-port", "1"]), ...(a.h2 ? ["--h2", a.h2] : []), ...(a.tree ? ["--tree", a.tree] : [])];

let ready = 0;
const onLine = (d: Buffer) => {
  for (const line of d.toString().split("\n")) if (line.startsWith("listening on") && ++ready === n) console.log(`listening on http://127.0.0.1:${port}`);
};
if (cluster) {
  const c = (await import("node:cluster")).default;
  c.setupPrimary({ exec: script, args: childArgs, execArgv: process.execArgv, silent: true });
  for (let i = 0; i < n; i++) c.fork().process.stdout!.on("data", onLine);
} else {
  const g = globalThis as { Deno?: { execPath(): string } };
  const [cmd, base] = g.Deno ? [g.Deno.execPath(), ["run", "-A", "--no-lock", "--unstable-net", script]] : [process.execPath, [...process.execArgv, script]];
  for (let i = 0; i < n; i++) {
    const child = spawn(cmd, [...base, ...childArgs], { stdio: ["pipe", "pipe", "inherit"] });
    child.stdout!.on("data", onLine);
  }
}
