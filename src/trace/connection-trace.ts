/**
 * One connection's trace: the transport hands it every byte received and sent, the
 * HTTP/1.1 layer tells it what it decided, and it turns both into TraceEvents. While
 * the connection speaks HTTP/1.1 the bytes are not read here (the layer's own events
 * say more); once it switches, they are read as HTTP/2 or WebSocket frames.
 */
import { latin1 } from "../buffers/bytes.ts";
import { RULE_OF, type H1ParseError } from "../h1/errors.ts";
import type { RequestHead } from "../h1/head.ts";
import type { Addr, Connection } from "../transport/types.ts";
import type { H1Event, TraceEvent, TraceSink, TracedField } from "./events.ts";
import { type Draft, H2FrameReader } from "./h2-frames.ts";
import { WsFrameReader } from "./ws-frames.ts";

let connections = 0;

const address = (a: Addr) => (a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`);

interface Reader {
  feed(bytes: Uint8Array): void;
}

export class ConnectionTrace {
  readonly conn = ++connections;
  private readonly start = performance.now();
  private recvReader: Reader | null = null;
  private sendReader: Reader | null = null;

  constructor(private readonly sink: TraceSink, remote: Addr, local: Addr, tls: boolean, alpn: string | null) {
    this.emit({ proto: "tcp", dir: "-", event: "open", remote: address(remote), local: address(local), tls, alpn });
  }

  private emit(e: Draft<TraceEvent>): void {
    try {
      this.sink({ conn: this.conn, ms: Math.round((performance.now() - this.start) * 1000) / 1000, ...e } as TraceEvent);
    } catch {
      // a trace sink that throws must not break the connection
    }
  }

  /** Bytes the transport received, before the protocol reads them. */
  recv(bytes: Uint8Array): void {
    this.recvReader?.feed(bytes);
  }

  /** Bytes the protocol wrote, as it writes them. */
  sent(bytes: Uint8Array): void {
    this.sendReader?.feed(bytes);
  }

  closed(): void {
    this.emit({ proto: "tcp", dir: "-", event: "close" });
  }

  /** The connection speaks `proto` from now on; `received` are bytes of it already read. */
  switchTo(proto: "h2" | "ws", received: Uint8Array[] = []): void {
    this.emit({ proto, dir: "-", event: "switch" });
    const emit = (e: Draft<TraceEvent>) => this.emit(e);
    this.recvReader = proto === "h2" ? new H2FrameReader("recv", emit) : new WsFrameReader("recv", emit);
    this.sendReader = proto === "h2" ? new H2FrameReader("send", emit) : new WsFrameReader("send", emit);
    for (const b of received) this.recvReader.feed(b);
  }

  // ---- HTTP/1.x ----

  request(head: RequestHead): void {
    this.emit({
      proto: "h1", dir: "recv", event: "request", method: head.method, target: head.target, version: `HTTP/1.${head.minor}`,
      fields: pairsOf(head.fields),
    });
    const framing: Draft<H1Event> = head.chunked
      ? { proto: "h1", dir: "-", event: "framing", message: "request", framing: "chunked" }
      : head.contentLength > 0
      ? { proto: "h1", dir: "-", event: "framing", message: "request", framing: "content-length", length: head.contentLength }
      : { proto: "h1", dir: "-", event: "framing", message: "request", framing: "none" };
    this.emit(framing);
  }

  reject(e: H1ParseError): void {
    this.emit({ proto: "h1", dir: "-", event: "reject", status: e.status, code: e.code, reason: e.reason, rule: RULE_OF[e.code] });
  }

  /**
   * A response head as it goes out (`bytes` start with it): its status line and field
   * lines read back from the bytes, and how its content is framed (RFC 9112 §6).
   */
  response(bytes: Uint8Array, framing: string, length?: number): void {
    let end = 0;
    while (end + 3 < bytes.length && !(bytes[end] === 13 && bytes[end + 1] === 10 && bytes[end + 2] === 13 && bytes[end + 3] === 10)) end++;
    const lines = latin1(bytes, 0, end).split("\r\n");
    const status = Number(lines[0]!.split(" ")[1]);
    const fields: TracedField[] = lines.slice(1).map((l) => {
      const colon = l.indexOf(":");
      return { name: l.slice(0, colon), value: l.slice(colon + 1).trim() };
    });
    this.emit({ proto: "h1", dir: "send", event: "response", status, version: lines[0]!.split(" ")[0], fields });
    this.emit({ proto: "h1", dir: "-", event: "framing", message: "response", framing, ...(length === undefined ? {} : { length }) });
  }
}

function pairsOf(flat: string[]): TracedField[] {
  const out: TracedField[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ name: flat[i]!, value: flat[i + 1]! });
  return out;
}

/** The trace of `conn`, when the server traces it. */
export function traceOf(conn: Connection): ConnectionTrace | null {
  const t = conn.trace;
  return t instanceof ConnectionTrace ? t : null;
}
