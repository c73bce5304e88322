/**
 * N processes of one benchmark server on one port: `--server purehttp|native --workers N`
 * (and `--h2 1` for native's node:http2). Each runs with --reuse-port 1 (Deno.serve and
 * Bun.serve's reusePort, purehttp's), except on a Node without reusePort (before 22.12),
 * where they run under node:cluster, as node:http users scale out there. Prints
 * `listening on` once all listen. Its workers are in its process group, which the
 * harness ends as a whole.
 */
import { spawn } from "node:child_process";
import * as net from "node:net";
import process from "node:process";
import { args, runtime } from "./common.ts";

const a = args();
const n = Number(a.workers ?? 2);
const script = new URL(`./${a.server === "native" ? "native" : "purehttp"}.ts`, import.meta.url).pathname;
const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
const cluster = runtime() === "node" && !(major > 22 || (major === 22 && minor >= 12));

const port = await new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => {
    const p = (s.address() as net.AddressInfo).port;
    s.close(() => resolve(p));
  });
});
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
