/**
 * `serve({ proxyProtocol: true })`: every connection must open with a PROXY protocol
 * header (proxy/header.ts) before the protocol it carries. The gate holds the bytes
 * until the header is complete; then the connection's client address is the one the
 * header names (LOCAL and UNKNOWN keep the socket's), and the connection goes on as
 * any other, with the bytes after the header. A connection without a valid header, or
 * whose header does not arrive in time, is closed with nothing answered: whatever it
 * sent instead was not meant for us. Over TLS the header comes before the handshake,
 * so the transport reads it (transport/node.ts).
 */
import { copyBytes } from "../buffers/bytes.ts";
import { type ProxyHeader, parseProxyHeader } from "../proxy/header.ts";
import type { Connection, ConnectionHandler } from "../transport/types.ts";

/** The connection's client as a header names it, and the header kept on the connection. */
export function applyProxyHeader(conn: Connection, header: ProxyHeader): void {
  conn.proxy = header;
  if (header.command === "PROXY" && header.source) conn.remoteAddr = { hostname: header.source.hostname, port: header.source.port, transport: "tcp" };
}

export class ProxyGate implements ConnectionHandler {
  /** What has come so far, in a buffer of our own: the transport may read into the same memory again. */
  private received: Uint8Array = new Uint8Array(0);
  private timer: ReturnType<typeof setTimeout> | null;

  constructor(private readonly conn: Connection, timeoutMs: number, private readonly next: (conn: Connection) => ConnectionHandler) {
    this.timer = timeoutMs > 0 ? setTimeout(() => this.refuse(), timeoutMs) : null;
  }

  data(chunk: Uint8Array): void {
    const bytes = (this.received = copyBytes([this.received, chunk]));
    const r = parseProxyHeader(bytes);
    if (r.kind === "more") return;
    if (r.kind === "error") return this.refuse();
    this.stop();
    applyProxyHeader(this.conn, r.header);
    const handler = this.next(this.conn);
    this.conn.handler = handler;
    if (bytes.length > r.length) handler.data(bytes.subarray(r.length));
  }

  drain(): void {}

  /** The client ended before its header was complete. */
  end(): void {
    this.refuse();
  }

  close(): void {
    this.stop();
  }

  private refuse(): void {
    this.stop();
    this.conn.destroy();
  }

  private stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
