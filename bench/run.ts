/**
 * `npm run bench`: purehttp against each runtime's native server and a raw-socket
 * floor, in the same run, on the same machine, with Debian's wrk and h2load.
 *
 * Rounds are interleaved and rotated (A B C, B C A, C A B, ...); we report medians with min-max and the
 * ratios purehttp/native and purehttp/floor. Loopback only; every run is bounded.
 *
 *   npm run bench -- [--runtimes node,deno,bun] [--suites h1,h2,ws,mem,micro,workers] [--seconds 3] [--rounds 3]
 *                    [--baseline DIR]
 *
 * --baseline DIR adds "purehttp@baseline": the purehttp of another checkout (a git
 * worktree of the commit before a change, built with `npm run build` for Node), run in
 * the same rounds, so a change is measured against what it replaced.
 */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Runtime, type Running, ROOT, command, start } from "../spec-tests/helpers/runtimes.ts";
import { drawChart } from "./chart.ts";
import { summary } from "./summary.ts";

const run = promisify(execFile);
const opt = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const RUNTIMES = opt("runtimes", "node,deno,bun").split(",") as Runtime[];
const SUITES = new Set(opt("suites", "h1,h2,ws,mem,micro").split(","));
const SECONDS = Number(opt("seconds", "3"));
const ROUNDS = Number(opt("rounds", "3"));
const BENCH = join(ROOT, "bench");
const BASELINE = opt("baseline", "");

if (!existsSync(join(BENCH, "node_modules/ws"))) {
  console.log("installing bench peers (bench/package.json)...");
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefix", BENCH], { stdio: "inherit" });
}
// Node runs purehttp from dist/ (see servers/purehttp.ts), so build it from the current sources.
if (RUNTIMES.includes("node") || SUITES.has("micro")) execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
for (const tool of ["wrk", "h2load"]) {
  if (spawnSync("which", [tool]).status !== 0) {
    console.error(`bench needs ${tool}: apt-get install wrk nghttp2-client`);
    process.exit(1);
  }
}

/**
 * Server and load generator on different cores where the machine has two or more and
 * taskset is there: every thread of a server on core 0, the generator on core 1, so
 * that they do not fight over one core (ratios are then of the server's core alone).
 */
const PIN = cpus().length >= 2 && spawnSync("which", ["taskset"]).status === 0;
const onLoadCore = (cmd: string, args: string[]): [string, string[]] => (PIN ? ["taskset", ["-c", "1", cmd, ...args]] : [cmd, args]);
function pinServer(pid: number | undefined): void {
  if (PIN && pid) spawnSync("taskset", ["-a", "-p", "-c", "0", String(pid)], { stdio: "ignore" });
}

/**
 * The server's CPU time so far in microseconds, every thread included (Linux's
 * /proc/PID/stat, utime + stime at 100 ticks a second), or null where there is none.
 * Per request it tells servers apart where req/s cannot: when the load generator's core
 * is the limit (64 KiB responses on a small machine), every server reads the same req/s.
 */
function cpuMicros(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8");
    const after = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(after[11]) + Number(after[12])) * 10_000;
  } catch {
    return null;
  }
}

interface Stat { median: number; min: number; max: number; samples: number[] }
const stat = (xs: number[]): Stat => {
  if (xs.length === 0) return { median: 0, min: 0, max: 0, samples: [] };
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] ?? 0, min: s[0] ?? 0, max: s.at(-1) ?? 0, samples: xs };
};

interface Contender { name: string; script: string; args?: string[]; runtime: Runtime }
/**
 * A load profile. `warm` (wrk's profiles: h2load has its own --warm-up-time) runs a short
 * load first, unscored, for every contender: the JIT of a server whose code is all
 * JavaScript is cold at its first round, and without it the first round scored that.
 */
interface Profile {
  name: string;
  measure(port: number): Promise<number>;
  unit: string;
  warm?(port: number): Promise<unknown>;
  /**
   * The load runs exactly SECONDS, so the server's CPU over the call is the CPU of the
   * requests counted (not so for h2load, whose warm-up is inside its run).
   */
  cpuPerUnit?: boolean;
}

/** Seconds of unscored load per contender before a wrk profile's rounds. */
const WARM_UP_SECONDS = 1;

function wrkProfile(name: string, path: string, script?: string): Profile {
  return { name, unit: "req/s", measure: (p) => wrk(p, path, script), warm: (p) => wrk(p, path, script, 64, WARM_UP_SECONDS), cpuPerUnit: true };
}

async function wrk(port: number, path: string, script?: string, conns = 64, seconds = SECONDS): Promise<number> {
  const args = ["-t1", `-c${conns}`, `-d${seconds}s`, "--timeout", "5s", ...(script ? ["-s", join(BENCH, "wrk", script)] : []), `http://127.0.0.1:${port}${path}`];
  const { stdout } = await run(...onLoadCore("wrk", args), { timeout: (seconds + 20) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(stdout);
  if (errors && /Non-2xx/.test(errors[0])) return 0;
  return rps;
}

/** A 1 KiB request body for h2load -d (wrk's POST sends the same size, see wrk/post.lua). */
const POST_BODY = join(mkdtempSync(join(tmpdir(), "purehttp-bench-")), "post-1k");
writeFileSync(POST_BODY, "x".repeat(1024));

async function h2load(port: number, path = "/", data?: string): Promise<number> {
  const args = ["-c16", "-m32", "-D", String(SECONDS), "--warm-up-time=1", ...(data ? ["-d", data] : []), `http://127.0.0.1:${port}${path}`];
  const { stdout } = await run(...onLoadCore("h2load", args), { timeout: (SECONDS + 30) * 1000 });
  const ok = /(\d+) succeeded, (\d+) failed/.exec(stdout);
  if (!ok || Number(ok[2]) > 0) return 0;
  return Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(stdout)?.[1] ?? 0);
}

async function wsLoad(port: number, size: number): Promise<number> {
  const [cmd, args] = command("node", join(BENCH, "load/ws-load.ts"), [`ws://127.0.0.1:${port}/ws`, String(size), String(SECONDS), "16"]);
  // On the load core, as wrk and h2load are: left to float, it shared the server's core.
  const { stdout } = await run(...onLoadCore(cmd, args), { timeout: (SECONDS + 30) * 1000, cwd: ROOT });
  return JSON.parse(stdout.trim().split("\n").at(-1)!).messagesPerSec;
}

/** Runs every profile against every contender, interleaving contenders within each round. */
async function compare(label: string, contenders: Contender[], profiles: Profile[]) {
  const servers = new Map<string, Running | null>();
  for (const c of contenders) {
    try {
      const s = await start(c.runtime, c.script, c.args ?? []);
      pinServer(s.proc.pid);
      servers.set(c.name, s);
    } catch (e) {
      console.log(`  ${c.name}: unavailable (${(e as Error).message.split("\n")[0]!.slice(0, 100)})`);
      servers.set(c.name, null);
    }
  }
  const out: Record<string, Record<string, Stat>> = {};
  try {
    for (const p of profiles) {
      const samples: Record<string, number[]> = {};
      const cpu: Record<string, number[]> = {};
      if (p.warm) {
        for (const c of contenders) {
          const s = servers.get(c.name);
          if (s) await p.warm(s.port).catch(() => 0);
        }
      }
      for (let r = 0; r < ROUNDS; r++) {
        // Each round starts with the next contender: whoever runs right after the heaviest
        // load (the floor's 64 KiB, say) runs while the kernel is still cleaning up after it,
        // and a fixed order put the same contender there every round.
        for (let i = 0; i < contenders.length; i++) {
          const c = contenders[(i + r) % contenders.length]!;
          const s = servers.get(c.name);
          if (!s) continue;
          const before = p.cpuPerUnit ? cpuMicros(s.proc.pid) : null;
          const v = await p.measure(s.port).catch(() => 0);
          const after = before === null ? null : cpuMicros(s.proc.pid);
          (samples[c.name] ??= []).push(v);
          if (v > 0 && before !== null && after !== null) (cpu[c.name] ??= []).push((after - before) / (v * SECONDS));
        }
      }
      const cpuStats = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, stat(v)]));
      // A failed round (errors reported by the generator) scores 0; medians are over the rounds that ran clean.
      out[p.name] = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, {
        ...stat(v.filter((x) => x > 0)),
        failedRounds: v.filter((x) => x === 0).length,
        ...(cpuStats[k] ? { cpuMicrosPerUnit: cpuStats[k] } : {}),
      }]));
      const line = Object.entries(out[p.name]!).map(([k, s]) => `${k} ${Math.round(s.median)} (${Math.round(s.min)}-${Math.round(s.max)})`).join(" | ");
      console.log(`  ${label} ${p.name} [${p.unit}]: ${line}`);
      const cpuLine = Object.entries(cpuStats).map(([k, s]) => `${k} ${s.median.toFixed(1)}`).join(" | ");
      if (cpuLine) console.log(`  ${label} ${p.name} [server CPU us per ${p.unit.split("/")[0]}, medians]: ${cpuLine}`);
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s?.stop()));
  }
  return out;
}

/**
 * A server's resident memory grown by n idle connections from its start (`total`), what
 * each of `more` connections opened beside those added (`marginal`, bytes per
 * connection), and each of `more` opened after those (`steady`: load/idle.ts).
 */
async function idleMemory(c: Contender, n: number, kind: "http" | "ws", more: number): Promise<{ total: number | null; marginal: number | null; steady: number | null }> {
  let s: Running | null = null;
  try {
    s = await start(c.runtime, c.script, c.args ?? []);
    const [cmd, args] = command("node", join(BENCH, "load/idle.ts"), [String(s.port), String(s.proc.pid), String(n), kind, String(more)]);
    const { stdout } = await run(cmd, args, { timeout: 180_000, cwd: ROOT });
    const r = JSON.parse(stdout.trim().split("\n").at(-1)!);
    if (r.opened < n * 0.95) return { total: null, marginal: null, steady: null };
    const bytes = (x: number | null) => (x === null ? null : Math.round(x));
    return { total: r.after - r.before, marginal: bytes(r.marginal), steady: bytes(r.steady) };
  } catch {
    return { total: null, marginal: null, steady: null };
  } finally {
    await s?.stop();
  }
}

/**
 * Resident memory under connection churn: 50 clients opening a connection per request
 * (`wrk -c50 -H "Connection: close"`), three 10-second rounds into one server; the
 * server's VmRSS after the last. It plateaus rather than grows: it is what each
 * connection allocates and how long that stays reachable (bench/README.md).
 */
async function churnMemory(c: Contender): Promise<number | null> {
  let s: Running | null = null;
  try {
    s = await start(c.runtime, c.script, c.args ?? []);
    pinServer(s.proc.pid);
    for (let i = 0; i < 3; i++) {
      const args = ["-t1", "-c50", "-d10s", "--timeout", "5s", "-H", "Connection: close", `http://127.0.0.1:${s.port}/`];
      await run(...onLoadCore("wrk", args), { timeout: 40_000 });
    }
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${s.proc.pid}/status`, "utf8"))![1]) * 1024;
  } catch {
    return null;
  } finally {
    await s?.stop();
  }
}

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) },
  settings: { seconds: SECONDS, rounds: ROUNDS, pinned: PIN, node: process.version },
  runtimes: {},
};

for (const rt of RUNTIMES) {
  const versions = { node: process.version };
  console.log(`\n== ${rt}`);
  const r: Record<string, unknown> = {};
  const pure: Contender = { name: "purehttp", script: "bench/servers/purehttp.ts", runtime: rt };
  const native: Contender = { name: rt === "node" ? "node:http" : rt === "deno" ? "Deno.serve" : "Bun.serve", script: "bench/servers/native.ts", runtime: rt };
  // What Node users run for Fetch handlers, beside raw node:http.
  const hono: Contender = { name: "@hono/node-server", script: "bench/servers/hono-node.ts", runtime: rt };
  const floor: Contender = { name: "floor", script: "bench/servers/floor.ts", runtime: rt };
  const before: Contender[] = BASELINE ? [{ name: "purehttp@baseline", script: "bench/servers/purehttp.ts", args: ["--tree", BASELINE], runtime: rt }] : [];
  if (SUITES.has("h1")) {
    r.h1 = await compare("h1", rt === "node" ? [pure, ...before, native, hono, floor] : [pure, ...before, native, floor], [
      wrkProfile("hello", "/"),
      wrkProfile("post-1k", "/echo", "post.lua"),
      wrkProfile("get-64k", "/64k"),
      wrkProfile("pipeline-16", "/", "pipeline.lua"),
    ]);
  }
  if (SUITES.has("h2")) {
    const h2native: Contender = { name: `node:http2 on ${rt}`, script: "bench/servers/native.ts", args: ["--h2", "1"], runtime: rt };
    r.h2 = await compare("h2", [pure, ...before, h2native], [
      { name: "16x32 streams", unit: "req/s", measure: (p) => h2load(p) },
      { name: "post-1k 16x32", unit: "req/s", measure: (p) => h2load(p, "/echo", POST_BODY) },
    ]);
  }
  if (SUITES.has("workers")) {
    // One and two processes on one port: purehttp's --workers way (reusePort, or node:cluster
    // on a Node without it) beside the native server scaled out the same way. Only the
    // launcher is pinned: the workers run where the kernel puts them (see bench/README.md).
    const w = (server: string, n: number, name: string, h2 = false): Contender => ({
      name, script: "bench/servers/workers.ts", args: ["--server", server, "--workers", String(n), ...(h2 ? ["--h2", "1"] : [])], runtime: rt,
    });
    r.workers = await compare("workers", [w("purehttp", 1, "purehttp x1"), w("purehttp", 2, "purehttp x2"), w("native", 1, `${native.name} x1`), w("native", 2, `${native.name} x2`)], [
      wrkProfile("hello", "/"),
    ]);
    r.workersH2 = await compare("workers h2", [w("purehttp", 1, "purehttp x1"), w("purehttp", 2, "purehttp x2"), w("native", 1, "node:http2 x1", true), w("native", 2, "node:http2 x2", true)], [
      { name: "16x32 streams", unit: "req/s", measure: (p) => h2load(p) },
    ]);
  }
  if (SUITES.has("ws")) {
    r.ws = await compare("ws", [pure, ...before, { ...native, name: rt === "node" ? "ws (npm)" : native.name }], [
      { name: "echo 64 B", unit: "msg/s", measure: (p) => wsLoad(p, 64) },
      { name: "echo 64 KiB", unit: "msg/s", measure: (p) => wsLoad(p, 65536) },
    ]);
  }
  if (SUITES.has("mem")) {
    const mem: Record<string, unknown> = {};
    // Two batches of 4k more HTTP connections beside the 10k (the load's process stays
    // under 20k descriptors), two of 1k more WebSockets beside the 1k.
    for (const c of [pure, native]) {
      const http = await idleMemory(c, 10_000, "http", 4_000);
      const ws = await idleMemory(c, 1_000, "ws", 1_000);
      mem[c.name] = {
        bytesPer10kIdleHttp: http.total,
        bytesPer1kIdleWs: ws.total,
        marginalPerIdleHttp: http.marginal,
        marginalPerIdleWs: ws.marginal,
        steadyPerIdleHttp: http.steady,
        steadyPerIdleWs: ws.steady,
        rssAfterChurn: await churnMemory(c),
      };
    }
    // What the runtime's sockets cost with no HTTP stack at all: the floor keeps its idle
    // connections with no state but a scan position, and under churn ends each connection
    // after its answer. It speaks no WebSocket.
    const floorHttp = await idleMemory(floor, 10_000, "http", 4_000);
    mem.floor = {
      bytesPer10kIdleHttp: floorHttp.total,
      bytesPer1kIdleWs: null,
      marginalPerIdleHttp: floorHttp.marginal,
      marginalPerIdleWs: null,
      steadyPerIdleHttp: floorHttp.steady,
      steadyPerIdleWs: null,
      rssAfterChurn: await churnMemory({ ...floor, args: ["--close", "1"] }),
    };
    r.memory = mem;
    console.log(`  memory: ${JSON.stringify(mem)}`);
  }
  (results.runtimes as Record<string, unknown>)[rt] = r;
  void versions;
}

/** The share of CPU time the machine spent idle over `ms` (from /proc/stat; 1 where there is none). */
async function idleShare(ms: number): Promise<number> {
  const sample = () => {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3]! + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = sample();
    await new Promise((r) => setTimeout(r, ms));
    const b = sample();
    return (b.idle - a.idle) / Math.max(1, b.total - a.total);
  } catch {
    return 1;
  }
}

if (SUITES.has("micro")) {
  // In-process numbers are ratios of runs a second apart: wait (up to 30 s) until what the
  // load suites left behind (servers closing 10,000 connections, say) has finished.
  for (let i = 0; i < 30 && (await idleShare(1000)) < 0.9; i++);
  const [cmd, args] = command("node", join(BENCH, "micro/micro.ts"), []);
  const { stdout } = await run(cmd, args, { timeout: 300_000, cwd: ROOT });
  results.micro = JSON.parse(stdout.trim().split("\n").at(-1)!);
  console.log(`\n== micro (node)\n${JSON.stringify(results.micro, null, 1)}`);
  // The facade's cost per request without sockets, on each runtime: median of the rounds.
  const facade: Record<string, Record<string, number>> = {};
  for (const rt of RUNTIMES) {
    facade[rt] = {};
    for (const mode of ["hello", "empty"]) {
      const us: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const [c, a] = command(rt, join(BENCH, "micro/facade.ts"), ["--mode", mode, "--seconds", String(SECONDS)]);
        const out = await run(c, a, { timeout: (SECONDS + 30) * 1000, cwd: ROOT });
        us.push(JSON.parse(out.stdout.trim().split("\n").at(-1)!).usPerRequest);
      }
      facade[rt]![mode] = stat(us).median;
    }
  }
  (results.micro as Record<string, unknown>).facadeUsPerRequest = facade;
  console.log(`  facade, us per request in process: ${JSON.stringify(facade)}`);
}

// Ratios: purehttp over native and over the floor, per profile.
const ratios: Record<string, Record<string, number>> = {};
for (const [rt, r] of Object.entries(results.runtimes as Record<string, Record<string, Record<string, Record<string, Stat>>>>)) {
  for (const suite of ["h1", "h2", "ws"]) {
    for (const [profile, byName] of Object.entries(r[suite] ?? {})) {
      const p = byName.purehttp?.median ?? 0;
      const others = Object.entries(byName).filter(([k]) => k !== "purehttp");
      for (const [k, s] of others) (ratios[`${rt} ${suite} ${profile}`] ??= {})[`/${k}`] = s.median ? p / s.median : 0;
    }
  }
}
// Workers: each purehttp row over the native server with as many processes, and two over one.
for (const [rt, r] of Object.entries(results.runtimes as Record<string, Record<string, Record<string, Record<string, Stat>>>>)) {
  for (const suite of ["workers", "workersH2"]) {
    for (const [profile, byName] of Object.entries(r[suite] ?? {})) {
      const m = (k: string) => byName[k]?.median ?? 0;
      const names = Object.keys(byName);
      const nat = (n: number) => names.find((k) => !k.startsWith("purehttp") && k.endsWith(`x${n}`)) ?? "";
      const row: Record<string, number> = {};
      for (const n of [1, 2]) if (nat(n) && m(nat(n))) row[`x${n} /${nat(n)}`] = m(`purehttp x${n}`) / m(nat(n));
      if (m("purehttp x1")) row["purehttp x2 /x1"] = m("purehttp x2") / m("purehttp x1");
      if (m(nat(1)) && m(nat(2))) row[`${nat(2)} /x1`] = m(nat(2)) / m(nat(1));
      ratios[`${rt} ${suite} ${profile}`] = row;
    }
  }
}
results.ratios = ratios;
console.log("\n== ratios (purehttp / other, medians)");
for (const [k, v] of Object.entries(ratios)) console.log(`  ${k}: ${Object.entries(v).map(([n, x]) => `${n} ${x.toFixed(2)}`).join("  ")}`);

mkdirSync(join(BENCH, "results"), { recursive: true });
const stamp = (results.date as string).slice(0, 10);
const complete = RUNTIMES.length === 3 && SUITES.size === 5;
// Only a complete run replaces the results the README shows; a partial one is kept beside them.
// A partial run is named by what it ran, so that another on the same day does not replace it.
const suitesRun = [...SUITES].sort().join("+");
const name = complete ? stamp : `partial-${stamp}-${RUNTIMES.join("-")}${RUNTIMES.includes("node") ? `-node${process.versions.node.split(".")[0]}` : ""}-${suitesRun}`;
writeFileSync(join(BENCH, "results", `${name}.json`), JSON.stringify(results, null, 2));
if (complete) {
  writeFileSync(join(BENCH, "results", "latest.json"), JSON.stringify(results, null, 2));
  writeFileSync(join(BENCH, "results", "chart.svg"), drawChart(results));
  writeFileSync(join(BENCH, "results", "summary.md"), summary(results));
}
console.log(complete ? `\nwrote bench/results/${stamp}.json, latest.json, chart.svg and summary.md` : `\nwrote bench/results/${name}.json (partial run: latest.json and the chart are kept)`);
