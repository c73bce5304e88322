/** node:net / node:tls transport: sockets to bytes (socket-connection.ts does the rest). */
import * as net from "node:net";
import process from "node:process";
import * as tls from "node:tls";
import { type ProxyHeader, parseProxyHeader } from "../proxy/header.ts";
import { SocketConnection } from "./socket-connection.ts";
import type { Addr, Connection, ConnectionHandler, Listener, ListenOptions, Transport } from "./types.ts";

/** The socket's NodeConnection, kept on the socket so one set of listeners serves every socket. */
const CONN = Symbol("purehttp connection");
type Socket = net.Socket & { [CONN]: NodeConnection };

// Shared listeners (the emitter calls them with the socket as `this`): no closures per
// connection, and each event finds the connection's handler as it is now.
function onData(this: Socket, d: Uint8Array): void {
  const c = this[CONN];
  if (c.trace !== null) c.trace.recv(d);
  c.handler.data(d);
}
function onDrain(this: Socket): void {
  this[CONN].drained();
}
function onEnd(this: Socket): void {
  this[CONN].handler.end();
}
function onClose(this: Socket): void {
  this[CONN].closed();
}
/** Errors end in "close", which the handler hears; the listener keeps them from being thrown. */
function ignore(): void {}
function flushOf(conn: NodeConnection): void {
  conn.flush();
}

class NodeConnection extends SocketConnection {
  readonly alpnProtocol: string | null;
  readonly encrypted: boolean;

  constructor(private readonly socket: net.Socket) {
    super();
    // Reading the port makes node:net keep the peer's name, which it could not look up once closed.
    this.remote = socket.remotePort ?? 0;
    const t = socket as tls.TLSSocket;
    this.encrypted = !!t.encrypted;
    this.alpnProtocol = this.encrypted && typeof t.alpnProtocol === "string" ? t.alpnProtocol : null;
  }

  protected peerHostname(): string {
    return this.socket.remoteAddress ?? "";
  }

  /**
   * Made when first asked for: the facade needs it only for a request without a Host
   * (and node:net keeps the address it looks up on the socket, another object).
   */
  get localAddr(): Addr {
    return { hostname: this.socket.localAddress ?? "", port: this.socket.localPort ?? 0, transport: "tcp" };
  }

  /** node:net keeps its own send buffer: what it holds counts toward the high-water mark. */
  override inSocket(): number {
    return this.socket.writableLength;
  }

  /** The turn ends after this tick's microtasks: every response they finish joins the batch. */
  protected scheduleFlush(): void {
    process.nextTick(flushOf, this);
  }

  /**
   * node:net calls a write's callback once libuv has handed its bytes to the kernel (and
   * with an error when it never will: then the bytes are left to the collector).
   */
  protected override get followsSends(): boolean {
    return true;
  }

  /** node:net takes everything (into its own buffer); several parts leave in one writev. */
  protected sendPending(): false {
    const socket = this.socket;
    let part = this.queue.front();
    if (part === null || socket.destroyed) return false;
    const several = this.queue.pendingCount > 1;
    if (several) socket.cork();
    while (part !== null) {
      const sent = this.takeSentCallback(part);
      if (sent === undefined) socket.write(part);
      else socket.write(part, (err) => err || sent());
      this.taken(part.length);
      part = this.queue.front();
    }
    if (several) socket.uncork();
    return false;
  }

  protected shutdownWrite(): void {
    this.socket.end();
  }

  protected closeSocket(): void {
    this.socket.destroy();
  }

  drained(): void {
    this.socketDrained();
  }

  closed(): void {
    this.socketClosed();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }
}

export const nodeTransport: Transport = {
  name: "node",
  listen(options: ListenOptions, accept: (conn: Connection) => ConnectionHandler): Promise<Listener> {
    const onSocket = (socket: net.Socket, proxy?: ProxyHeader) => {
      socket.setNoDelay(true);
      const conn = new NodeConnection(socket);
      (socket as Socket)[CONN] = conn;
      if (proxy) conn.proxy = proxy; // the server applies it (facade/proxy-gate.ts)
      conn.handler = accept(conn);
      socket.on("data", onData);
      socket.on("drain", onDrain);
      socket.on("end", onEnd);
      socket.on("close", onClose);
      socket.on("error", ignore);
    };
    const server = options.tls && options.proxyProtocol
      ? proxiedTlsServer(options.tls, options.alpnProtocols, options.proxyProtocol.timeoutMs, onSocket)
      : options.tls
      ? tls.createServer(
          { cert: options.tls.cert, key: options.tls.key, ALPNProtocols: options.alpnProtocols, allowHalfOpen: true },
          onSocket,
        )
      : net.createServer({ allowHalfOpen: true, noDelay: true }, onSocket);
    server.on("tlsClientError", () => {});
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      if (options.reusePort && !nodeHasReusePort()) {
        return reject(new TypeError(`reusePort needs Node 22.12 or later (this is ${process.version}); purehttp --workers uses the cluster module instead`));
      }
      server.listen({ port: options.port, host: options.hostname, backlog: 2048, ...(options.reusePort ? { reusePort: true } : {}) }, () => {
        server.off("error", reject);
        const a = server.address() as net.AddressInfo;
        resolve({ addr: { hostname: a.address, port: a.port, transport: "tcp" }, close: () => server.close() });
      });
    });
  },
};

/**
 * TLS behind a PROXY protocol header: the header comes first on the TCP connection, in
 * the clear, so the socket is read until it is complete, and only then does the TLS
 * handshake start, over the bytes after it. No valid header in time: the socket is
 * destroyed with nothing sent.
 */
function proxiedTlsServer(
  cert: { cert: string; key: string },
  alpn: string[] | undefined,
  timeoutMs: number,
  onSocket: (socket: net.Socket, proxy: ProxyHeader) => void,
): net.Server {
  const secureContext = tls.createSecureContext({ cert: cert.cert, key: cert.key });
  return net.createServer({ allowHalfOpen: true, noDelay: true }, (raw) => {
    let received = Buffer.alloc(0);
    const timer = timeoutMs > 0 ? setTimeout(() => raw.destroy(), timeoutMs) : null;
    raw.on("error", ignore);
    const onHeaderData = (d: Buffer) => {
      received = Buffer.concat([received, d]);
      const r = parseProxyHeader(received);
      if (r.kind === "more") return;
      if (timer) clearTimeout(timer);
      raw.off("data", onHeaderData);
      raw.off("end", ended);
      if (r.kind === "error") return void raw.destroy();
      raw.pause();
      const rest = received.subarray(r.length);
      if (rest.length) raw.unshift(rest);
      const socket = new tls.TLSSocket(raw, { isServer: true, secureContext, ALPNProtocols: alpn });
      socket.on("error", ignore);
      socket.once("secure", () => onSocket(socket, r.header));
    };
    const ended = () => raw.destroy();
    raw.on("data", onHeaderData);
    raw.once("end", ended);
  });
}

/** net.Server.listen takes reusePort from Node 22.12 (and 23.1); older ones ignore it. */
export function nodeHasReusePort(): boolean {
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}
