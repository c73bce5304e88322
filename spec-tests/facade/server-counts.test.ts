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

it("the default port follows the calling style: Deno's 8000, Bun's $BUN_PORT / $PORT / $NODE_PORT or 3000", async () => {
  const saved = { BUN_PORT: process.env.BUN_PORT, PORT: process.env.PORT, NODE_PORT: process.env.NODE_PORT };
  const portOf = async (make: () => ReturnType<typeof serve>) => {
    const server = make();
    const port = server.port; // the configured one, before the socket is bound
    await server.stop(true);
    return port;
  };
  const fetch = () => new Response("x");
  try {
    delete process.env.BUN_PORT;
    delete process.env.PORT;
    delete process.env.NODE_PORT;
    const opts = { hostname: "127.0.0.1", onListen() {} };
    expect(await portOf(() => serve(opts, fetch))).toBe(8000);
    expect(await portOf(() => serve({ ...opts, handler: fetch }))).toBe(8000);
    expect(await portOf(() => serve({ ...opts, fetch }))).toBe(3000);
    expect(await portOf(() => serve({ ...opts, routes: { "/": fetch } }))).toBe(3000);
    process.env.NODE_PORT = "3456";
    expect(await portOf(() => serve({ ...opts, fetch }))).toBe(3456);
    process.env.PORT = "4567";
    expect(await portOf(() => serve({ ...opts, fetch }))).toBe(4567);
    expect(await portOf(() => serve({ ...opts, fetch, port: 0 }))).toBe(0);
    expect(await portOf(() => serve(opts, fetch))).toBe(8000);
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
});

it("using stops the server at the end of the scope, closing a connection whose request is still in flight, as Bun's does", async () => {
  const net = await import("node:net");
  let finished = false;
  let clientClosed = false;
  {
    using server = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => new Promise<Response>(() => {}));
    await server.listening;
    server.finished.then(() => (finished = true));
    const socket = net.connect(server.port, "127.0.0.1");
    socket.on("close", () => (clientClosed = true));
    socket.on("error", () => {});
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await settle(50);
    expect(server.pendingRequests).toBe(1);
  }
  await settle(200);
  expect([finished, clientClosed]).toEqual([true, true]);
});

it("on Node the address is known once `listening` resolves; a port in use rejects it", async () => {
  const a = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => new Response("x"));
  const addr = await a.listening;
  expect(a.port).toBe(addr.port);
  expect(a.url.href).toBe(`http://127.0.0.1:${addr.port}/`);
  expect(a.address).toEqual({ address: "127.0.0.1", family: "IPv4", port: addr.port });
  const b = serve({ port: addr.port, hostname: "127.0.0.1", onListen() {} }, () => new Response("x"));
  await expect(b.listening).rejects.toThrow(/EADDRINUSE/);
  await a.stop(true);
});
