/**
 * The `purehttp` command line on Node, Deno and Bun: help, version, the exit codes the
 * README documents (0 done, 1 cannot start, 2 a command line it cannot use), and
 * --trace on a running server.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT, RUNTIMES, command, start } from "../helpers/runtimes.ts";

const exec = promisify(execFile);

async function cli(runtime: (typeof RUNTIMES)[number], args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, argv] = command(runtime, join(ROOT, "src/cli.ts"), args);
  try {
    const { stdout, stderr } = await exec(cmd, argv, { cwd: ROOT, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;

describe.each(RUNTIMES)("purehttp command line on %s", (runtime) => {
  it("--help and help list the commands; help COMMAND and COMMAND --help give its options; exit 0", async () => {
    for (const args of [["--help"], ["help"], ["-h"]]) {
      const r = await cli(runtime, args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^usage: purehttp COMMAND/);
      for (const c of ["echo", "serve MODULE", "static [DIR]", "help [COMMAND]"]) expect(r.stdout).toContain(c);
    }
    const st = await cli(runtime, ["help", "static"]);
    expect([st.code, st.stdout]).toEqual([0, expect.stringContaining("--listing")]);
    const echo = await cli(runtime, ["echo", "--help"]);
    expect([echo.code, echo.stdout]).toEqual([0, expect.stringContaining("usage: purehttp echo")]);
    expect(echo.stdout).toContain("--trace[=json]");
  });

  it("--version prints the package's version; exit 0", async () => {
    expect(await cli(runtime, ["--version"])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it.each([
    [[], "no command"],
    [["bogus"], "unknown command bogus"],
    [["--bogus"], "unknown option --bogus"],
    [["echo", "--bogus"], "unknown option --bogus"],
    [["echo", "--port"], "--port needs a value"],
    [["echo", "--port", "70000"], "invalid port 70000"],
    [["echo", "--listing"], "unknown option --listing"],
    [["echo", "--tls-cert", "x.pem"], "--tls-cert and --tls-key go together"],
    [["echo", "--trace=yaml"], '--trace takes "text" or "json"'],
    [["static", "/nonexistent-dir"], "no directory /nonexistent-dir"],
    [["help", "bogus"], "no command bogus"],
  ])("%j exits 2, says why and prints the usage", async (args, why) => {
    const r = await cli(runtime, args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(why);
    expect(r.stderr).toContain("usage: purehttp");
  });

  it("a server that cannot start exits 1 with the reason (an unreadable TLS file, a port in use)", async () => {
    const tls = await cli(runtime, ["echo", "--port", "0", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.pem"]);
    expect(tls.code).toBe(1);
    expect(tls.stderr).toContain("cannot read /nonexistent.pem");
    const first = await start(runtime, "src/cli.ts", ["echo", "--port", "0"]);
    try {
      const taken = await cli(runtime, ["echo", "--port", String(first.port)]);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain(`cannot listen on 127.0.0.1:${first.port}`);
    } finally {
      await first.stop();
    }
  });

  it("--trace prints each request, response and HTTP/2 frame to stderr; --trace=json prints JSON lines", async () => {
    const text = await start(runtime, "src/cli.ts", ["echo", "--port", "0", "--trace"]);
    try {
      await exec("curl", ["-s", `${text.url}/hello`]);
      await exec("nghttp", ["-n", `${text.url}/hello`]);
      await new Promise((r) => setTimeout(r, 200));
      const out = text.output();
      expect(out).toMatch(/recv h1 {2}GET \/hello HTTP\/1\.1/);
      expect(out).toMatch(/send h1 {2}HTTP\/1\.1 200/);
      expect(out).toMatch(/recv h2 {2}HEADERS frame <length=\d+; flags=END_STREAM\|END_HEADERS(\|PRIORITY)?; stream=13>/);
      expect(out).toMatch(/:path: \/hello {2}\((indexed|incremental|without-indexing|never-indexed)\)/);
      expect(out).toMatch(/send h2 {2}DATA frame <length=11; flags=END_STREAM; stream=13>/);
    } finally {
      await text.stop();
    }
    const json = await start(runtime, "src/cli.ts", ["echo", "--port", "0", "--trace=json"]);
    try {
      await exec("curl", ["-s", `${json.url}/hello`]);
      await new Promise((r) => setTimeout(r, 200));
      const events = json.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
      expect(events).toContainEqual(expect.objectContaining({ proto: "h1", event: "request", method: "GET", target: "/hello" }));
      expect(events).toContainEqual(expect.objectContaining({ proto: "h1", event: "response", status: 200 }));
    } finally {
      await json.stop();
    }
  });
});
