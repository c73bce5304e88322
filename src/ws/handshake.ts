/** RFC 6455 §4.2: the server's opening handshake. */
import { base64, fromBase64 } from "../buffers/bytes.ts";
import { splitList } from "../h1/chars.ts";
import { sha1 } from "./sha1.ts";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

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
  const decoded = /^[A-Za-z0-9+/]{22}==$/.test(key) ? fromBase64(key) : null;
  if (!decoded || decoded.length !== 16) return { ok: false, status: 400, reason: "Sec-WebSocket-Key must be 16 bytes in base64" };
  return { ok: true, key, protocols, extensions: req.get("sec-websocket-extensions") ?? "" };
}
