/**
 * An extended CONNECT stream (RFC 8441) seen as a connection (transport/types.ts), for
 * the protocol the handler switched it to: writes become DATA, end() END_STREAM,
 * destroy() RST_STREAM(CANCEL); the peer's DATA and END_STREAM arrive as data() and end().
 */
import type { Connection, ConnectionHandler } from "../transport/types.ts";

/** What a tunnel needs of the HTTP/2 connection that carries it. */
export interface TunnelCarrier {
  /** Sends bytes as DATA; false when the stream's queue is over its mark (the handler's drain() follows). */
  write(bytes: Uint8Array): boolean;
  /** END_STREAM from our side. */
  end(): void;
  /** RST_STREAM(CANCEL). */
  reset(): void;
  /** Both sides are done (or the stream was reset): the stream can be forgotten. */
  closed(): void;
}

export class H2Tunnel implements Connection {
  handler!: ConnectionHandler;
  private ended = false;
  private peerDone = false;
  private closed = false;

  constructor(private readonly carrier: TunnelCarrier, private readonly conn: Connection) {}

  get remoteAddr() {
    return this.conn.remoteAddr;
  }
  get localAddr() {
    return this.conn.localAddr;
  }
  get alpnProtocol() {
    return this.conn.alpnProtocol;
  }
  get encrypted() {
    return this.conn.encrypted;
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed || this.ended) return true;
    return this.carrier.write(bytes);
  }

  end(): void {
    if (this.closed || this.ended) return;
    this.ended = true;
    this.carrier.end();
    if (this.peerDone) this.gone();
  }

  destroy(): void {
    if (this.closed) return;
    this.carrier.reset();
    this.gone();
  }

  // Credit goes back as each chunk is handed on: nothing to hold back.
  pause(): void {}
  resume(): void {}

  /** The peer's END_STREAM: its half of the tunnel is done. */
  peerEnded(): void {
    if (this.peerDone || this.closed) return;
    this.peerDone = true;
    this.handler.end();
    if (this.ended) this.gone();
  }

  /** The stream is over (both ends, or a reset): the protocol hears of it as a closed socket. */
  gone(): void {
    if (this.closed) return;
    this.closed = true;
    this.carrier.closed();
    queueMicrotask(() => this.handler.close());
  }
}
