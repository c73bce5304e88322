/**
 * The WebSocket handshake as both APIs claim it: checks the request (RFC 6455 §4.2.1,
 * RFC 8441 §5 over HTTP/2), names the fields that accept it, agrees on compression,
 * and, once the response has gone out, links the connection to the API's socket.
 */
import { traceOf } from "../../trace/connection-trace.ts";
import { type DeflateAgreement, type HandshakeResult, acceptKey, checkHandshake, negotiateDeflate } from "../../ws/handshake.ts";
import type { Connection } from "../../transport/types.ts";
import { type ExchangeRef, UpgradeRefusedError, exchangeOf } from "../upgrade.ts";
import { type Endpoint, type WsOptions, WsLink } from "./link.ts";

/** Thrown by `upgradeWebSocket` for a request that is not a valid handshake; `response` says why (400/405/426). */
export class WebSocketHandshakeError extends UpgradeRefusedError {}

/**
 * The fields that accept the handshake: 101's Upgrade, Connection and the accept value
 * over HTTP/1.1; over HTTP/2 (an extended CONNECT, whose key is "") the 200 needs none.
 */
function switchFields(key: string): [string, string][] {
  return key === "" ? [] : [["upgrade", "websocket"], ["connection", "Upgrade"], ["sec-websocket-accept", acceptKey(key)]];
}

/** The request's exchange and what its handshake says, or null where it cannot become a WebSocket. */
export function handshakeOf(request: Request): { ref: ExchangeRef; hs: HandshakeResult } | null {
  const ref = exchangeOf(request);
  if (!ref || !ref.setClaim) return null;
  return { ref, hs: checkHandshake({ method: request.method, minor: ref.minor, extendedConnect: ref.extendedConnect, get: (n) => request.headers.get(n) }) };
}

/**
 * Claims the request's connection for a WebSocket, the same for both APIs: the fields
 * that accept the handshake (and `extra`), permessage-deflate when wanted and offered,
 * and, once the response has gone out, a link to the endpoint `endpointFor` makes.
 * Returns the compression agreed, if any.
 */
export function claimWebSocket(
  ref: ExchangeRef,
  hs: Extract<HandshakeResult, { ok: true }>,
  claim: { extra: [string, string][]; response: Response | undefined; deflate: boolean; opts: WsOptions; endpointFor: (conn: Connection) => Endpoint },
): DeflateAgreement | null {
  const headers = switchFields(hs.key);
  headers.push(...claim.extra);
  const deflate = claim.deflate ? negotiateDeflate(hs.extensions) : null;
  if (deflate) headers.push(["sec-websocket-extensions", deflate.header]);
  ref.setClaim!({
    headers,
    response: claim.response,
    start: (conn, rest) => {
      traceOf(conn)?.switchTo("ws", rest);
      const link = new WsLink(conn, ref.host, claim.endpointFor(conn), claim.opts);
      if (deflate) link.session.enableDeflate(deflate);
      queueMicrotask(() => link.begin(rest));
      return link;
    },
  });
  return deflate;
}
