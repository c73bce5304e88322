/**
 * `purehttp COMMAND --workers N`: N processes serving one port. Each worker is this
 * command again, without --workers, told its number (PUREHTTP_WORKER=i) and how to
 * share the port (PUREHTTP_SHARE): SO_REUSEPORT where the runtime has it (Deno, Bun,
 * Node 22.12+), where the kernel spreads connections among the listening processes;
 * Node's cluster module on an older Node, where the primary accepts and hands each
 * connection to a worker in turn.
 *
 * The supervisor prints `listening on URL` once every worker listens; a worker that
 * exits unasked is started again, and said so on stderr; SIGINT or SIGTERM is passed
 * to every worker, each drains (in-flight requests finish, GOAWAY for HTTP/2, 1001 for
 * WebSockets) and the supervisor exits 0 when all have.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";
import process from "node:process";
import { nodeHasReusePort } from "./transport/node.ts";
import { detectRuntime } from "./transport/select.ts";

export type Share = "reuse-port" | "cluster";

/** How this runtime shares a port between worker processes. */
function shareMode(): Share {
  return detectRuntime() !== "node" || nodeHasReusePort() ? "reuse-port" : "cluster";
}

/** The command line that runs this script again: the runtime, its flags, the script. */
function selfCommand(): [string, string[]] {
  const g = globalThis as { Deno?: { execPath(): string; mainModule: string } };
  if (g.Deno) return [g.Deno.execPath(), ["run", "-A", "--no-lock", "--unstable-net", g.Deno.mainModule]];
  return [process.execPath, [...process.execArgv, process.argv[1]!]];
}

/** A free port, for workers that were asked for port 0 (they must all listen on the same one). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once("error", reject).listen(0, host, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

interface Worker {
  id: number;
  proc: ChildProcess;
}

export async function supervise(n: number, args: string[], onAllListening: (url: string) => void): Promise<void> {
  const share = shareMode();
  const workers = new Map<number, Worker>();
  let stopping = false;
  let listening = 0;
  let url = "";
  const cluster = share === "cluster" ? (await import("node:cluster")).default : null;
  if (cluster) cluster.setupPrimary({ exec: process.argv[1]!, args, execArgv: process.execArgv, silent: true });

  const startWorker = (id: number, first: boolean) => {
    const env = { ...process.env, PUREHTTP_WORKER: String(id), PUREHTTP_SHARE: share };
    let proc: ChildProcess;
    if (cluster) proc = cluster.fork(env).process;
    else {
      const [cmd, base] = selfCommand();
      // stdin stays open while the supervisor lives: a worker whose stdin ends has lost it (workerRole).
      proc = spawn(cmd, [...base, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    }
    workers.set(id, { id, proc });
    let buffered = "";
    proc.stdout?.on("data", (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^listening on (\S+)$/.exec(line);
        if (!m) {
          process.stdout.write(`${line}\n`);
          continue;
        }
        if (first && ++listening === n) {
          url = m[1]!;
          onAllListening(url);
        } else if (!first) process.stderr.write(`purehttp: worker ${id} is listening again\n`);
      }
    });
    proc.stderr?.on("data", (d: Buffer) => process.stderr.write(d));
    proc.once("exit", (code, signal) => {
      workers.delete(id);
      if (stopping) {
        if (workers.size === 0) process.exit(0);
        return;
      }
      // A worker that never listened cannot be helped by starting it again (the port is taken, say).
      if (first && listening < n && url === "") {
        process.stderr.write(`purehttp: worker ${id} exited before it listened (${signal ?? `code ${code}`})\n`);
        stop(1);
        return;
      }
      process.stderr.write(`purehttp: worker ${id} exited (${signal ?? `code ${code}`}); starting it again\n`);
      startWorker(id, false);
    });
  };

  const stop = (code = 0) => {
    if (stopping) return;
    stopping = true;
    if (workers.size === 0) process.exit(code);
    for (const w of workers.values()) w.proc.kill("SIGTERM");
    setTimeout(() => {
      for (const w of workers.values()) w.proc.kill("SIGKILL");
      process.exit(code);
    }, 10_000).unref();
  };
  process.on("SIGINT", () => stop());
  process.on("SIGTERM", () => stop());
  for (let i = 1; i <= n; i++) startWorker(i, true);
}

/**
 * A worker started by spawn() reads its stdin, which the supervisor holds open: when it
 * ends, the supervisor is gone (killed without a chance to stop its workers), and the
 * worker stops too rather than serve on unsupervised. (Cluster workers exit on their
 * own when the primary goes.)
 */
export function stopWithSupervisor(stop: () => void): void {
  if (process.env.PUREHTTP_SHARE === "cluster") return;
  process.stdin.on("end", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
}

/** In a worker: its number and how it shares the port, from the supervisor. */
export function workerRole(): { id: number; share: Share } | null {
  const id = Number(process.env.PUREHTTP_WORKER);
  if (!Number.isInteger(id) || id < 1) return null;
  return { id, share: process.env.PUREHTTP_SHARE === "cluster" ? "cluster" : "reuse-port" };
}
