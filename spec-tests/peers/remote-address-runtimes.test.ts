/**
 * The peer's address on every runtime, over real sockets with node:net as the client:
 * the handler's info.remoteAddr and server.requestIP name the client's own address and
 * port, also when first read after the client has gone (the transports make the address
 * only when asked, and must have kept the port: Bun and node:net forget it once closed),
 * and a Bun-style WebSocket's remoteAddress is the client's host.
 */
import * as net from "node:net";
import { describe, expect, it } from "vitest";
import { RUNTIMES } from "../helpers/runtimes.ts";
import { serverForSuite } from "../helpers/server-suite.ts";

/** Opens a connection; resolves with the socket and its local port once connected. */
async function connect(port: number): Promise<{ sock: net.Socket; localPort: number }> {
  const sock = net.connect(port, "127.0.0.1");
  await new Promise((r) => sock.once("connect", r));
  return { sock, localPort: sock.localPort! };
}

/** Everything the server sends until `done` says it is enough. */
function readUntil(sock: net.Socket, done: (s: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    sock.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      if (done(got)) resolve(got);
    });
    sock.on("error", reject);
  });
}

describe.each(RUNTIMES)("the peer's address on %s", (runtime) => {
  const server = serverForSuite(runtime, "spec-tests/peers/remote-address-app.ts");

  it("info.remoteAddr and server.requestIP name the client's address and port", async () => {
    const { sock, localPort } = await connect(server().port);
    sock.write("GET /now HTTP/1.1\r\nHost: t\r\n\r\n");
    const reply = await readUntil(sock, (s) => s.endsWith("}"));
    sock.destroy();
    const body = JSON.parse(reply.split("\r\n\r\n")[1]!);
    expect(body).toEqual({ info: { hostname: "127.0.0.1", port: localPort }, ip: { address: "127.0.0.1", port: localPort } });
  });

  it("info.remoteAddr first read after the client has gone still names its port", async () => {
    const { sock, localPort } = await connect(server().port);
    sock.write("GET /late HTTP/1.1\r\nHost: t\r\n\r\n");
    await new Promise((r) => setTimeout(r, 200));
    sock.destroy();
    let late = "none";
    for (const end = Date.now() + 3000; late === "none" && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 50));
      late = await (await fetch(`http://127.0.0.1:${server().port}/late-state`)).text();
    }
    expect(JSON.parse(late)).toEqual({ hostname: "127.0.0.1", port: localPort });
  });

  it("a Bun-style WebSocket's remoteAddress is the client's host", async () => {
    const { sock } = await connect(server().port);
    sock.write("GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    const got = await readUntil(sock, (s) => s.includes("\r\n\r\n") && s.split("\r\n\r\n")[1]!.length >= 2 + "127.0.0.1".length);
    sock.destroy();
    const frame = got.split("\r\n\r\n")[1]!;
    expect(got.startsWith("HTTP/1.1 101")).toBe(true);
    expect([frame.charCodeAt(0), frame.charCodeAt(1), frame.slice(2)]).toEqual([0x81, 9, "127.0.0.1"]);
  });
});
