/** Deno.listen / Deno.listenTls transport. */
import { WritePool } from "../buffers/pool.ts";
import { type Addr, type Connection, type ConnectionHandler, HIGH_WATER_MARK, LINGER_MS, type Listener, type ListenOptions, type Transport } from "./types.ts";

// deno-lint-ignore no-explicit-any
const Deno = (globalThis as any).Deno;
/**
 * Read buffers adapt: an idle connection's pending read holds only MIN_READ
 * bytes (10,000 idle connections with 64 KiB each cost 665 MB); a read that
 * fills its buffer doubles the next one, up to MAX_READ.
 */
const MIN_READ = 4 * 1024;
const MAX_READ = 64 * 1024;
/**
 * A fresh ArrayBuffer costs V8 1.5-4 us (Deno keeps no typed array on the heap), more
 * than purehttp's whole parse of a request head. So a read of up to COPY_LIMIT bytes is
 * copied into a pooled region and the read buffer is used again; a larger read is
 * handed up as it is (zero-copy) and the next read gets a new buffer.
 */
const COPY_LIMIT = 4 * 1024;
/** Regions for those copies and for the gathered writes of a turn (buffers/pool.ts invariants). */
const pool = new WritePool();

class DenoConnection implements Connection {
  readonly remoteAddr: Addr;
  readonly localAddr: Addr;
  alpnProtocol: string | null = null;
  handler!: ConnectionHandler;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private writing = false;
  private ending = false;
  private closed = false;
  private paused = false;
  private eof = false;
  private wake: (() => void) | null = null;

  // deno-lint-ignore no-explicit-any
  constructor(private readonly conn: any, readonly encrypted: boolean) {
    const r = conn.remoteAddr, l = conn.localAddr;
    this.remoteAddr = { hostname: r.hostname, port: r.port, transport: "tcp" };
    this.localAddr = { hostname: l.hostname, port: l.port, transport: "tcp" };
  }

  async run(): Promise<void> {
    try {
      if (typeof this.conn.setNoDelay === "function") this.conn.setNoDelay(true);
      if (this.encrypted) {
        const hs = await this.conn.handshake();
        this.alpnProtocol = hs?.alpnProtocol ?? null;
      }
    } catch {
      this.destroy();
      return;
    }
    this.onReady();
    // Views passed up must stay valid: a buffer handed up is never read into again.
    let size = MIN_READ;
    let buf: Uint8Array | null = null;
    try {
      while (!this.closed) {
        if (this.paused || this.eof) {
          if (this.eof && this.ending) break;
          await new Promise<void>((r) => (this.wake = r));
          continue;
        }
        buf ??= new Uint8Array(size);
        const n: number | null = await this.conn.read(buf);
        if (n === null) {
          // Half-closed by the peer: stop reading, let the protocol finish what it owes.
          this.eof = true;
          this.handler.end();
          continue;
        }
        const full = n === buf.length;
        let chunk: Uint8Array;
        if (n <= COPY_LIMIT) chunk = pool.copy(buf.subarray(0, n));
        else {
          chunk = buf.subarray(0, n);
          buf = null;
        }
        if (full && size < MAX_READ) size *= 2;
        else if (n < size / 4 && size > MIN_READ) size /= 2;
        if (buf !== null && buf.length !== size) buf = null;
        if (!this.ending) this.handler.data(chunk);
      }
    } catch {
      // reset by peer or closed by us
    }
    this.destroy();
  }

  onReady: () => void = () => {};

  write(bytes: Uint8Array): boolean {
    if (this.closed || this.ending) return true;
    this.queue.push(bytes);
    this.queued += bytes.length;
    if (!this.writing) {
      // The writes of this turn (a head and its body, several pipelined responses)
      // gather first and leave in one write op.
      this.writing = true;
      queueMicrotask(this.startFlush);
    }
    return this.queued < HIGH_WATER_MARK;
  }

  private readonly startFlush = () => void this.flush();

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.closed) {
        // Gather small writes into one syscall.
        let chunk: Uint8Array;
        if (this.queue.length > 1 && this.queued <= HIGH_WATER_MARK) {
          chunk = pool.concat(this.queue);
          this.queue = [];
        } else chunk = this.queue.shift()!;
        let written = 0;
        while (written < chunk.length) written += await this.conn.write(chunk.subarray(written));
        const before = this.queued;
        this.queued -= chunk.length;
        if (before >= HIGH_WATER_MARK && this.queued < HIGH_WATER_MARK) this.handler.drain();
      }
    } catch {
      this.destroy();
      return;
    } finally {
      this.writing = false;
    }
    if (this.ending && !this.closed) this.finishEnd();
  }

  end(): void {
    if (this.ending || this.closed) return;
    this.ending = true;
    if (!this.writing) this.finishEnd();
  }

  private finishEnd(): void {
    try {
      this.conn.closeWrite();
    } catch {
      this.destroy();
      return;
    }
    if (this.eof) return this.destroy();
    this.resume();
    setTimeout(() => this.destroy(), LINGER_MS);
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed
    }
    this.wake?.();
    this.handler.close();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}

export const denoTransport: Transport = {
  name: "deno",
  /** Deno.listen binds synchronously: the Listener is returned as it is. */
  listen(options: ListenOptions, accept: (conn: Connection) => ConnectionHandler): Listener {
    const listener = options.tls
      ? Deno.listenTls({
          hostname: options.hostname,
          port: options.port,
          cert: options.tls.cert,
          key: options.tls.key,
          alpnProtocols: options.alpnProtocols,
        })
      : Deno.listen({ hostname: options.hostname, port: options.port });
    (async () => {
      try {
        for await (const raw of listener) {
          const conn = new DenoConnection(raw, !!options.tls);
          conn.onReady = () => (conn.handler = accept(conn));
          conn.handler = { data() {}, drain() {}, end() {}, close() {} };
          conn.run();
        }
      } catch {
        // listener closed
      }
    })();
    const a = listener.addr;
    return {
      addr: { hostname: a.hostname, port: a.port, transport: "tcp" },
      close: () => {
        try {
          listener.close();
        } catch {
          // already closed
        }
      },
    };
  },
};
