/**
 * How a handler claims a connection for another protocol (WebSocket, h2c): the
 * Request is mapped to the exchange it came from, and a claim names the switching
 * response's fields and what takes the connection over.
 */
import type { WritePool } from "../buffers/pool.ts";
import type { Connection, ConnectionHandler } from "../transport/types.ts";
import type { LiveConnections } from "./live.ts";

export interface UpgradeClaim {
  /** Fields of the 101 (Switching Protocols) response, or of an extended CONNECT's 200. */
  headers: [string, string][];
  /** The Response the handler returns to accept (undefined for Bun's `server.upgrade`). */
  response: Response | undefined;
  /** Called with the connection and the bytes received after the request. */
  start(conn: Connection, rest: Uint8Array[]): ConnectionHandler;
}

/** What the protocol taking over needs of the server: buffers to write from, the set the server sweeps, and when to park. */
export interface UpgradeHost {
  pool: WritePool;
  connections: LiveConnections;
  /** Idle connections park past this many live ones, where the transport can (serve's parkIdleAbove). */
  parkAbove: number;
}

export interface ExchangeRef {
  /** HTTP/1.x's minor version; undefined over HTTP/2. */
  minor: number | undefined;
  conn: Connection;
  host: UpgradeHost;
  /** null where the protocol cannot switch (HTTP/2 streams other than an extended CONNECT). */
  setClaim: ((claim: UpgradeClaim) => void) | null;
  /** An HTTP/2 extended CONNECT (RFC 8441): answered 200 and carried in the stream's DATA. */
  extendedConnect?: boolean;
  /** Where getTrailers finds the request's trailers (request-trailers.ts); null when it can have none. */
  trailers: { get(): Promise<Headers> } | null;
}

/**
 * A handler asked for an upgrade the request cannot have: thrown from the handler, it is
 * answered with its own `response` (the 400, 405 or 426 that says why), not onError's.
 */
export class UpgradeRefusedError extends TypeError {
  constructor(readonly response: Response, message: string) {
    super(message);
  }
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
