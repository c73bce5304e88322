/** Starts a purehttp server script on Node, Deno or Bun and reports its port. */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const RUNTIMES = ["node", "deno", "bun"] as const;
export type Runtime = (typeof RUNTIMES)[number];

export function command(runtime: Runtime, script: string, args: string[]): [string, string[]] {
  const bin = (n: string) => resolve(ROOT, "node_modules/.bin", n);
  switch (runtime) {
    case "node":
      return [process.execPath, ["--import", "tsx", script, ...args]];
    case "deno":
      return [bin("deno"), ["run", "-A", "--no-lock", script, ...args]];
    case "bun":
      return [bin("bun"), [script, ...args]];
  }
}

export interface Running {
  port: number;
  url: string;
  proc: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

export async function start(runtime: Runtime, script: string, args: string[] = []): Promise<Running> {
  const [cmd, argv] = command(runtime, resolve(ROOT, script), args);
  // Its own process group, so that stop() ends whatever it started too (--workers' workers).
  const proc = spawn(cmd, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" }, detached: true });
  const killGroup = () => {
    try {
      process.kill(-proc.pid!, "SIGKILL");
    } catch {
      proc.kill("SIGKILL");
    }
  };
  let out = "";
  proc.stderr!.on("data", (d) => (out += d));
  const line = await new Promise<string>((res, rej) => {
    // One that never says it listens is ended, with whatever it started (a launcher whose worker failed).
    const timer = setTimeout(() => (killGroup(), rej(new Error(`${runtime} did not start: ${out}`))), 30_000);
    proc.stdout!.on("data", (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    proc.on("exit", (code) => rej(new Error(`${runtime} exited with ${code}: ${out}`)));
  });
  const url = new URL(line);
  return {
    port: Number(url.port),
    url: line,
    proc,
    output: () => out,
    stop: () =>
      new Promise<void>((r) => {
        if (proc.exitCode !== null) return r();
        proc.on("exit", () => r());
        killGroup();
      }),
  };
}

/** The echo server and the fixture server on one runtime, started together. */
export async function startEchoAndFixture(runtime: Runtime): Promise<{ echo: Running; fx: Running }> {
  const [echo, fx] = await Promise.all([start(runtime, "src/cli.ts", ["echo", "--port", "0"]), start(runtime, "spec-tests/peers/fixture-server.ts")]);
  return { echo, fx };
}
