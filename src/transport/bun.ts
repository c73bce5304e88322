/** Bun.listen transport (with `tls` for TLS). */
import { concatBytes } from "../buffers/bytes.ts";
import { type Addr, type Connection, type ConnectionHandler, HIGH_WATER_MARK, LINGER_MS, type Listener, type ListenOptions, type Transport } from "./types.ts";

// deno-lint-ignore no-explicit-any
const Bun = (globalThis as any).Bun;
// deno-lint-ignore no-explicit-any
type BunSocket = any;

/** Every connection's `held` until something is held (one array less per idle connection); never written. */
const NOTHING_HELD: Uint8Array[] = [];
const sendBatchOf = (conn: BunConnection) => conn.sendBatch();

/** A turn's writes up to this many bytes are copied into one buffer for one write call. */
const GATHER_LIMIT = 16 * 1024;

class BunConnection implements Connection {
  readonly remoteAddr: Addr;
  readonly alpnProtocol: string | null;
  handler!: ConnectionHandler;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private ending = false;
  private closed = false;
  paused = false;
  /** Received while paused; delivered on resume (Bun sockets may not support pause). */
  private held: Uint8Array[] = NOTHING_HELD;

  constructor(private readonly socket: BunSocket, readonly encrypted: boolean) {
    this.remoteAddr = { hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0, transport: "tcp" };
    const alpn = encrypted ? socket.alpnProtocol : null;
    this.alpnProtocol = typeof alpn === "string" && alpn ? alpn : null;
  }

  /**
   * Writes of one turn, sent together at its end (Bun has no cork). The end of the turn is
   * an immediate, not a microtask: pipelined responses are written many microtask hops
   * apart (each awaits its handler and its body), and a microtask flush sent each of them
   * with its own syscall (15 sends per read under 16-pipelined wrk; measured with strace).
   */
  private batch: Uint8Array[] = [];
  private batchBytes = 0;

  write(bytes: Uint8Array): boolean {
    if (this.closed || this.ending) return true;
    this.batch.push(bytes);
    this.batchBytes += bytes.length;
    // Past GATHER_LIMIT the parts go out one by one anyway: waiting for the turn's end gains nothing.
    if (this.batchBytes > GATHER_LIMIT) this.sendParts();
    // Inside a data callback, its end sends the batch (see received()).
    else if (!this.flushScheduled && !this.receiving) {
      this.flushScheduled = true;
      setImmediate(sendBatchOf, this);
    }
    if (this.queued + this.batchBytes < HIGH_WATER_MARK) return true;
    this.drainOwed = true;
    return false;
  }

  /** A data callback is running. */
  private receiving = false;

  /**
   * Bytes from a data callback. What the protocol writes while handling them (a WebSocket
   * echo, an HTTP/2 SETTINGS ack, a WINDOW_UPDATE) leaves as the callback returns, not
   * at the next immediate: a reply made at once goes out at once. Writes made later, in
   * the microtasks of a handler, still gather until the immediate.
   */
  received(data: Uint8Array): void {
    this.receiving = true;
    try {
      this.handler.data(data);
    } finally {
      // Even if the protocol threw: what it wrote must not wait for a later write's immediate.
      this.receiving = false;
      if (this.batch.length > 0) this.sendBatch();
    }
  }

  /** We reported backpressure: a drain is owed once the queue is below the mark. */
  private drainOwed = false;
  private flushScheduled = false;

  /** Made when first asked for: the facade needs it only for a request without Host. */
  get localAddr(): Addr {
    return { hostname: this.socket.localAddress ?? "", port: this.socket.localPort ?? 0, transport: "tcp" };
  }

  sendBatch(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    if (this.batch.length > 0) this.sendParts();
    if (this.ending && this.queue.length === 0) this.finishEnd();
    // Bun fires its own drain only after a partial write; if all went out, we owe it.
    else if (this.drainOwed && this.queued < HIGH_WATER_MARK) {
      this.drainOwed = false;
      this.handler.drain();
    }
  }

  private sendParts(): void {
    const parts = this.batch;
    const bytes = this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    // Small parts: one copy into a fresh buffer costs far less than a syscall per part.
    // Past GATHER_LIMIT the copy costs more than the syscalls it saves.
    if (bytes <= GATHER_LIMIT || parts.length === 1) this.send(concatBytes(parts));
    else for (const part of parts) this.send(part);
  }

  private send(bytes: Uint8Array): void {
    if (this.queue.length === 0) {
      const n: number = this.socket.write(bytes);
      if (n >= bytes.length) return;
      bytes = bytes.subarray(Math.max(0, n));
    }
    this.queue.push(bytes);
    this.queued += bytes.length;
  }

  /** Bun's drain: the kernel buffer has room again. */
  onWritable(): void {
    while (this.queue.length > 0) {
      const b = this.queue[0]!;
      const n: number = this.socket.write(b);
      if (n < b.length) {
        if (n > 0) {
          this.queue[0] = b.subarray(n);
          this.queued -= n;
        }
        return;
      }
      this.queue.shift();
      this.queued -= b.length;
    }
    if (this.ending) return this.finishEnd();
    this.drainOwed = false;
    this.handler.drain();
  }

  end(): void {
    if (this.ending || this.closed) return;
    this.ending = true;
    if (this.queue.length === 0 && this.batch.length === 0) this.finishEnd();
  }

  private finished = false;

  private finishEnd(): void {
    if (this.finished) return;
    this.finished = true;
    this.socket.shutdown?.();
    setTimeout(() => this.destroy(), LINGER_MS);
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
  }

  onClose(): void {
    if (this.closed && this.handler === undefined) return;
    this.closed = true;
    this.handler?.close();
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
    const encrypted = !!options.tls;
    const server = Bun.listen({
      hostname: options.hostname,
      port: options.port,
      tls: options.tls
        ? { cert: options.tls.cert, key: options.tls.key, ALPNProtocols: alpnWire(options.alpnProtocols) }
        : undefined,
      socket: {
        open(socket: BunSocket) {
          socket.setNoDelay?.(true);
          if (encrypted) return; // wait for the handshake, so ALPN is known
          const conn = new BunConnection(socket, false);
          socket.data = conn;
          conn.handler = accept(conn);
        },
        handshake(socket: BunSocket, success: boolean) {
          if (!success) return socket.end();
          const conn = new BunConnection(socket, true);
          socket.data = conn;
          conn.handler = accept(conn);
        },
        // Bun gives each data callback a fresh buffer (checked: it never rewrites one we
        // hold), so the parser may keep views of it (buffers/pool.ts invariant 2).
        data(socket: BunSocket, data: Uint8Array) {
          const conn: BunConnection = socket.data;
          if (!conn) return;
          if (conn.paused || conn.holding) conn.hold(data);
          else conn.received(data);
        },
        drain(socket: BunSocket) {
          (socket.data as BunConnection | undefined)?.onWritable();
        },
        end(socket: BunSocket) {
          (socket.data as BunConnection | undefined)?.handler.end();
        },
        close(socket: BunSocket) {
          (socket.data as BunConnection | undefined)?.onClose();
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
