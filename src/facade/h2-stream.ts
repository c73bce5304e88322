/** One HTTP/2 stream as the facade keeps it (h2-connection.ts), and the writer's view of it (h2-response.ts). */
import type { WritePool } from "../buffers/pool.ts";
import type { H2ServerConnection } from "../h2/connection.ts";
import { ErrorCode } from "../h2/errors.ts";
import type { ReadLedger } from "../h2/flow-control.ts";
import type { RequestBody } from "./body.ts";
import { Completion } from "./exchange.ts";
import type { H2StreamOutput } from "./h2-response.ts";
import type { H2Tunnel } from "./h2-tunnel.ts";
import type { TrailerSlot } from "./request-trailers.ts";
import type { UpgradeClaim } from "./upgrade.ts";

/** What a stream needs of its connection. */
export interface StreamHost {
  readonly core: H2ServerConnection;
  readonly pool: WritePool;
  flush(): void;
  /** `recycled`: data is a recycled region (buffers/recycler.ts) to give back once written. */
  send(s: StreamCtx, data: Uint8Array, end: boolean, recycled?: boolean): Promise<void> | void;
  answered(s: StreamCtx): void;
}

/** One stream as the facade keeps it: its request body, its handler's signal, and the writer's view of it (h2-response.ts). */
export class StreamCtx implements H2StreamOutput {
  body: RequestBody | null = null;
  /** Credit for body bytes handed to the body stream, returned as they are read (made with the body stream). */
  ledger: ReadLedger | null = null;
  /** Made when the handler first reads request.signal. */
  abort: AbortController | null = null;
  /** The handler's info.completed (exchange.ts). */
  readonly completion = new Completion();
  writable: (() => void) | null = null;
  reset = false;
  /** Body bytes that came in the read that opened the stream, before its handler was called. */
  early: Uint8Array[] | null = null;
  /** The body ended within that read. */
  earlyEnd = false;
  /** An extended CONNECT's handler claimed the stream (upgrade.ts), and once answered, the tunnel it became. */
  claim: UpgradeClaim | null = null;
  tunnel: H2Tunnel | null = null;
  /** The request's trailers (a trailing HEADERS), kept until its handler has a slot for them. */
  trailerFields: string[] | null = null;
  trailers: TrailerSlot | null = null;
  /** gRPC's deadline (grpc-timeout): aborts request.signal when it passes. */
  deadline: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly facade: StreamHost, readonly id: number) {}

  get core(): H2ServerConnection {
    return this.facade.core;
  }
  get pool(): WritePool {
    return this.facade.pool;
  }
  flush(): void {
    this.facade.flush();
  }
  send(data: Uint8Array, end: boolean, recycled?: boolean): Promise<void> | void {
    return this.facade.send(this, data, end, recycled);
  }
  isReset(): boolean {
    return this.reset;
  }
  failed(): void {
    this.facade.core.resetStream(this.id, ErrorCode.INTERNAL_ERROR);
  }
  answered(): void {
    this.facade.answered(this);
  }
}

/** gRPC's grpc-timeout (TimeoutValue and TimeoutUnit, PROTOCOL-HTTP2.md) in ms, or null when absent or malformed. */
export function grpcTimeout(fields: readonly string[]): number | null {
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] !== "grpc-timeout") continue;
    const m = /^(\d{1,8})([HMSmun])$/.exec(fields[i + 1]!);
    if (!m) return null;
    const unitMs = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 }[m[2] as "H"];
    return Number(m[1]) * unitMs;
  }
  return null;
}
