/**
 * A client that goes away while its handler is at work: request.signal aborts, over
 * HTTP/1.1 and HTTP/2, whether the client closes its side (a FIN, as curl does on a
 * timeout) or resets the connection (RST), before the response has started (/slow, whose
 * handler waits on the signal) and while it streams (/forever). On Node, Deno and Bun.
 */
import { execFile } from "node:child_process";
import * as net from "node:net";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { literalBlock } from "../helpers/h2.ts";
import { RUNTIMES } from "../helpers/runtimes.ts";
import { useEchoAndFixture } from "../helpers/suite.ts";

const run = promisify(execFile);

/** The request on the wire: HTTP/1.1 text, or the HTTP/2 preface, SETTINGS and one HEADERS (HPACK literals written by hand). */
function request(protocol: "h1" | "h2", path: string): Buffer {
  if (protocol === "h1") return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  const block = literalBlock([[":method", "GET"], [":scheme", "http"], [":path", path], [":authority", "x"]]);
  const head = Buffer.from([0, 0, block.length, 1, 5, 0, 0, 0, 1]);
  return Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), head, block]);
}

describe.each(RUNTIMES)("a client that goes away, on %s", (runtime) => {
  const servers = useEchoAndFixture(runtime);
  const counts = async () => JSON.parse((await run("curl", ["-s", `${servers.fx.url}/aborted`])).stdout) as { aborted: number; slow: number };

  for (const protocol of ["h1", "h2"] as const) {
    for (const how of ["FIN", "RST"] as const) {
      for (const when of ["before the response", "during the response"] as const) {
        it(`${protocol}: ${how} ${when} aborts request.signal`, async () => {
          const path = when === "before the response" ? "/slow" : "/forever";
          const counter = path === "/slow" ? "slow" : "aborted";
          const before = (await counts())[counter];
          const socket = net.connect(servers.fx.port, "127.0.0.1");
          socket.on("error", () => {});
          await new Promise((r) => socket.once("connect", r));
          socket.write(request(protocol, path));
          // Before: the handler is at work (the server's preface or nothing has come back yet). During: bytes of the body came.
          if (when === "during the response") {
            await new Promise<void>((r) => {
              let seen = "";
              socket.on("data", (d) => {
                seen += d.toString("latin1");
                if (seen.includes("tick")) r();
              });
            });
          } else await new Promise((r) => setTimeout(r, 300));
          if (how === "FIN") socket.end();
          else socket.resetAndDestroy();
          let now = before;
          for (let i = 0; i < 50 && now === before; i++) {
            await new Promise((r) => setTimeout(r, 100));
            now = (await counts())[counter];
          }
          expect(now).toBe(before + 1);
          socket.destroy();
        });
      }
    }
  }
});
