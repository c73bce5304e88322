/**
 * How a handler claims a connection for another protocol (WebSocket, h2c): the
 * Request is mapped to the exchange it came from, and a claim names the 101
 * response's fields and what takes the connection over.
 */
import type { RequestHead } from "../h1/head.ts";
import type { Connection, ConnectionHandler } from "../transport/types.ts";
import type { ServerContext } from "./context.ts";

export interface UpgradeClaim {
  /** Fields of the 101 (Switching Protocols) response. */
  headers: [string, string][];
  /** The Response the handler returns to accept (undefined for Bun's `server.upgrade`). */
  response: Response | undefined;
  /** Called with the connection and the bytes received after the request. */
  start(conn: Connection, rest: Uint8Array[]): ConnectionHandler;
}

export interface ExchangeRef {
  head: RequestHead | null;
  conn: Connection;
  ctx: ServerContext;
  /** null where the protocol cannot switch (HTTP/2 streams other than an extended CONNECT). */
  setClaim: ((claim: UpgradeClaim) => void) | null;
  /** An HTTP/2 extended CONNECT (RFC 8441): answered 200 and carried in the stream's DATA. */
  extendedConnect?: boolean;
}

/**
 * The exchange rides on the Request under a symbol of ours. (A WeakMap did the same,
 * but an entry per request made every minor collection walk the ephemeron table.)
 * A plain assignment, not defineProperty: engines cache the shape it leads to, and
 * a symbol key stays out of keys, for-in and JSON either way.
 */
const EXCHANGE = Symbol("purehttp exchange");

export function registerExchange(request: Request, ref: ExchangeRef): void {
  (request as unknown as Record<symbol, ExchangeRef>)[EXCHANGE] = ref;
}

export function exchangeOf(request: Request): ExchangeRef | undefined {
  return Object.hasOwn(request, EXCHANGE) ? (request as unknown as Record<symbol, ExchangeRef>)[EXCHANGE] : undefined;
}
