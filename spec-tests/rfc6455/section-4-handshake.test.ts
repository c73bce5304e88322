/** RFC 6455 §4.2: the server's opening handshake. */
import { describe, expect, it } from "vitest";
import { acceptKey, checkHandshake } from "../../src/ws/handshake.ts";
import { sha1 } from "../../src/ws/sha1.ts";

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
