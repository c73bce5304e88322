/**
 * What a transport gives the protocol layers: a socket reduced to bytes in,
 * bytes out with a backpressure signal, half-close and close. Everything
 * runtime-specific stays in transport/*.ts.
 */
import type { ProxyHeader } from "../proxy/header.ts";
export interface Addr {
  hostname: string;
  port: number;
  transport: "tcp";
}

export interface Connection {
  /** The client's address: the socket's, or the one a PROXY protocol header named (facade/proxy-gate.ts). */
  remoteAddr: Addr;
  /** The PROXY protocol header the connection opened with, when the server requires one. */
  proxy?: ProxyHeader | null;
  readonly localAddr: Addr;
  /** The ALPN protocol the TLS handshake agreed on, or null (cleartext or none). */
  readonly alpnProtocol: string | null;
  readonly encrypted: boolean;
  /**
   * Where the transport delivers this connection's events: the handler `accept` returned,
   * until a protocol switch (a WebSocket or h2c upgrade, HTTP/2 prior knowledge) sets the
   * new protocol here, so nothing stays behind to forward its bytes.
   */
  handler: ConnectionHandler;
  /** Set by the server when it traces the wire (serve({ trace })): sees every byte. */
  trace?: ByteTrace | null;
  /**
   * Queues bytes for sending. The view must not be written afterwards (see buffers/pool.ts).
   * Returns false when the queue is over its high-water mark: wait for `drain`.
   * `sent`, when given, is called once the runtime no longer reads the bytes, so that they
   * may be used again (buffers/recycler.ts); a transport may never call it (the bytes are
   * then the collector's), and does not when the connection goes first.
   */
  write(bytes: Uint8Array, sent?: () => void): boolean;
  /** Sends what is queued, then a FIN; reads continue (and are discarded by the caller) until the peer closes. */
  end(): void;
  /** Closes at once, dropping what is queued. */
  destroy(): void;
  /** Stops delivering received bytes until `resume()`. */
  pause(): void;
  resume(): void;
  /**
   * The protocol is idle and could be made anew from nothing (parking.ts): where the
   * transport can, it gives this Connection up once all that was written has gone, asking
   * the handler's `park()` first; bytes that come before then cancel it. Absent or a
   * no-op where the transport cannot.
   */
  park?(): void;
}

/** The protocol side of a connection, called by the transport. */
/** What watches a connection's bytes for a wire trace (trace/connection-trace.ts). */
export interface ByteTrace {
  recv(bytes: Uint8Array): void;
  sent(bytes: Uint8Array): void;
  closed(): void;
}

export interface ConnectionHandler {
  data(chunk: Uint8Array): void;
  /** The write queue fell below its high-water mark. */
  drain(): void;
  /** The peer half-closed (FIN). */
  end(): void;
  /** The connection is gone. */
  close(): void;
  /**
   * The transport is about to give the connection up (Connection.park): true if the
   * handler is still idle and lets go, after which nothing reaches it; or a ParkOwner,
   * if the handler itself stays (something else holds it) and is to carry on when the
   * socket wakes.
   */
  park?(): boolean | ParkOwner;
}

/**
 * A handler that outlives its socket's parking (a WebSocket's link: the application holds
 * its socket, and may send at any moment). It keeps its own state, drops what the socket
 * needs only while awake, wakes itself when used (Parking.wake), and hears the socket's
 * close.
 */
export interface ParkOwner extends ConnectionHandler {
  /** Parked under `socket`: what to wake when used. */
  parkedAt(parking: Parking, socket: ParkableSocket): void;
  /** The socket woke: carry on over this new Connection. */
  resume(conn: Connection): void;
  /** The server's sweep, as for a live connection; it wakes the socket only if it must act. */
  tick(now: number): void;
  /** The server shuts down gracefully, or at once: as a live connection does, once woken. */
  shutdown(): void;
  destroy(): void;
}

export interface ListenOptions {
  hostname: string;
  port: number;
  tls?: { cert: string; key: string };
  /** ALPN protocols to offer, in preference order (TLS only). */
  alpnProtocols?: string[];
  /**
   * Every connection opens with a PROXY protocol header; with TLS the transport reads it
   * before the handshake, within `timeoutMs`, and puts it in the connection's `proxy`
   * (without TLS the server's gate reads it); the server applies it.
   */
  proxyProtocol?: { timeoutMs: number };
  /** SO_REUSEPORT: several processes listen on one port and the kernel spreads connections among them. */
  reusePort?: boolean;
  /** Where idle connections' sockets wait with no object of ours, if the transport can park them (parking.ts). */
  parking?: Parking;
}

/** A runtime's socket that can keep a number for us (Bun's `data`). */
export interface ParkableSocket {
  data: unknown;
}

/** Where a transport parks idle sockets (ParkedSockets in parking.ts). */
export interface Parking {
  /** The transport has given up a socket's objects; `revive` makes it a Connection again. */
  park(socket: ParkableSocket, revive: (socket: ParkableSocket) => Connection, now: number, owner: ParkOwner | null): void;
  /** Whether `socket` is parked here. */
  holds(socket: ParkableSocket): boolean;
  /** The socket closed while parked: true if it is forgotten, false if its owner must hear it (wake it, then close). */
  forget(socket: ParkableSocket): boolean;
  /** The socket has an event: takes it out, with a new Connection and handler; returns the handler. */
  wake(socket: ParkableSocket): ConnectionHandler;
}

export interface Listener {
  readonly addr: Addr;
  /** Stops accepting; existing connections stay. */
  close(): void;
}

export interface Transport {
  readonly name: "node" | "deno" | "bun";
  /**
   * Binds and starts accepting. A runtime that binds synchronously (Deno.listen,
   * Bun.listen) returns the Listener itself, and a failure to bind throws: serve() then
   * holds its address when it returns, as Deno.serve and Bun.serve do. Where binding
   * completes later (node:net), a promise.
   */
  listen(options: ListenOptions, accept: (conn: Connection) => ConnectionHandler): Listener | Promise<Listener>;
}
