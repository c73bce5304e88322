/** node:net / node:tls transport. */
import * as net from "node:net";
import process from "node:process";
import * as tls from "node:tls";
import { type Addr, type Connection, type ConnectionHandler, LINGER_MS, type Listener, type ListenOptions, type Transport } from "./types.ts";

/** The socket's NodeConnection, kept on the socket so one set of listeners serves every socket. */
const CONN = Symbol("purehttp connection");
type Socket = net.Socket & { [CONN]: NodeConnection };

// Shared listeners (the emitter calls them with the socket as `this`): no closures per
// connection, and each event finds the connection's handler as it is now.
function onData(this: Socket, d: Uint8Array): void {
  this[CONN].handler.data(d);
}
function onDrain(this: Socket): void {
  this[CONN].handler.drain();
}
function onEnd(this: Socket): void {
  this[CONN].handler.end();
}
function onClose(this: Socket): void {
  this[CONN].handler.close();
}
/** Errors end in "close", which the handler hears; the listener keeps them from being thrown. */
function ignore(): void {}
function uncork(conn: NodeConnection): void {
  conn.uncork();
}

class NodeConnection implements Connection {
  readonly remoteAddr: Addr;
  readonly alpnProtocol: string | null;
  readonly encrypted: boolean;
  handler!: ConnectionHandler;
  private ended = false;

  constructor(private readonly socket: net.Socket) {
    this.remoteAddr = { hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0, transport: "tcp" };
    const t = socket as tls.TLSSocket;
    this.encrypted = !!t.encrypted;
    this.alpnProtocol = this.encrypted && typeof t.alpnProtocol === "string" ? t.alpnProtocol : null;
  }

  /**
   * Made when first asked for: the facade needs it only for a request without a Host
   * (and node:net keeps the address it looks up on the socket, another object).
   */
  get localAddr(): Addr {
    return { hostname: this.socket.localAddress ?? "", port: this.socket.localPort ?? 0, transport: "tcp" };
  }

  /**
   * Writes made in one turn of the event loop (a pipelined batch of responses, a
   * head and its body) are corked and leave in one writev when the turn ends.
   */
  write(bytes: Uint8Array): boolean {
    if (this.socket.destroyed || this.ended) return true;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    return this.socket.write(bytes);
  }

  private corked = false;

  uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  destroy(): void {
    this.ended = true;
    this.socket.destroy();
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
    const onSocket = (socket: net.Socket) => {
      socket.setNoDelay(true);
      const conn = new NodeConnection(socket);
      (socket as Socket)[CONN] = conn;
      conn.handler = accept(conn);
      socket.on("data", onData);
      socket.on("drain", onDrain);
      socket.on("end", onEnd);
      socket.on("close", onClose);
      socket.on("error", ignore);
    };
    const server = options.tls
      ? tls.createServer(
          { cert: options.tls.cert, key: options.tls.key, ALPNProtocols: options.alpnProtocols, allowHalfOpen: true },
          onSocket,
        )
      : net.createServer({ allowHalfOpen: true, noDelay: true }, onSocket);
    server.on("tlsClientError", () => {});
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port: options.port, host: options.hostname, backlog: 2048 }, () => {
        server.off("error", reject);
        const a = server.address() as net.AddressInfo;
        resolve({ addr: { hostname: a.address, port: a.port, transport: "tcp" }, close: () => server.close() });
      });
    });
  },
};
