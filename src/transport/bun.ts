/** Bun.listen transport (with `tls` for TLS): sockets to bytes (socket-connection.ts does the rest). */
import { NO_HANDLER, SocketConnection } from "./socket-connection.ts";
import type { Addr, Connection, ConnectionHandler, Listener, ListenOptions, ParkableSocket, Parking, Transport } from "./types.ts";

// deno-lint-ignore no-explicit-any
const Bun = (globalThis as any).Bun;
// deno-lint-ignore no-explicit-any
type BunSocket = any;

/** Every connection's `held` until something is held (one array less per idle connection); never written. */
const NOTHING_HELD: Uint8Array[] = [];

/**
 * The connections whose writes wait for the end of this turn: one immediate flushes
 * them all. An immediate each cost more than the flush itself under load (every
 * answer to a kept-alive connection is written after its handler's await, outside
 * any data callback).
 */
let toFlush: BunConnection[] = [];
function flushAll(): void {
  const due = toFlush;
  toFlush = [];
  for (let i = 0; i < due.length; i++) {
    try {
      due[i]!.flush();
    } catch (e) {
      // As it would from an immediate of its own, without holding back the others' writes.
      queueMicrotask(() => {
        throw e;
      });
    }
  }
}

/** What every connection of one listener shares: one field on each connection instead of several. */
interface Listening {
  readonly encrypted: boolean;
  /** Where idle connections' sockets wait with no object of ours (parking.ts), if the server parks them. */
  readonly parking: Parking | undefined;
  /** The socket's Connection, made anew: when it opens, and when it wakes from parking. */
  readonly connectionFor: (socket: ParkableSocket) => BunConnection;
}

class BunConnection extends SocketConnection {
  readonly alpnProtocol: string | null;
  paused = false;
  /** The protocol asked to park (Connection.park): done once the queue has gone, undone by bytes that come first. */
  private parkWanted = false;
  /** Received while paused; delivered on resume (Bun sockets may not support pause). */
  private held: Uint8Array[] = NOTHING_HELD;
  /** A data callback is running: its end sends what it wrote (see received). */
  private receiving = false;
  /** Past GATHER_LIMIT parts go out one send each anyway: waiting for the turn's end gains nothing. */
  protected override get sendEarly(): boolean {
    return true;
  }

  constructor(private readonly socket: BunSocket, private readonly at: Listening) {
    super();
    this.remote = socket.remotePort ?? 0;
    const alpn = at.encrypted ? socket.alpnProtocol : null;
    this.alpnProtocol = typeof alpn === "string" && alpn ? alpn : null;
  }

  get encrypted(): boolean {
    return this.at.encrypted;
  }

  protected peerHostname(): string {
    return this.socket.remoteAddress ?? "";
  }

  /** Made when first asked for: the facade needs it only for a request without Host. */
  get localAddr(): Addr {
    return { hostname: this.socket.localAddress ?? "", port: this.socket.localPort ?? 0, transport: "tcp" };
  }

  /**
   * Bun has no cork, and the end of the turn is an immediate, not a microtask: pipelined
   * responses are written many microtask hops apart (each awaits its handler and its
   * body), and a microtask flush would send each with its own syscall. Inside a data
   * callback, its end sends instead.
   */
  protected scheduleFlush(): void {
    if (this.receiving) return;
    if (toFlush.push(this) === 1) setImmediate(flushAll);
  }

  /**
   * Bytes from a data callback. What the protocol writes while handling them (a WebSocket
   * echo, an HTTP/2 SETTINGS ack, a WINDOW_UPDATE) leaves as the callback returns, not
   * at the next immediate: a reply made at once goes out at once.
   */
  received(data: Uint8Array): void {
    this.parkWanted = false;
    this.receiving = true;
    try {
      if (this.trace !== null) this.trace.recv(data);
      this.handler.data(data);
    } finally {
      // Even if the protocol threw: what it wrote must not wait for a later write's immediate.
      this.receiving = false;
      if (this.queue.batched > 0) this.flush();
    }
  }

  /** Bun's write hands the kernel what it will take, maybe part, and keeps nothing of ours. */
  protected override get followsSends(): boolean {
    return true;
  }

  /** Bun's write takes what the kernel will, maybe part; its drain callback (writable) says when to go on. */
  protected sendPending(): false {
    for (let part = this.queue.front(); part !== null; part = this.queue.front()) {
      const n: number = this.socket.write(part);
      if (n > 0) this.taken(n);
      this.partWritten(part, n);
      if (n < part.length) return false;
    }
    return false;
  }

  /** Parks once what is queued has gone (at once if nothing is). */
  park(): void {
    if (this.at.parking === undefined) return;
    this.parkWanted = true;
    if (this.queue.empty) this.parkNow();
  }

  protected override sent(): void {
    super.sent();
    if (this.parkWanted && this.queue.empty) this.parkNow();
  }

  /**
   * Gives the socket up to the parking table, if nothing has changed since the protocol
   * asked and the protocol still lets go. This object never touches the socket again
   * (its phase is closed: a write from something still holding it is dropped).
   */
  private parkNow(): void {
    this.parkWanted = false;
    if (this.phase !== "open" || this.paused || this.held.length > 0 || this.trace !== null || this.proxy !== null) return;
    const lets = this.handler.park?.();
    if (!lets) return;
    this.phase = "closed";
    this.handler = NO_HANDLER;
    this.at.parking!.park(this.socket, this.at.connectionFor, Date.now(), lets === true ? null : lets);
  }

  protected shutdownWrite(): void {
    this.keepAddress();
    this.socket.shutdown?.();
  }

  protected closeSocket(): void {
    this.keepAddress();
    this.socket.end();
  }

  closed(): void {
    this.keepAddress();
    this.socketClosed();
  }

  /**
   * Bun forgets the peer's address once the socket ends: made now, while Bun still has
   * it, for a handler still at work that may yet ask (the peer's FIN, our own end or
   * close, whichever comes first).
   */
  keepAddress(): void {
    if (typeof this.remote === "number") void this.remoteAddr;
  }

  get holding(): boolean {
    return this.held.length > 0;
  }

  /** Keeps bytes that came while paused. */
  hold(data: Uint8Array): void {
    if (this.held === NOTHING_HELD) this.held = [];
    this.held.push(data);
  }

  pause(): void {
    this.paused = true;
    this.socket.pause?.();
  }

  resume(): void {
    this.paused = false;
    this.socket.resume?.();
    while (this.held.length > 0 && !this.paused) this.received(this.held.shift()!);
  }
}

export const bunTransport: Transport = {
  name: "bun",
  /** Bun.listen binds synchronously: the Listener is returned as it is. */
  listen(options: ListenOptions, accept: (conn: Connection) => ConnectionHandler): Listener {
    if (options.tls && options.proxyProtocol) {
      throw new TypeError(`proxyProtocol with tls: Bun.listen completes the TLS handshake before a PROXY header could be read (serve() uses the node:net/node:tls transport for this)`);
    }
    const parking = options.parking;
    const at: Listening = {
      encrypted: !!options.tls,
      parking,
      connectionFor: (socket: ParkableSocket) => (socket.data = new BunConnection(socket, at)),
    };
    const open = (socket: BunSocket) => {
      const conn = at.connectionFor(socket);
      conn.handler = accept(conn);
    };
    /** The socket's connection; undefined before it has opened (TLS handshake) and while it is parked (a slot number). */
    const held = (socket: BunSocket): BunConnection | undefined => {
      const d = socket.data;
      return typeof d === "object" && d !== null ? d : undefined;
    };
    /** The same, made anew first if it was parked. */
    const connOf = (socket: BunSocket): BunConnection | undefined => {
      if (parking?.holds(socket)) parking.wake(socket);
      return held(socket);
    };
    const server = Bun.listen({
      hostname: options.hostname,
      port: options.port,
      ...(options.reusePort ? { reusePort: true } : {}),
      tls: options.tls
        ? { cert: options.tls.cert, key: options.tls.key, ALPNProtocols: alpnWire(options.alpnProtocols) }
        : undefined,
      socket: {
        open(socket: BunSocket) {
          socket.setNoDelay?.(true);
          if (!at.encrypted) open(socket); // with TLS, wait for the handshake, so ALPN is known
        },
        handshake(socket: BunSocket, success: boolean) {
          if (!success) return socket.end();
          open(socket);
        },
        // Bun gives each data callback a fresh buffer (checked: it never rewrites one we
        // hold), so the parser may keep views of it (buffers/pool.ts invariant 2).
        data(socket: BunSocket, data: Uint8Array) {
          const conn = connOf(socket);
          if (!conn) return;
          if (conn.paused || conn.holding) conn.hold(data);
          else conn.received(data);
        },
        drain(socket: BunSocket) {
          held(socket)?.writable(); // a parked socket has nothing queued
        },
        end(socket: BunSocket) {
          const conn = connOf(socket);
          if (!conn) return;
          conn.keepAddress();
          conn.handler.end();
        },
        close(socket: BunSocket) {
          // A parked socket that closes is forgotten, unless its owner must hear it: then it wakes to close.
          if (parking?.holds(socket) && !parking.forget(socket)) parking.wake(socket);
          held(socket)?.closed();
        },
        error() {},
      },
    });
    return {
      addr: { hostname: server.hostname, port: server.port, transport: "tcp" },
      close: () => server.stop(false),
    };
  },
};

/** Bun takes ALPN protocols in their TLS wire form: each name prefixed by its length. */
function alpnWire(protocols: string[] | undefined): ArrayBuffer | null {
  if (!protocols?.length) return null;
  const bytes = protocols.flatMap((p) => [p.length, ...Array.from(p, (c) => c.charCodeAt(0))]);
  return Uint8Array.from(bytes).buffer;
}
