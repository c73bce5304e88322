/**
 * The Request a handler gets behaves as the runtime's own Request: on Node and Deno a
 * stand-in that builds the real one on first need (facade/lazy-request.ts), on Bun the
 * real one. request-check.ts holds the comparisons; here it runs on all three runtimes.
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
      // Node's undici and Deno keep Request state under symbols we can forward; Bun's Request is native.
      expect(result.lazy).toBe(rt !== "bun");
    }, 90_000);
  }
});
