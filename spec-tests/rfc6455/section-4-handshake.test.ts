/** RFC 6455 §4.2: the server's opening handshake. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { acceptKey, checkHandshake } from "../../src/ws/handshake.ts";
import { sha1 } from "../../src/ws/sha1.ts";
import { WS_HANDSHAKE, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";

const req = (fields: Record<string, string>, method = "GET") => ({ method, get: (n: string) => fields[n] ?? null });
const good = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" };

describe("RFC 6455 §4.2 opening handshake", () => {
  it("§4.2.2: the accept value of the RFC's example key", () => {
    expect(acceptKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });
  it("SHA-1 matches the FIPS 180 test vectors", () => {
    const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
    expect(hex(sha1(new TextEncoder().encode("abc")))).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
    expect(hex(sha1(new Uint8Array(0)))).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect(hex(sha1(new TextEncoder().encode("a".repeat(1000))))).toBe("291e9a6c66994949b57ba5e650361e98fc36b1ba");
  });
  it("SHA-1 agrees with node:crypto at every length around the block and padding bounds, in any order", () => {
    // The digest reuses one scratch block: a long message before a short one must leave nothing behind.
    const lengths = [...Array.from({ length: 200 }, (_, i) => i), 1000, 4096].sort((a, b) => ((a * 7919) % 211) - ((b * 7919) % 211));
    for (const n of lengths) {
      const msg = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
      expect(Buffer.from(sha1(msg)).toString("hex"), `length ${n}`).toBe(createHash("sha1").update(msg).digest("hex"));
    }
  });
  it("accepts a valid request, with case-insensitive tokens in lists", () => {
    expect(checkHandshake(req({ ...good, upgrade: "WebSocket", connection: "keep-alive, upgrade" }))).toMatchObject({ ok: true });
  });
  it("collects offered subprotocols", () => {
    expect(checkHandshake(req({ ...good, "sec-websocket-protocol": "chat, superchat" }))).toMatchObject({ protocols: ["chat", "superchat"] });
  });
  it("the method MUST be GET", () => expect(checkHandshake(req(good, "POST"))).toMatchObject({ ok: false, status: 405 }));
  it("§4.1: the HTTP version MUST be at least 1.1 (HTTP/1.0 ignores Upgrade, RFC 9110 §7.8)", () => {
    expect(checkHandshake({ ...req(good), minor: 0 })).toMatchObject({ ok: false, status: 400, reason: expect.stringMatching(/HTTP\/1\.1/) });
    expect(checkHandshake({ ...req(good), minor: 1 })).toMatchObject({ ok: true });
  });
  it("Upgrade must contain websocket (426)", () => expect(checkHandshake(req({ ...good, upgrade: "h2c" }))).toMatchObject({ ok: false, status: 426 }));
  it("Connection must contain Upgrade (400)", () => expect(checkHandshake(req({ ...good, connection: "close" }))).toMatchObject({ ok: false, status: 400 }));
  it("§4.4: an unsupported version gets 426 with Sec-WebSocket-Version: 13", () => {
    const r = checkHandshake(req({ ...good, "sec-websocket-version": "8" }));
    expect(r).toMatchObject({ ok: false, status: 426, headers: [["sec-websocket-version", "13"]] });
  });
  it("the key must be base64 of 16 bytes (400)", () => {
    expect(checkHandshake(req({ ...good, "sec-websocket-key": "abc" }))).toMatchObject({ ok: false, status: 400 });
    expect(checkHandshake(req({ ...good, "sec-websocket-key": "AAAAAAAAAAAAAAAAAAAAAAAAAAAA" }))).toMatchObject({ ok: false, status: 400 });
  });
});

describe("server.upgrade (Bun style) on every request, as Bun.serve apps call it", () => {
  const start = fakeServerPerTest();
  const answers: boolean[] = [];
  const seen: (string | null)[] = [];
  const app = () =>
    start((req, srv) => {
      const upgraded = (srv as unknown as { upgrade(r: Request): boolean }).upgrade(req);
      answers.push(upgraded);
      if (upgraded) return undefined;
      seen.push(req.headers.get("x-kept"));
      return new Response("plain");
    }, { websocket: { message: (ws, m) => void ws.send(m) } });

  it("a request without Upgrade is answered false, and keeps every field for the handler", async () => {
    answers.length = seen.length = 0;
    const server = await app();
    const conn = server.connect();
    conn.handler.data(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\nX-Kept: 1\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    await settle();
    expect(answers).toEqual([false]);
    expect(seen).toEqual(["1"]);
    expect(conn.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nplain$/);
  });

  it("Upgrade in any case, among other fields, upgrades; a handshake Upgrade cannot complete is refused", async () => {
    answers.length = seen.length = 0;
    const server = await app();
    const conn = server.connect();
    const spelled = WS_HANDSHAKE.toString("latin1").replace("Upgrade: websocket", "X-Kept: 2\r\nUPGRADE: websocket");
    conn.handler.data(Buffer.from(spelled, "latin1"));
    await settle();
    expect(answers).toEqual([true]);
    expect(conn.text()).toContain("HTTP/1.1 101 Switching Protocols\r\n");
    const other = server.connect();
    other.handler.data(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"));
    await settle();
    expect(answers).toEqual([true, false]);
    expect(other.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });
});
