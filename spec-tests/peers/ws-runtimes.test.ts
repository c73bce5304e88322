/**
 * WebSocket end to end on Node, Deno and Bun servers, with clients we did not
 * write: Python's websockets, Deno's and Bun's built-in WebSocket, headless Chromium.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { raw } from "../helpers/raw.ts";
import { ROOT, RUNTIMES, command } from "../helpers/runtimes.ts";
import { useEchoAndFixture } from "../helpers/suite.ts";

const run = promisify(execFile);
const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const handshake = (path: string, extra = "") =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

/** Opens a raw WebSocket and returns the socket once the 101 has arrived. */
function rawWs(port: number, path: string): Promise<net.Socket> {
  return new Promise((res, rej) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(handshake(path)));
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString("latin1");
      if (buf.includes("\r\n\r\n")) {
        s.off("data", onData);
        res(s);
      }
    };
    s.on("data", onData);
    s.on("error", rej);
  });
}

function maskedText(s: string): Buffer {
  const p = Buffer.from(s);
  const key = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([Buffer.from([0x81, 0x80 | p.length]), key, Buffer.from(p.map((b, i) => b ^ key[i & 3]!))]);
}

describe.each(RUNTIMES)("WebSocket on %s", (runtime) => {
  const servers = useEchoAndFixture(runtime);

  it("Python websockets: text, binary, 16 MiB, fragments, ping, close, and 1,000 concurrent sockets", async () => {
    const { stdout } = await run("/usr/bin/python3", [join(ROOT, "spec-tests/peers/ws_client.py"), `ws://127.0.0.1:${servers.echo.port}/ws`, "1000"], { timeout: 90_000, maxBuffer: 1 << 20 });
    expect(JSON.parse(stdout)).toEqual({
      subprotocol: "chat", text: "héllo €", binary: [0, 1, 255], big_ok: true, fragmented: "fragmented ü", pong: true, close_code: 1000, many_ok: true,
    });
  }, 120_000);

  it("a text message that begins with a BOM (U+FEFF) comes back as sent: Deno-style, Bun-style, compressed", async () => {
    const { fx } = servers;
    const urls = [`ws://127.0.0.1:${servers.echo.port}/ws`, `ws://127.0.0.1:${fx.port}/bun-ws`, `ws://127.0.0.1:${fx.port}/ws-deflate`];
    const { stdout } = await run("/usr/bin/python3", [join(ROOT, "spec-tests/peers/ws_bom_client.py"), ...urls], { timeout: 30_000 });
    const whole = [true, true, true, true];
    expect(JSON.parse(stdout)).toEqual({
      ws: { extensions: null, echoed: whole },
      "bun-ws": { extensions: null, echoed: whole },
      "ws-deflate": { extensions: "permessage-deflate; server_no_context_takeover", echoed: whole },
    });
  });

  for (const client of ["deno", "bun"] as const) {
    it(`${client}'s built-in WebSocket client`, async () => {
      const [cmd, args] = command(client, join(ROOT, "spec-tests/peers/ws-runtime-client.ts"), [`ws://127.0.0.1:${servers.echo.port}/ws`]);
      const { stdout } = await run(cmd, args, { timeout: 60_000 });
      expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({
        protocol: "chat", extensions: "", text: "hi ✓", binary: [9, 8, 7], big: true, close: { code: 4000, reason: "bye", clean: true },
      });
    }, 90_000);
  }

  it("Bun's built-in WebSocket client with permessage-deflate (it offers it; Deno's does not)", async () => {
    const [cmd, args] = command("bun", join(ROOT, "spec-tests/peers/ws-runtime-client.ts"), [`ws://127.0.0.1:${servers.fx.port}/ws-deflate`]);
    const { stdout } = await run(cmd, args, { timeout: 60_000 });
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({
      protocol: "chat", extensions: "permessage-deflate; server_no_context_takeover", text: "hi ✓", binary: [9, 8, 7], big: true,
      close: { code: 4000, reason: "bye", clean: true },
    });
  }, 90_000);

  it("handshake errors: 400 for a bad key or HTTP/1.0, 426 for a wrong version, with a reason", async () => {
    const bad = await raw(servers.echo.port, handshake("/ws").replace(KEY, "short"));
    expect(bad).toMatch(/^HTTP\/1\.1 400 /);
    const http10 = await raw(servers.echo.port, handshake("/ws").replace("HTTP/1.1", "HTTP/1.0"));
    expect(http10).toMatch(/^HTTP\/1\.1 400 /);
    expect(http10).toContain("needs HTTP/1.1");
    const ver = await raw(servers.echo.port, handshake("/ws").replace("Version: 13", "Version: 8"));
    expect(ver).toMatch(/^HTTP\/1\.1 426 /);
    expect(ver).toMatch(/sec-websocket-version: 13/i);
  });

  it("a protocol error gets a Close with 1002 and the connection ends", async () => {
    const s = await rawWs(servers.echo.port, "/ws");
    const got = new Promise<Buffer>((res) => {
      const parts: Buffer[] = [];
      s.on("data", (d) => parts.push(d));
      s.on("close", () => res(Buffer.concat(parts)));
    });
    s.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // unmasked client frame
    const b = await got;
    expect(b[0]).toBe(0x88);
    expect(b.readUInt16BE(2)).toBe(1002);
  });

  it("permessage-deflate (RFC 7692) with Python websockets: agreed, compressed both ways, the client's window carried over", async () => {
    const { stdout } = await run("/usr/bin/python3", [join(ROOT, "spec-tests/peers/ws_deflate_client.py"), `ws://127.0.0.1:${servers.fx.port}/ws-deflate`], { timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({
      agreed: "permessage-deflate; server_no_context_takeover",
      echo: [true, true, true, true, true],
      server_extensions: "permessage-deflate; server_no_context_takeover",
    });
    // Without the option, the same client's offer is declined and nothing is compressed.
    const plain = await raw(servers.echo.port, handshake("/ws", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"));
    expect(plain).toMatch(/^HTTP\/1\.1 101 /);
    expect(plain.toLowerCase()).not.toContain("sec-websocket-extensions");
  });

  it("Deno-style socket: on<type> attributes are listeners in their place and see the target; a message is a MessageEvent; close is a CloseEvent", async () => {
    const s = await rawWs(servers.fx.port, "/ws-events");
    const reply = (text: string) => new Promise<unknown>((res) => {
      s.once("data", (d: Buffer) => res(JSON.parse(d.subarray(2).toString())));
      s.write(maskedText(text));
    });
    const attribute = "onmessage target:true this:true MessageEvent like:true";
    expect(await reply("one")).toEqual(["listener before", attribute, "listener after"]);
    expect(await reply("drop")).toEqual(["listener before", attribute, "listener after"]);
    expect(await reply("three")).toEqual(["listener before", "listener after"]);
    const closed = new Promise((res) => s.on("close", res));
    const reason = Buffer.from("bye");
    const payload = Buffer.concat([Buffer.from([0x0f, 0xa1]), reason]); // 4001
    const key = [5, 6, 7, 8];
    s.write(Buffer.concat([Buffer.from([0x88, 0x80 | payload.length, ...key]), Buffer.from(payload.map((b, i) => b ^ key[i & 3]!))]));
    await closed;
    const res = await fetch(`http://127.0.0.1:${servers.fx.port}/ws-events-closed`);
    expect(await res.json()).toEqual({
      // Node 20 has no CloseEvent class: there the event is an Event with the same fields.
      type: runtime === "node" && typeof CloseEvent === "undefined" ? "Event" : "CloseEvent",
      code: 4001,
      reason: "bye",
      wasClean: true,
      target: true,
    });
  });

  it("Bun-style server.upgrade with data, pub/sub to other subscribers", async () => {
    const a = await rawWs(servers.fx.port, "/bun-ws");
    const b = await rawWs(servers.fx.port, "/bun-ws");
    const read = (s: net.Socket) => new Promise<string>((res) => s.once("data", (d) => res(d.subarray(2).toString())));
    a.write(maskedText("sub:room"));
    expect(await read(a)).toBe("subscribed");
    b.write(maskedText("sub:room"));
    expect(await read(b)).toBe("subscribed");
    const aGets = read(a);
    b.write(maskedText("pub:room:hello"));
    expect(await aGets).toBe("hello");
    a.destroy();
    b.destroy();
  });

  it("a client that stops reading: send() reports backpressure and memory stays bounded", async () => {
    const s = await rawWs(servers.fx.port, "/bun-ws");
    s.pause();
    s.write(maskedText("flood"));
    let stats: Record<string, number | boolean> = {};
    for (let i = 0; i < 100 && !stats.sent; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const out = await raw(servers.fx.port, "GET /flood-stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      stats = JSON.parse(out.slice(out.indexOf("{")));
    }
    expect(stats.backpressured).toBe(true);
    expect(stats.sent as number).toBeLessThan(4096);
    s.destroy();
  }, 30_000);

  it.each([
    ["", ""],
    ["?ws=deflate", "permessage-deflate; server_no_context_takeover"],
  ])("headless Chromium talks to a page served by purehttp%s", async (query, extensions) => {
    const profile = mkdtempSync(join(tmpdir(), "purehttp-chromium-"));
    const chromium = spawn("chromium", [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--remote-debugging-port=0", `${servers.fx.url}/page${query}`,
    ], { stdio: "ignore" });
    try {
      let result = "";
      for (let i = 0; i < 150 && !result; i++) {
        await new Promise((r) => setTimeout(r, 200));
        const out = await raw(servers.fx.port, `GET /report-result${query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        if (out.startsWith("HTTP/1.1 200")) result = out.slice(out.indexOf("\r\n\r\n") + 4);
      }
      expect(JSON.parse(result)).toEqual({ got: ["text:19", "binary:1,2,3", "text:100000"], code: 1000, clean: true, extensions });
    } finally {
      chromium.kill("SIGKILL");
    }
  }, 60_000);
  it("shutdown(): open WebSockets get a 1001 close, idle keep-alive connections close, the server finishes", async () => {
    const s = await rawWs(servers.fx.port, "/bun-ws");
    const closeFrame = new Promise<Buffer>((res) => s.on("data", (d) => d[0] === 0x88 && res(d)));
    const idle = net.connect(servers.fx.port, "127.0.0.1");
    await new Promise((r) => idle.on("connect", r));
    const idleClosed = new Promise((r) => idle.on("close", r));
    // "close", not "exit": only then has everything the process wrote to its pipes been read.
    const exited = new Promise((r) => servers.fx.proc.on("close", r));
    await raw(servers.fx.port, "GET /shutdown HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const f = await closeFrame;
    expect(f.readUInt16BE(2)).toBe(1001);
    s.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe9])); // the client's Close reply
    await idleClosed;
    await exited;
    expect(servers.fx.output()).toContain("finished");
  }, 30_000);

});
