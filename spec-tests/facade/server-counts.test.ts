/**
 * Bun's `server.pendingRequests` and `server.pendingWebSockets`, and Deno's
 * `await using` disposal, over the fake transport.
 */
import { expect, it } from "vitest";
import { serve, upgradeWebSocket } from "../../src/mod.ts";
import { WS_HANDSHAKE, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";
import { closeFrame } from "../helpers/ws.ts";

const start = fakeServerPerTest();

it("pendingRequests counts requests not yet answered; pendingWebSockets open sockets", async () => {
  const release: (() => void)[] = [];
  const { server, connect } = await start((req) => {
    if (req.headers.get("upgrade") === "websocket") return upgradeWebSocket(req).response;
    return new Promise<Response>((r) => release.push(() => r(new Response("done"))));
  });
  expect([server.pendingRequests, server.pendingWebSockets]).toEqual([0, 0]);
  const a = connect();
  const b = connect();
  a.handler.data(Buffer.from("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  b.handler.data(Buffer.from("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n"));
  await settle();
  expect(server.pendingRequests).toBe(3);
  release.shift()!();
  await settle();
  expect(server.pendingRequests).toBe(2);
  const ws = connect();
  ws.handler.data(WS_HANDSHAKE);
  await settle();
  expect(server.pendingWebSockets).toBe(1);
  expect(server.pendingRequests).toBe(2);
  ws.handler.data(closeFrame(1000));
  await settle();
  expect(server.pendingWebSockets).toBe(0);
  for (const r of release.splice(0)) r();
  await settle();
  expect(server.pendingRequests).toBe(0);
});

it("await using shuts the server down at the end of the scope", async () => {
  let finished = false;
  {
    await using server = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => new Response("x"));
    await server.listening;
    server.finished.then(() => (finished = true));
  }
  expect(finished).toBe(true);
});
