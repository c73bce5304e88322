/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, v1 §2.1 and v2 §2.2), as
 * src/proxy/header.ts reads it: every valid form, every malformed one with its reason,
 * and any prefix of a header is "more", never a wrong answer.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32c } from "../../src/proxy/crc32c.ts";
import { parseProxyHeader } from "../../src/proxy/header.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const u16 = (n: number) => [n >> 8, n & 0xff];
const tlv = (type: number, value: number[] | Uint8Array) => [type, ...u16(value.length), ...value];

/** A v2 header: version/command byte, family/protocol byte, then the address block and TLVs. */
function v2(verCmd: number, famProto: number, rest: number[]): Uint8Array {
  return Uint8Array.from([...SIG, verCmd, famProto, ...u16(rest.length), ...rest]);
}
const IPV4_BLOCK = [192, 0, 2, 1, 198, 51, 100, 7, ...u16(51000), ...u16(443)];

describe("v1 (§2.1): a line of text", () => {
  it("TCP4: source and destination addresses and ports; the bytes after the line are not the header's", () => {
    const r = parseProxyHeader(enc("PROXY TCP4 192.0.2.1 198.51.100.7 51000 443\r\nGET /"));
    expect(r).toEqual({
      kind: "done", length: 45,
      header: { version: 1, command: "PROXY", family: "TCP4", source: { hostname: "192.0.2.1", port: 51000 }, destination: { hostname: "198.51.100.7", port: 443 }, tlvs: { raw: [] } },
    });
  });
  it("TCP6", () => {
    const r = parseProxyHeader(enc("PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n"));
    expect(r).toMatchObject({ kind: "done", header: { family: "TCP6", source: { hostname: "2001:db8::1", port: 1 } } });
  });
  it("UNKNOWN: the rest of the line ignored, no addresses (the socket's stand)", () => {
    expect(parseProxyHeader(enc("PROXY UNKNOWN ffff::1 whatever\r\n"))).toMatchObject({ kind: "done", header: { family: "UNKNOWN", source: null } });
    expect(parseProxyHeader(enc("PROXY UNKNOWN\r\n"))).toMatchObject({ kind: "done", length: 15 });
  });
  it.each([
    ["PROXY TCP4 192.0.2.1 198.51.100.7 51000 443\n", "not ended by CRLF"],
    ["PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", 'protocol "TCP5"'],
    ["PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n", "not IPv4"],
    ["PROXY TCP4 1.2.3.256 1.2.3.4 1 2\r\n", "not IPv4"],
    ["PROXY TCP4 2001:db8::1 1.2.3.4 1 2\r\n", "not IPv4"],
    ["PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "not IPv6"],
    ["PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n", "port"],
    ["PROXY TCP4 1.2.3.4 1.2.3.4 080 2\r\n", "port"],
    ["PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n", "exactly"],
    ["PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n", "exactly"],
    ["PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n", "exactly"],
    ["PROXY TCP4 1.2.3.4\t1.2.3.4 1 2\r\n", "printable"],
    ["proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n", "not a PROXY protocol header"],
    ["GET / HTTP/1.1\r\n", "not a PROXY protocol header"],
    [`PROXY UNKNOWN ${"x".repeat(120)}\r\n`, "longer than 107 bytes"],
  ])("%j is refused: %s", (line, why) => {
    const r = parseProxyHeader(enc(line));
    expect(r.kind).toBe("error");
    expect((r as { reason: string }).reason).toContain(why);
  });
});

describe("v2 (§2.2): binary", () => {
  it("PROXY over TCP/IPv4 with TLVs: ALPN, authority, unique ID, SSL with its sub-TLVs", () => {
    const ssl = [0x01, 0, 0, 0, 0, ...tlv(0x21, [...enc("TLSv1.3")]), ...tlv(0x23, [...enc("TLS_AES_128_GCM_SHA256")]), ...tlv(0x22, [...enc("client")])];
    const b = v2(0x21, 0x11, [...IPV4_BLOCK, ...tlv(0x01, [...enc("h2")]), ...tlv(0x02, [...enc("example.com")]), ...tlv(0x05, [9, 9]), ...tlv(0x20, ssl)]);
    const r = parseProxyHeader(Uint8Array.from([...b, 0x47]));
    expect(r.kind).toBe("done");
    const { header, length } = r as Extract<typeof r, { kind: "done" }>;
    expect(length).toBe(b.length);
    expect(header).toMatchObject({
      version: 2, command: "PROXY", family: "TCP4", source: { hostname: "192.0.2.1", port: 51000 }, destination: { hostname: "198.51.100.7", port: 443 },
      tlvs: { alpn: "h2", authority: "example.com", uniqueId: Uint8Array.of(9, 9), ssl: { client: 1, verify: 0, version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", cn: "client" } },
    });
    expect(header.tlvs.raw.map(([t]) => t)).toEqual([0x01, 0x02, 0x05, 0x20]);
  });
  it("PROXY over TCP/IPv6, the address in its canonical text form", () => {
    const a = [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1], d = [...Array(15).fill(0), 1];
    const r = parseProxyHeader(v2(0x21, 0x21, [...a, ...d, ...u16(1), ...u16(2)]));
    expect(r).toMatchObject({ kind: "done", header: { family: "TCP6", source: { hostname: "2001:db8::1", port: 1 }, destination: { hostname: "::1", port: 2 } } });
  });
  it("LOCAL (a health check): no addresses, whatever the block holds", () => {
    expect(parseProxyHeader(v2(0x20, 0x00, []))).toMatchObject({ kind: "done", header: { command: "LOCAL", source: null } });
    expect(parseProxyHeader(v2(0x20, 0x11, IPV4_BLOCK))).toMatchObject({ kind: "done", header: { command: "LOCAL", source: null } });
  });
  it("UNSPEC, UNIX and DGRAM carry no TCP client: no addresses", () => {
    expect(parseProxyHeader(v2(0x21, 0x00, []))).toMatchObject({ kind: "done", header: { family: "UNKNOWN", source: null } });
    expect(parseProxyHeader(v2(0x21, 0x31, Array(216).fill(0)))).toMatchObject({ kind: "done", header: { family: "UNIX", source: null } });
    expect(parseProxyHeader(v2(0x21, 0x12, IPV4_BLOCK))).toMatchObject({ kind: "done", header: { source: null } });
  });
  it("CRC32C (§2.2.3): checked over the header with its own value zeroed; a wrong one is refused", () => {
    expect(crc32c(enc("123456789"))).toBe(0xe3069283); // the standard check value
    const block = [...IPV4_BLOCK, ...tlv(0x03, [0, 0, 0, 0])];
    const b = v2(0x21, 0x11, block);
    const sum = crc32c(b);
    b.set([sum >>> 24, (sum >>> 16) & 0xff, (sum >>> 8) & 0xff, sum & 0xff], b.length - 4);
    expect(parseProxyHeader(b).kind).toBe("done");
    b[b.length - 1] ^= 1;
    expect(parseProxyHeader(b)).toEqual({ kind: "error", reason: "v2 CRC32C does not match the header" });
  });
  it.each([
    ["version 1 in the v2 form", v2(0x11, 0x11, IPV4_BLOCK), "version 1 is not 2"],
    ["command 2", v2(0x22, 0x11, IPV4_BLOCK), "command 2"],
    ["family 4", v2(0x21, 0x41, IPV4_BLOCK), "not defined"],
    ["an IPv4 block cut short", v2(0x21, 0x11, IPV4_BLOCK.slice(0, 8)), "shorter than the family needs"],
    ["a TLV longer than the header", v2(0x21, 0x11, [...IPV4_BLOCK, 0x02, 0, 9, 1]), "longer than the header"],
    ["a TLV header cut short", v2(0x21, 0x11, [...IPV4_BLOCK, 0x02, 0]), "cut short"],
    ["a wrong signature", Uint8Array.from([...SIG.slice(0, 11), 0x0b, 0x21, 0x11, 0, 0]), "not a PROXY protocol header"],
  ])("%s is refused", (_, bytes, why) => {
    const r = parseProxyHeader(bytes);
    expect(r.kind).toBe("error");
    expect((r as { reason: string }).reason).toContain(why);
  });
});

describe("incomplete headers", () => {
  const valid = [
    enc("PROXY TCP4 192.0.2.1 198.51.100.7 51000 443\r\n"),
    enc("PROXY UNKNOWN\r\n"),
    v2(0x21, 0x11, [...IPV4_BLOCK, ...tlv(0x02, [...enc("example.com")])]),
  ];
  it("property: every proper prefix of a valid header is 'more', the whole is 'done' with its length", () => {
    fc.assert(fc.property(fc.constantFrom(...valid), fc.nat(), (h, cut) => {
      const n = cut % h.length;
      const part = parseProxyHeader(h.subarray(0, n));
      const whole = parseProxyHeader(h);
      return part.kind === "more" && whole.kind === "done" && whole.length === h.length;
    }));
  });
  it("property: random bytes give a decision or 'more', never a throw", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (rest, asV2) => {
      const b = asV2 ? Uint8Array.from([...SIG, ...rest]) : Uint8Array.from([...enc("PROXY "), ...rest]);
      const r = parseProxyHeader(b);
      return r.kind === "more" || r.kind === "done" || (r.kind === "error" && r.reason.length > 0);
    }));
  });
});
