/**
 * The Response class serve() installs, on Node, Deno and Bun: each runtime runs
 * response-class-check.ts, which compares what a handler can see of ours with the
 * runtime's own Response made the same way (members, fields, bytes, refusals, clone,
 * subclassing), for lazy ones (at most a status) and the others.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT, RUNTIMES, command } from "../helpers/runtimes.ts";

const run = promisify(execFile);

describe.each(RUNTIMES)("the Response class on %s", (runtime) => {
  it("is installed by serve() and answers as the runtime's own Response", async () => {
    const [cmd, args] = command(runtime, `${ROOT}/spec-tests/peers/response-class-check.ts`, []);
    const { stdout } = await run(cmd, args, { cwd: ROOT, timeout: 60_000 });
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(result).toEqual({ mode: "hold", differences: [] });
  }, 90_000);
});
