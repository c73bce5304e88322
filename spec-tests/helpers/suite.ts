/** Server lifecycles for vitest suites (kept out of runtimes.ts, which the bench also imports). */
import { afterAll, beforeAll } from "vitest";
import { type Runtime, type Running, startEchoAndFixture } from "./runtimes.ts";

/**
 * The echo and fixture servers on one runtime for the enclosing describe block:
 * started before its tests, stopped after. Read them as `servers.echo`, `servers.fx`
 * inside the tests (they exist once beforeAll has run).
 */
export function useEchoAndFixture(runtime: Runtime): { readonly echo: Running; readonly fx: Running } {
  const servers = {} as { echo: Running; fx: Running };
  beforeAll(async () => {
    Object.assign(servers, await startEchoAndFixture(runtime));
  });
  afterAll(async () => {
    await Promise.all([servers.echo?.stop(), servers.fx?.stop()]);
  });
  return servers;
}
