/**
 * Connections that a client resets before the server has accepted them (a balancer's
 * probe, a port scanner) must not stop the server accepting: Deno's accept() throws for
 * them, and that used to end the accept loop and, with nothing left to do, the process.
 */
import * as net from "node:net";
import { describe, expect, it } from "vitest";
import { RUNTIMES, start } from "../helpers/runtimes.ts";

describe.each(RUNTIMES)("connections reset before accept, on %s", (runtime) => {
  it("1,000 connections reset at once, then the server still answers", async () => {
    const app = await start(runtime, "src/cli.ts", ["echo", "--port", "0"]);
    try {
      for (let round = 0; round < 20; round++) {
        await Promise.all(Array.from({ length: 50 }, () => new Promise<void>((r) => {
          const s = net.connect(app.port, "127.0.0.1", () => {
            s.resetAndDestroy();
            r();
          });
          s.on("error", () => r());
        })));
      }
      expect(await (await fetch(`${app.url}/hello`)).text()).toBe("Hello World");
      expect(app.proc.exitCode).toBeNull();
    } finally {
      await app.stop();
    }
  }, 60_000);
});
