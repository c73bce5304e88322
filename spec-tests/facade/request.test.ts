/**
 * The Request a handler gets behaves as the runtime's own Request: a stand-in that
 * builds the real one on first need (facade/lazy-request.ts; on Node 24 and later and on
 * Bun with the Request class serve() installs, facade/request-class.ts). request-check.ts holds the comparisons; here it runs on all three runtimes.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT, RUNTIMES, command } from "../helpers/runtimes.ts";

const run = promisify(execFile);

describe("the handler's Request matches the runtime's Request", () => {
  for (const rt of RUNTIMES) {
    it(`on ${rt}`, async () => {
      const [cmd, args] = command(rt, join(ROOT, "spec-tests/facade/request-check.ts"), []);
      const { stdout } = await run(cmd, args, { cwd: ROOT, timeout: 60_000 });
      const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
      expect(result.failures).toEqual([]);
      // Deno and Node 20/22's undici keep Request state under symbols we can forward; Node 24's
      // undici keeps it in private fields and Bun's Request is native: there, left alone, every
      // Request is made eagerly (the self-test in lazy-request.ts decides, and this says which
      // path it took).
      expect(result.lazy).toBe(rt === "deno" || (rt === "node" && nodeMajor < 24));
      // Deno's Headers can be made lazy as Deno.serve makes a request's (request-headers.ts):
      // the fields are handed over without a list until one is needed. Elsewhere, appends.
      expect(result.lazyHeaders).toBe(rt === "deno");
    }, 90_000);
  }

  // What serve() does by default on Node 24 and later and on Bun: the Request class and fetch
  // that take a stand-in (facade/request-class.ts), so that the handler's Request is one there too.
  for (const rt of ["node", "bun"] as const) {
    it(`on ${rt}, with the Request class serve() installs where the runtime cannot read a stand-in itself`, async () => {
      const [cmd, args] = command(rt, join(ROOT, "spec-tests/facade/request-check.ts"), ["install"]);
      const { stdout } = await run(cmd, args, { cwd: ROOT, timeout: 60_000 });
      const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
      expect(result.failures).toEqual([]);
      expect(result.lazy).toBe(true);
    }, 90_000);
  }
});

/** The "node" runtime of the peer tests is the Node running the tests. */
const nodeMajor = Number(process.versions.node.split(".")[0]);
