/** What a protocol connection needs from the server that owns it. */
import type { WritePool } from "../buffers/pool.ts";
import type { ProxyHeader } from "../proxy/header.ts";
import type { H1Limits } from "../h1/limits.ts";
import type { Addr, Connection, ConnectionHandler } from "../transport/types.ts";
import type { LiveConnections } from "./live.ts";
import type { TraceSink } from "../trace/events.ts";

export type { LiveConnection } from "./live.ts";

export interface ServeInfo {
  /** The client's address. */
  remoteAddr: Addr;
  /** Resolves once the response has been sent (or the client went away). */
  completed: Promise<void>;
  /** "1.0", "1.1" or "2". */
  httpVersion: string;
  /** The PROXY protocol header the connection opened with (`serve({ proxyProtocol })`). */
  proxy?: ProxyHeader;
}

export type Handler = (request: Request, info: ServeInfo & Record<string, unknown>) => Response | Promise<Response> | undefined | Promise<Response | undefined>;

/** Timeouts in ms; 0 disables one. */
export interface Timeouts {
  /** From the first byte of a request to the end of its head. Default 30 s. */
  headersTimeout: number;
  /** An idle keep-alive connection is closed after this. Default 5 s. */
  keepAliveTimeout: number;
  /** From the first byte of a request to the end of its body. Default 300 s. */
  requestTimeout: number;
}

export interface ServerContext {
  handler: Handler;
  onError: (error: unknown) => Response | Promise<Response>;
  limits: H1Limits;
  timeouts: Timeouts;
  pool: WritePool;
  /** The object behind the handler's second argument (Bun-style server methods). */
  infoPrototype: object;
  scheme: "http" | "https";
  shuttingDown: boolean;
  /** Hands a connection to HTTP/2 (prior knowledge, ALPN or h2c upgrade). */
  startH2?: (conn: Connection, initial: Uint8Array[], upgrade?: { request: H2UpgradeRequest }) => ConnectionHandler;
  /** Where the wire trace goes (serve({ trace })); null when off. */
  trace: TraceSink | null;
  /** Live protocol connections, for shutdown and timeouts. */
  connections: LiveConnections;
  /** Past this many live connections, an idle HTTP/1.1 connection asks its transport to park it (serve's parkIdleAbove). */
  parkAbove: number;
  /** What a handler's rejected promise becomes (exchange.ts): made once per server, not a closure per request. */
  fail?: ((error: unknown) => Promise<Response | undefined>) | null;
}

/** An HTTP/1.1 request upgraded with "Upgrade: h2c": answered on stream 1. */
export interface H2UpgradeRequest {
  request: Request;
  /** The decoded HTTP2-Settings field: the client's first SETTINGS. */
  settings: Uint8Array;
}
