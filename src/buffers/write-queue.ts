/**
 * The bytes a connection has to send, between the protocol that writes them and the
 * socket that takes them. Every transport keeps its connection's writes here, the same
 * way:
 *
 *   push(bytes)  during a turn of the event loop: the writes of the turn gather (a head
 *                and its body, a batch of pipelined responses, a WebSocket echo)
 *   gather()     at the end of the turn: small writes are copied into one pooled region,
 *                so they leave in one send; past GATHER_LIMIT, neighbours are copied
 *                together in runs of up to that many bytes, and a write too large to
 *                join a run leaves as it is
 *   front()      what to hand the socket next, and accepted(n) for what it took
 *
 * Backpressure: once more than the high-water mark is waiting (here, or in the
 * socket's own buffer, as its `inSocket()` says), push returns false, and the caller is owed
 * a drain: accepted() or socketDrained() returns true when it is due.
 */
import type { WritePool } from "./pool.ts";

/** Bytes waiting per connection before a write reports backpressure. */
export const HIGH_WATER_MARK = 64 * 1024;
/** A turn's writes up to this many bytes are copied together; larger ones go as they are (a copy would cost more than the sends). */
export const GATHER_LIMIT = 16 * 1024;

/** What batch and pending hold while empty: an idle connection's queue keeps no arrays. Never written. */
const NO_PARTS: Uint8Array[] = [];

export class WriteQueue {
  /** This turn's writes. */
  private batch: Uint8Array[] = NO_PARTS;
  private batchBytes = 0;
  /** Gathered and not yet taken by the socket, in order. */
  private pending: Uint8Array[] = NO_PARTS;
  private pendingBytes = 0;
  /** A push reported backpressure: a drain is owed once the queue is under the mark. */
  private drainOwed = false;

  /**
   * @param socket says how many bytes the socket has taken but not yet sent (a runtime
   *   that keeps its own send buffer, as node:net does); counted toward the high-water
   *   mark. An object rather than a function, so that a connection passes itself and
   *   makes no closure.
   */
  constructor(private readonly pool: WritePool, private readonly socket: SocketBuffer = NO_SOCKET_BUFFER) {}

  /** Queues bytes (never written afterwards: buffers/pool.ts); false when over the high-water mark. */
  push(bytes: Uint8Array): boolean {
    this.append(bytes);
    return this.admit();
  }

  /** Queues bytes without saying whether more may follow (see admit). */
  append(bytes: Uint8Array): void {
    if (this.batch === NO_PARTS) this.batch = [bytes];
    else this.batch.push(bytes);
    this.batchBytes += bytes.length;
  }

  /**
   * Whether the writer may go on: true under the high-water mark; else false, and a drain
   * is owed from now on. Asked after any sending the write itself caused, so that a drain
   * is never paid before the writer has been told to wait for one.
   */
  admit(): boolean {
    if (this.waiting() < HIGH_WATER_MARK) return true;
    this.drainOwed = true;
    return false;
  }

  /** Bytes of this turn's writes. */
  get batched(): number {
    return this.batchBytes;
  }

  /** Nothing is waiting here (the socket may still hold bytes). */
  get empty(): boolean {
    return this.batch.length === 0 && this.pending.length === 0;
  }

  /**
   * Moves the turn's writes to the pending sends: consecutive writes are copied together
   * in runs of up to `limit` bytes (the whole turn in one, when it is within the limit),
   * and one that fills a run alone goes as it is. So a turn of many small writes (the
   * frames of 32 HTTP/2 responses) leaves in a few sends, not one a write, where the
   * socket takes one part a call (Bun). Returns the parts it copied (no longer read: their
   * owners may have them back), or null when it copied none.
   */
  gather(limit = GATHER_LIMIT): Uint8Array[] | null {
    const parts = this.batch;
    if (parts.length === 0) return null;
    const bytes = this.batchBytes;
    this.batch = NO_PARTS;
    this.batchBytes = 0;
    this.pendingBytes += bytes;
    if (parts.length === 1) {
      // With nothing pending, the turn's array becomes the pending one: no array made.
      if (this.pending.length === 0) this.pending = parts;
      else this.pending.push(parts[0]!);
      return null;
    }
    let copied: Uint8Array[] | null = null;
    let from = 0;
    let run = 0;
    for (let k = 0; k <= parts.length; k++) {
      const n = k < parts.length ? parts[k]!.length : Infinity;
      if (run + n <= limit) {
        run += n;
        continue;
      }
      // parts[from, k) is a run: one part goes as it is, several as one copy.
      if (k - from === 1) this.toPending(parts[from]!);
      else if (k > from) {
        const together = k - from === parts.length ? parts : parts.slice(from, k);
        this.toPending(this.pool.concat(together));
        if (copied === null) copied = together;
        else for (const p of together) copied.push(p);
      }
      from = k;
      run = n;
    }
    return copied;
  }

  private toPending(part: Uint8Array): void {
    if (this.pending === NO_PARTS) this.pending = [part];
    else this.pending.push(part);
  }

  /** Parts waiting to be handed to the socket. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** The next bytes to hand the socket, or null. */
  front(): Uint8Array | null {
    return this.pending.length > 0 ? this.pending[0]! : null;
  }

  /** The socket took n bytes from the front. True when a drain is due now. */
  accepted(n: number): boolean {
    let left = n;
    while (left > 0 && this.pending.length > 0) {
      const b = this.pending[0]!;
      if (left < b.length) {
        this.pending[0] = b.subarray(left);
        this.pendingBytes -= left;
        left = 0;
      } else {
        this.pending.shift();
        this.pendingBytes -= b.length;
        left -= b.length;
      }
    }
    if (this.pending.length === 0) this.pending = NO_PARTS;
    return this.drainDue();
  }

  /** The socket sent what it held (its own drain). True when a drain is due now. */
  socketDrained(): boolean {
    return this.drainDue();
  }

  /** Forgets everything waiting (the connection is gone). */
  clear(): void {
    this.batch = NO_PARTS;
    this.pending = NO_PARTS;
    this.batchBytes = this.pendingBytes = 0;
    this.drainOwed = false;
  }

  private waiting(): number {
    return this.batchBytes + this.pendingBytes + this.socket.inSocket();
  }

  private drainDue(): boolean {
    if (!this.drainOwed || this.waiting() >= HIGH_WATER_MARK) return false;
    this.drainOwed = false;
    return true;
  }
}

/** What the queue asks of the socket it feeds. */
export interface SocketBuffer {
  /** Bytes taken and not yet sent. */
  inSocket(): number;
}

const NO_SOCKET_BUFFER: SocketBuffer = { inSocket: () => 0 };
