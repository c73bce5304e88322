/**
 * An app moving over by one import must not notice: the same code (server-object-app.ts)
 * runs under Deno.serve and under purehttp on Deno, under Bun.serve and under purehttp on
 * Bun, and what it sees of the server object must be the same.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT, command } from "../helpers/runtimes.ts";

const run = promisify(execFile);
const APP = join(ROOT, "spec-tests/peers/server-object-app.ts");

async function see(runtime: "deno" | "bun", which: "native" | "purehttp") {
  const [cmd, args] = command(runtime, APP, [which]);
  const { stdout } = await run(cmd, args, { cwd: ROOT, timeout: 30_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

describe("the server object, native and purehttp, with the same app", () => {
  for (const runtime of ["deno", "bun"] as const) {
    it(`${runtime}: every member the app reads is the same`, async () => {
      const [native, pure] = await Promise.all([see(runtime, "native"), see(runtime, "purehttp")]);
      expect(pure).toEqual(native);
      expect(native.fetched).toBe("hi /x"); // the app itself ran
    });
  }
});
