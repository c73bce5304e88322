/**
 * `purehttp serve MODULE`: a module's default export served as `deno serve` and `bun`
 * serve one, on Node, Deno and Bun; a module without one is refused with the reason.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT, RUNTIMES, command, start } from "../helpers/runtimes.ts";

const run = promisify(execFile);

describe.each(RUNTIMES)("purehttp serve on %s", (runtime) => {
  it("serves the default export's fetch and routes", async () => {
    const app = await start(runtime, "src/cli.ts", ["serve", "spec-tests/peers/default-export-app.ts", "--port", "0"]);
    try {
      expect(await (await fetch(`${app.url}/x`)).text()).toBe("fetch /x");
      expect(await (await fetch(`${app.url}/items/5`)).json()).toEqual({ id: "5" });
    } finally {
      await app.stop();
    }
  });

  it("a module without a default export to serve exits 2 with the reason", async () => {
    const [cmd, args] = command(runtime, join(ROOT, "src/cli.ts"), ["serve", "spec-tests/helpers/runtimes.ts", "--port", "0"]);
    const err = await run(cmd, args, { cwd: ROOT, timeout: 30_000 }).catch((e) => e as { code: number; stderr: string });
    expect(err.code).toBe(2);
    expect(err.stderr).toContain("has no default export with a fetch function or routes");
  });
});
