/** A server started before a describe block's tests and stopped after them. */
import { afterAll, beforeAll } from "vitest";
import { type Running, type Runtime, start } from "./runtimes.ts";

/** Starts `script` on `runtime` for the enclosing describe block; call the result for the running server. */
export function serverForSuite(runtime: Runtime, script: string, args: string[] = []): () => Running {
  let server: Running | undefined;
  beforeAll(async () => {
    server = await start(runtime, script, args);
  }, 40_000);
  afterAll(() => server?.stop());
  return () => server!;
}
