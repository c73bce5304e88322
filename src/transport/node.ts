/** node:net / node:tls transport. */
import * as net from "node:net";
import process from "node:process";
import * as tls from "node:tls";
import { type Addr, type Connection, type ConnectionHandler, LINGER_MS, type Listener, type ListenOptions, type Transport } from "./types.ts";

class NodeConnection implements Connection {
  readonly remoteAddr: Addr;
  readonly localAddr: Addr;
  readonly alpnProtocol: string | null;
  readonly encrypted: boolean;
  private ended = false;

  constructor(private readonly socket: net.Socket) {
    this.remoteAddr = { hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0, transport: "tcp" };
    this.localAddr = { hostname: socket.localAddress ?? "", port: socket.localPort ?? 0, transport: "tcp" };
    const t = socket as tls.TLSSocket;
    this.encrypted = !!t.encrypted;
    this.alpnProtocol = this.encrypted && typeof t.alpnProtocol === "string" ? t.alpnProtocol : null;
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
      process.nextTick(this.uncork);
    }
    return this.socket.write(bytes);
  }

  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    this.socket.uncork();
  };

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
      const handler = accept(new NodeConnection(socket));
      socket.on("data", (d: Uint8Array) => handler.data(d));
      socket.on("drain", () => handler.drain());
      socket.on("end", () => handler.end());
      socket.on("close", () => handler.close());
      socket.on("error", () => {});
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
