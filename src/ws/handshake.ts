/** RFC 6455 §4.2: the server's opening handshake. */
import { base64 } from "../buffers/bytes.ts";
import { splitList } from "../h1/chars.ts";
import { sha1 } from "./sha1.ts";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** §4.1 step 7's nonce: a 16-byte value in base64. */
const KEY = /^[A-Za-z0-9+/]{22}==$/;

/** §4.2.2 step 5.4: base64(SHA-1(key + GUID)). */
export function acceptKey(key: string): string {
  const s = key + GUID;
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return base64(sha1(b));
}

export interface HandshakeRequest {
  method: string;
  /** The HTTP/1.x minor version the request came in, where known. */
  minor?: number;
  /**
   * An HTTP/2 extended CONNECT with :protocol websocket (RFC 8441 §5): no
   * Sec-WebSocket-Key and no accept value; the Upgrade and Connection fields stand
   * for the :protocol (HTTP/2 has neither).
   */
  extendedConnect?: boolean;
  /** Field lookup, case-insensitive, repeated fields joined with ", ". */
  get(name: string): string | null;
}

export type HandshakeResult =
  /** `key` is "" for an extended CONNECT (no accept value to send). */
  | { ok: true; key: string; protocols: string[]; extensions: string }
  | { ok: false; status: 400 | 405 | 426; reason: string; headers?: [string, string][] };

/** Checks a client's opening handshake (§4.2.1); the status and reason say what is wrong. */
export function checkHandshake(req: HandshakeRequest): HandshakeResult {
  if (req.method !== "GET") return { ok: false, status: 405, reason: "the WebSocket handshake must be a GET", headers: [["allow", "GET"]] };
  // §4.1: "the HTTP version MUST be at least 1.1"; and RFC 9110 §7.8: Upgrade in HTTP/1.0 is ignored.
  if (req.minor === 0) return { ok: false, status: 400, reason: "the WebSocket handshake needs HTTP/1.1 (HTTP/1.0 ignores Upgrade)" };
  const upgrade = req.get("upgrade");
  if (!upgrade || !splitList(upgrade).some((t) => t.toLowerCase() === "websocket"))
    return { ok: false, status: 426, reason: "Upgrade must include websocket", headers: [["upgrade", "websocket"], ["connection", "Upgrade"]] };
  const connection = req.get("connection");
  if (!connection || !splitList(connection).some((t) => t.toLowerCase() === "upgrade"))
    return { ok: false, status: 400, reason: "Connection must include Upgrade" };
  const version = req.get("sec-websocket-version");
  // §4.4: an unsupported version is answered with 426 and the versions we speak.
  if (version?.trim() !== "13")
    return { ok: false, status: 426, reason: "Sec-WebSocket-Version must be 13", headers: [["sec-websocket-version", "13"]] };
  const protocols = splitList(req.get("sec-websocket-protocol") ?? "");
  if (req.extendedConnect) return { ok: true, key: "", protocols, extensions: req.get("sec-websocket-extensions") ?? "" };
  const key = req.get("sec-websocket-key")?.trim() ?? "";
  // 22 base64 characters and "==" are 16 bytes (132 bits, the last 4 of them padding): nothing to decode.
  if (!KEY.test(key)) return { ok: false, status: 400, reason: "Sec-WebSocket-Key must be 16 bytes in base64" };
  return { ok: true, key, protocols, extensions: req.get("sec-websocket-extensions") ?? "" };
}

/** A max_window_bits value (RFC 7692 §7.1.2): 8 to 15, as plain digits. */
const WINDOW_BITS = /^(8|9|1[0-5])$/;

/** What a permessage-deflate negotiation settled on: the response's extension and our window. */
export interface DeflateAgreement {
  /** The Sec-WebSocket-Extensions value of the response. */
  header: string;
  /** server_max_window_bits: how far back our compressed messages may reach. */
  windowBits: number;
}

/**
 * RFC 7692 §7: accepts the first permessage-deflate offer in Sec-WebSocket-Extensions
 * whose parameters are all known, valid and given once. We always answer with
 * server_no_context_takeover (each of our messages compressed on its own), keep the
 * client's window as it chooses (we inflate with up to 32 KiB of history), and honour
 * server_max_window_bits. null: no acceptable offer (then no extension is used).
 */
export function negotiateDeflate(extensions: string): DeflateAgreement | null {
  for (const offer of extensions.split(",")) {
    const [name, ...params] = offer.split(";").map((p) => p.trim());
    if (name?.toLowerCase() !== "permessage-deflate") continue;
    const seen = new Set<string>();
    let windowBits = 15;
    let ok = true;
    const reply = ["permessage-deflate", "server_no_context_takeover"];
    for (const p of params) {
      const eq = p.indexOf("=");
      const key = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
      let value = eq < 0 ? null : p.slice(eq + 1).trim();
      if (value !== null && value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      if (seen.has(key)) {
        ok = false; // §7: a parameter given twice makes the offer invalid
        break;
      }
      seen.add(key);
      if (key === "server_no_context_takeover" || key === "client_no_context_takeover") {
        if (value !== null) ok = false;
        else if (key === "client_no_context_takeover") reply.push(key);
      } else if (key === "server_max_window_bits") {
        if (value === null || !WINDOW_BITS.test(value)) ok = false;
        else {
          windowBits = Number(value);
          reply.push(`server_max_window_bits=${value}`);
        }
      } else if (key === "client_max_window_bits") {
        // With no value the client only says it understands the parameter; we inflate any window.
        if (value !== null && !WINDOW_BITS.test(value)) ok = false;
      } else ok = false;
      if (!ok) break;
    }
    if (ok) return { header: reply.join("; "), windowBits };
  }
  return null;
}
