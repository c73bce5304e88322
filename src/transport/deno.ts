/** Deno.listen / Deno.listenTls transport: sockets to bytes (socket-connection.ts does the rest). */
import { HIGH_WATER_MARK } from "../buffers/write-queue.ts";
import { SocketConnection, transportPool } from "./socket-connection.ts";
import type { Addr, Connection, ConnectionHandler, Listener, ListenOptions, Transport } from "./types.ts";

// deno-lint-ignore no-explicit-any
const Deno = (globalThis as any).Deno;
/**
 * Read buffers adapt (nextReadSize): a read that fills its buffer doubles the next one,
 * up to MAX_READ; a read of under a quarter of it halves it, down to MIN_READ. 10,000
 * idle connections with 64 KiB each would hold 640 MiB.
 *
 * A connection starts smaller still, at FIRST_READ. Most connections that go idle (a
 * WebSocket after its handshake, a keep-alive connection after a GET) never sent more
 * than that, and their pending reads hold a quarter of MIN_READ each. The first read that
 * fills it goes straight to MIN_READ, and sizes stay at MIN_READ or above from then on:
 * each change of size takes a new buffer.
 */
const FIRST_READ = 1024;
const MIN_READ = 4 * 1024;
const MAX_READ = 64 * 1024;
/**
 * Deno keeps no typed array on the heap, so each new read buffer is a new ArrayBuffer,
 * which costs more than parsing a request head. So a read of up to COPY_LIMIT bytes is
 * copied into a pooled region and the read buffer is used again; a larger read is handed
 * up as it is (zero-copy) and the next read gets a new buffer.
 */
const COPY_LIMIT = 4 * 1024;

/** The size of the read after one of `size` bytes that took `n`. */
export function nextReadSize(size: number, n: number): number {
  if (n === size) return size < MAX_READ ? Math.max(size * 2, MIN_READ) : size;
  return n < size / 4 && size > MIN_READ ? size / 2 : size;
}

/**
 * Deno's read and write ops, which `conn.read` and `conn.write` call inside wrappers of
 * their own (`conn.read` an async function that also keeps each read's promise in a Set,
 * for `ref()`/`unref()`, which we never call): about a quarter of a microsecond a read,
 * about 2% of a hello request, and the write's wrapper about 1% (bench/README.md). Where
 * the runtime has them as its own `read` and `write` use them (`core.read(rid, buffer)`
 * resolving to the bytes read, 0 at the end; `core.write(rid, bytes)` to the bytes
 * written; the connection's rid under `core.internalRidSymbol`), the transport calls
 * them; otherwise, or after `usePublicOps()`, it goes through `conn.read` and
 * `conn.write`, with the same results.
 */
const core = Deno?.[Deno?.internal]?.core;
const RID: symbol | undefined = typeof core?.read === "function" && typeof core?.write === "function" && typeof core.internalRidSymbol === "symbol"
  ? core.internalRidSymbol
  : undefined;
let ops = RID !== undefined;

/** Reads and writes through `conn.read` and `conn.write` from now on (true), or through the ops where there are (false): for tests. */
export function usePublicOps(on = true): boolean {
  ops = !on && RID !== undefined;
  return ops;
}

/** What accept() throws for a connection that was gone before it was taken. */
const PEER_GONE = ["NotConnected", "ConnectionReset", "ConnectionAborted"];

class DenoConnection extends SocketConnection {
  /** Each write is an async op: gathering up to the high-water mark saves more than the copy costs. */
  protected override get gatherLimit(): number {
    return HIGH_WATER_MARK;
  }
  /** A write's promise settles once Deno no longer reads the bytes: what it took is done with. */
  protected override get followsSends(): boolean {
    return true;
  }
  alpnProtocol: string | null = null;
  private paused = false;
  /** The peer has half-closed: nothing more to read. */
  private eof = false;
  private wake: (() => void) | null = null;
  /** The part Deno is writing, and what its write's promise calls (made at the first write). */
  private inFlight: Uint8Array | null = null;
  private onWritten: ((n: number) => void) | null = null;
  private onWriteFailed: (() => void) | null = null;

  /** The connection's rid for Deno's ops, or undefined for the public `conn.read` and `conn.write`: chosen once a connection. */
  private readonly rid: number | undefined;

  // deno-lint-ignore no-explicit-any
  constructor(private readonly conn: any, readonly encrypted: boolean) {
    super();
    this.remote = conn.remoteAddr.port;
    this.rid = ops ? conn[RID!] : undefined;
  }

  /** Deno keeps the peer's address on the conn, after it closes too. */
  protected peerHostname(): string {
    return this.conn.remoteAddr.hostname;
  }

  /** Made when first asked for: the facade needs it only for a request without Host. */
  get localAddr(): Addr {
    const l = this.conn.localAddr;
    return { hostname: l.hostname, port: l.port, transport: "tcp" };
  }

  /** Handshakes (TLS), hands the connection to `accept`, then reads until the socket closes. */
  async run(accept: (conn: Connection) => ConnectionHandler): Promise<void> {
    try {
      if (typeof this.conn.setNoDelay === "function") this.conn.setNoDelay(true);
      if (this.encrypted) {
        const hs = await this.conn.handshake();
        this.alpnProtocol = hs?.alpnProtocol ?? null;
      }
      this.handler = accept(this);
      await this.readLoop();
    } catch {
      // reset by the peer, or closed by us
    }
    this.destroy();
    this.socketClosed();
  }

  private async readLoop(): Promise<void> {
    // Views passed up must stay valid: a buffer handed up is never read into again.
    let size = FIRST_READ;
    let buf: Uint8Array | null = null;
    while (this.phase !== "closed") {
      if (this.paused || this.eof) {
        if (this.eof && this.phase !== "open") return;
        await new Promise<void>((r) => (this.wake = r));
        continue;
      }
      buf ??= new Uint8Array(size);
      const n: number | null = this.rid !== undefined ? (await core.read(this.rid, buf)) || null : await this.conn.read(buf);
      if (n === null) {
        // Half-closed by the peer: stop reading, let the protocol finish what it owes.
        this.eof = true;
        this.handler.end();
        continue;
      }
      let chunk: Uint8Array;
      if (n <= COPY_LIMIT) chunk = transportPool.copy(buf.subarray(0, n));
      else {
        chunk = buf.subarray(0, n);
        buf = null;
      }
      size = nextReadSize(size, n);
      if (buf !== null && buf.length !== size) buf = null;
      if (this.phase !== "open") continue;
      if (this.trace !== null) this.trace.recv(chunk);
      this.handler.data(chunk);
    }
  }

  /** The end of the turn is a microtask: the writes of this read (and its handlers' microtasks) gather before it. */
  protected scheduleFlush(): void {
    queueMicrotask(this.flushNow);
  }

  private readonly flushNow = () => this.flush();

  /**
   * One write at a time; what is written while it is in flight goes once it settles
   * (sendSettled). A promise's callbacks, made once per connection, rather than an async
   * loop: that cost a promise, two callbacks and an await's turns each response.
   */
  protected sendPending(): boolean {
    // writable() has gathered this turn's writes, and returns first on a closed socket.
    const part = this.queue.front();
    if (part === null) return false;
    let write: Promise<number>;
    try {
      write = this.rid !== undefined ? core.write(this.rid, part) : this.conn.write(part);
    } catch {
      this.destroy(); // a socket Deno no longer has
      return false;
    }
    this.inFlight = part;
    write.then(this.onWritten ??= (n: number) => this.written(n), this.onWriteFailed ??= () => this.sendFailed());
    return true;
  }

  private written(n: number): void {
    const part = this.inFlight!;
    this.inFlight = null;
    this.taken(n);
    this.partWritten(part, n);
    this.sendSettled();
  }

  protected shutdownWrite(): void {
    this.conn.closeWrite();
    // The peer is done too: nothing is left to read.
    if (this.eof) return this.destroy();
    this.resume();
  }

  protected closeSocket(): void {
    this.conn.close();
    this.wakeReader();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wakeReader();
  }

  private wakeReader(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}

export const denoTransport: Transport = {
  name: "deno",
  /** Deno.listen binds synchronously: the Listener is returned as it is. */
  listen(options: ListenOptions, accept: (conn: Connection) => ConnectionHandler): Listener {
    if (options.tls && options.proxyProtocol) {
      throw new TypeError(`proxyProtocol with tls: Deno.listenTls completes the TLS handshake before a PROXY header could be read (serve() uses the node:net/node:tls transport for this)`);
    }
    // reusePort is behind --unstable-net in Deno (purehttp --workers passes it to its workers).
    const reuse = options.reusePort ? { reusePort: true } : {};
    const listener = options.tls
      ? Deno.listenTls({
          hostname: options.hostname,
          port: options.port,
          cert: options.tls.cert,
          key: options.tls.key,
          alpnProtocols: options.alpnProtocols,
          ...reuse,
        })
      : Deno.listen({ hostname: options.hostname, port: options.port, ...reuse });
    let closed = false;
    (async () => {
      for (;;) {
        let raw;
        try {
          raw = await listener.accept();
        } catch (e) {
          if (closed) return;
          // A connection its peer reset before we took it (a balancer's probe does that;
          // Deno's accept then throws NotConnected, reading the peer's address) must not end
          // the accept loop, and with it the server. Any other error (out of file
          // descriptors) gets a pause, not a spin.
          if (!PEER_GONE.includes((e as Error)?.name)) await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        new DenoConnection(raw, !!options.tls).run(accept);
      }
    })();
    const a = listener.addr;
    return {
      addr: { hostname: a.hostname, port: a.port, transport: "tcp" },
      close: () => {
        closed = true;
        try {
          listener.close();
        } catch {
          // already closed
        }
      },
    };
  },
};

