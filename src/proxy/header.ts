/**
 * The PROXY protocol header (HAProxy's specification, versions 1 and 2), sans-I/O: a
 * load balancer sends it first on each connection to say who the client is. Bytes in,
 * a decision out: the header (and how many bytes it took), "more" while it is
 * incomplete, or an error with its reason.
 */
import { crc32c } from "./crc32c.ts";

export interface ProxyAddress {
  hostname: string;
  port: number;
}

/** What a header said. `source` and `destination` are null for LOCAL, UNKNOWN and UNSPEC. */
export interface ProxyHeader {
  version: 1 | 2;
  /** v2: "LOCAL" is the balancer's own connection (a health check): the socket's address stands. */
  command: "PROXY" | "LOCAL";
  family: "TCP4" | "TCP6" | "UNIX" | "UNKNOWN";
  source: ProxyAddress | null;
  destination: ProxyAddress | null;
  /** v2 TLVs by type, the well-known ones decoded (§2.2.x). */
  tlvs: ProxyTlvs;
}

export interface ProxyTlvs {
  /** PP2_TYPE_ALPN: the protocol the client agreed with the balancer. */
  alpn?: string;
  /** PP2_TYPE_AUTHORITY: the host name the client asked for (SNI). */
  authority?: string;
  /** PP2_TYPE_UNIQUE_ID. */
  uniqueId?: Uint8Array;
  /** PP2_TYPE_SSL: the client's TLS connection to the balancer. */
  ssl?: { client: number; verify: number; version?: string; cn?: string; cipher?: string; sigAlg?: string; keyAlg?: string };
  /** PP2_TYPE_NETNS. */
  netns?: string;
  /** Every TLV as sent, by type number (the decoded ones too). */
  raw: [type: number, value: Uint8Array][];
}

export type ProxyParse =
  | { kind: "more" }
  | { kind: "done"; header: ProxyHeader; length: number }
  | { kind: "error"; reason: string };

const V2_SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const V1_PREFIX = "PROXY ";
/** §2.1: a v1 line is at most 107 bytes, CRLF included. */
const V1_MAX = 107;
const MORE: ProxyParse = { kind: "more" };
const fail = (reason: string): ProxyParse => ({ kind: "error", reason });
const decoder = new TextDecoder();

/** Reads a header from the start of `b` (the bytes received so far). */
export function parseProxyHeader(b: Uint8Array): ProxyParse {
  if (b.length === 0) return MORE;
  if (b[0] === 0x0d) {
    for (let i = 0; i < V2_SIGNATURE.length && i < b.length; i++) if (b[i] !== V2_SIGNATURE[i]) return fail("not a PROXY protocol header");
    return b.length < 16 ? MORE : parseV2(b);
  }
  for (let i = 0; i < V1_PREFIX.length && i < b.length; i++) if (b[i] !== V1_PREFIX.charCodeAt(i)) return fail("not a PROXY protocol header");
  return parseV1(b);
}

function parseV1(b: Uint8Array): ProxyParse {
  let end = -1;
  for (let i = 0; i < b.length && i < V1_MAX; i++) {
    if (b[i] === 0x0a) {
      end = i;
      break;
    }
  }
  if (end < 0) return b.length >= V1_MAX ? fail("v1 header longer than 107 bytes") : MORE;
  if (end === 0 || b[end - 1] !== 0x0d) return fail("v1 header not ended by CRLF");
  for (let i = 0; i < end - 1; i++) if (b[i]! < 0x20 || b[i]! > 0x7e) return fail("v1 header with a byte that is not printable ASCII");
  const parts = String.fromCharCode(...b.subarray(0, end - 1)).split(" ");
  const length = end + 1;
  const family = parts[1];
  // §2.1: UNKNOWN: the rest of the line is ignored, and the socket's addresses stand.
  if (family === "UNKNOWN") return { kind: "done", length, header: { version: 1, command: "PROXY", family, source: null, destination: null, tlvs: { raw: [] } } };
  if (family !== "TCP4" && family !== "TCP6") return fail(`v1 protocol "${family ?? ""}" is not TCP4, TCP6 or UNKNOWN`);
  if (parts.length !== 6) return fail("v1 header needs exactly: PROXY family source destination source-port destination-port");
  const [, , src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const valid = family === "TCP4" ? isIPv4 : isIPv6;
  if (!valid(src) || !valid(dst)) return fail(`v1 address is not ${family === "TCP4" ? "IPv4" : "IPv6"}`);
  const sp = portOf(sport), dp = portOf(dport);
  if (sp === null || dp === null) return fail("v1 port is not a number from 0 to 65535 without leading zeros");
  return { kind: "done", length, header: { version: 1, command: "PROXY", family, source: { hostname: src, port: sp }, destination: { hostname: dst, port: dp }, tlvs: { raw: [] } } };
}

function portOf(s: string): number | null {
  if (!/^(0|[1-9]\d{0,4})$/.test(s)) return null;
  const n = Number(s);
  return n <= 65535 ? n : null;
}

function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]{2,45}$/.test(s) || s.split("::").length > 2) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

function parseV2(b: Uint8Array): ProxyParse {
  const verCmd = b[12]!;
  if (verCmd >> 4 !== 2) return fail(`v2 version ${verCmd >> 4} is not 2`);
  const cmd = verCmd & 0x0f;
  if (cmd > 1) return fail(`v2 command ${cmd} is neither LOCAL (0) nor PROXY (1)`);
  const famProto = b[13]!;
  const len = (b[14]! << 8) | b[15]!;
  if (b.length < 16 + len) return MORE;
  const body = b.subarray(16, 16 + len);
  const length = 16 + len;
  const fam = famProto >> 4, proto = famProto & 0x0f;
  if (fam > 3 || proto > 2) return fail(`v2 address family/protocol 0x${famProto.toString(16)} is not defined`);
  const addrLen = [0, 12, 36, 216][fam]!;
  if (len < addrLen) return fail(`v2 address block of ${len} bytes is shorter than the family needs (${addrLen})`);
  const tlvs = parseTlvs(body.subarray(addrLen));
  if (typeof tlvs === "string") return fail(tlvs);
  const crc = tlvs.raw.find(([t]) => t === 0x03);
  if (crc) {
    // §2.2.3: the checksum is over the whole header with its own value as zeros.
    if (crc[1].length !== 4) return fail("v2 CRC32C TLV is not 4 bytes");
    const want = ((crc[1][0]! << 24) | (crc[1][1]! << 16) | (crc[1][2]! << 8) | crc[1][3]!) >>> 0;
    // A copy (Uint8Array's slice: a Node Buffer's slice would be a view of the input).
    const copy = Uint8Array.prototype.slice.call(b, 0, length);
    const at = crc[1].byteOffset - b.byteOffset;
    copy.fill(0, at, at + 4);
    if (crc32c(copy) !== want) return fail("v2 CRC32C does not match the header");
  }
  const local = cmd === 0;
  // LOCAL: the balancer's own connection; UNSPEC and UNIX addresses say nothing about a TCP client.
  if (local || fam === 0 || fam === 3 || proto !== 1) {
    return { kind: "done", length, header: { version: 2, command: local ? "LOCAL" : "PROXY", family: fam === 3 ? "UNIX" : fam === 0 ? "UNKNOWN" : fam === 1 ? "TCP4" : "TCP6", source: null, destination: null, tlvs } };
  }
  const ip = fam === 1 ? ipv4 : ipv6;
  const n = fam === 1 ? 4 : 16;
  const source = { hostname: ip(body.subarray(0, n)), port: (body[2 * n]! << 8) | body[2 * n + 1]! };
  const destination = { hostname: ip(body.subarray(n, 2 * n)), port: (body[2 * n + 2]! << 8) | body[2 * n + 3]! };
  return { kind: "done", length, header: { version: 2, command: "PROXY", family: fam === 1 ? "TCP4" : "TCP6", source, destination, tlvs } };
}

const ipv4 = (b: Uint8Array) => `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;

function ipv6(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  // The canonical text form (RFC 5952), as the URL parser writes it.
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

/** §2.2: type, 2-byte length, value; each must fit in the header. */
function parseTlvs(b: Uint8Array): ProxyTlvs | string {
  const out: ProxyTlvs = { raw: [] };
  for (let i = 0; i < b.length;) {
    if (i + 3 > b.length) return "v2 TLV header cut short";
    const type = b[i]!, len = (b[i + 1]! << 8) | b[i + 2]!;
    if (i + 3 + len > b.length) return `v2 TLV 0x${type.toString(16)} longer than the header`;
    const v = b.subarray(i + 3, i + 3 + len);
    out.raw.push([type, v]);
    switch (type) {
      case 0x01: out.alpn = decoder.decode(v); break;
      case 0x02: out.authority = decoder.decode(v); break;
      case 0x05: out.uniqueId = v.slice(); break;
      case 0x30: out.netns = decoder.decode(v); break;
      case 0x20: {
        if (len < 5) return "v2 SSL TLV shorter than its client and verify fields";
        const ssl: NonNullable<ProxyTlvs["ssl"]> = { client: v[0]!, verify: ((v[1]! << 24) | (v[2]! << 16) | (v[3]! << 8) | v[4]!) >>> 0 };
        const sub = parseTlvs(v.subarray(5));
        if (typeof sub === "string") return sub.replace("v2 TLV", "v2 SSL sub-TLV");
        for (const [t, sv] of sub.raw) {
          const s = decoder.decode(sv);
          if (t === 0x21) ssl.version = s;
          else if (t === 0x22) ssl.cn = s;
          else if (t === 0x23) ssl.cipher = s;
          else if (t === 0x24) ssl.sigAlg = s;
          else if (t === 0x25) ssl.keyAlg = s;
        }
        out.ssl = ssl;
        break;
      }
    }
    i += 3 + len;
  }
  return out;
}
