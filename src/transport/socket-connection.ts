/**
 * What every transport's connection does the same way: writes go through a WriteQueue
 * (buffers/write-queue.ts) and leave at the end of the turn, and a connection closes
 * in one order:
 *
 *   open ──end()──> ending ──queue empty──> finished ──peer closes / LINGER_MS──> closed
 *     └───────────────────destroy()──────────────────────────────────────────────┘
 *
 * ending: nothing more is accepted; what is queued is sent, then our FIN.
 * finished: the FIN is out; reading goes on (and is discarded by the protocol) until
 *   the peer closes too, or LINGER_MS has passed (linger.ts), so that a late request of
 *   theirs does not make the kernel answer with a RST that would destroy the response
 *   they have yet to read.
 * closed: the socket is gone. The protocol hears `close()` once, when the runtime says
 *   the socket has closed (never from inside a call it made).
 *
 * A transport supplies only the socket: how to hand it bytes, how to half-close and
 * close it, how to pause it, and when the turn ends.
 */
import { WritePool } from "../buffers/pool.ts";
import { GATHER_LIMIT, WriteQueue } from "../buffers/write-queue.ts";
import type { ProxyHeader } from "../proxy/header.ts";
import { type Lingerer, lingering } from "./linger.ts";
import type { Addr, ByteTrace, Connection, ConnectionHandler } from "./types.ts";

/** Regions for the gathered writes of every connection (buffers/pool.ts invariants). */
export const transportPool = new WritePool();

/** The handler before `accept` has given one (a TLS handshake in progress, say). */
export const NO_HANDLER: ConnectionHandler = { data() {}, drain() {}, end() {}, close() {} };

export type Phase = "open" | "ending" | "finished" | "closed";

export abstract class SocketConnection implements Connection, Lingerer {
  /**
   * The peer's port until its address is first asked for, then the address: one slot,
   * and no object (nor address string) for a connection whose handlers never ask. Each
   * transport sets the port at open: Bun and node:net forget it once the socket closes.
   */
  protected remote: Addr | number = 0;
  abstract readonly localAddr: Addr;
  abstract readonly alpnProtocol: string | null;
  abstract readonly encrypted: boolean;
  handler: ConnectionHandler = NO_HANDLER;
  trace: ByteTrace | null = null;
  proxy: ProxyHeader | null = null;
  protected phase: Phase = "open";
  protected readonly queue: WriteQueue;
  private flushScheduled = false;
  /** A send is in progress (an asynchronous one, on Deno). */
  private sending = false;
  /** Where linger.ts keeps this connection while it lingers after its FIN; -1 otherwise. */
  lingerSlot = -1;

  constructor() {
    this.queue = new WriteQueue(transportPool, this);
  }

  /**
   * Bytes the socket has taken but not yet sent, where the runtime keeps its own send
   * buffer (node:net does); they count toward the queue's high-water mark.
   */
  inSocket(): number {
    return 0;
  }

  get remoteAddr(): Addr {
    const r = this.remote;
    if (typeof r !== "number") return r;
    return (this.remote = { hostname: this.peerHostname(), port: r, transport: "tcp" });
  }

  /** A PROXY header's source replaces the socket's (proxy-gate.ts). */
  set remoteAddr(addr: Addr) {
    this.remote = addr;
  }

  /** The peer's host, as the socket gives it (asked once, when the address is first wanted). */
  protected abstract peerHostname(): string;
  /** Arranges for `flush()` to run at the end of this turn of the event loop. */
  protected abstract scheduleFlush(): void;
  /**
   * Hands the queue's pending bytes to the socket, reporting each part taken with
   * `taken(n)`, until the queue is empty or the socket takes no more for now (it then
   * calls `writable()` when it does). Returns true where the runtime takes a part
   * asynchronously (Deno): the transport then calls `sendSettled()` once it has, or
   * `sendFailed()`.
   */
  protected abstract sendPending(): boolean;
  /** Sends our FIN; reading goes on. */
  protected abstract shutdownWrite(): void;
  /** Closes the socket at once; the runtime then reports the close (see socketClosed). */
  protected abstract closeSocket(): void;
  abstract pause(): void;
  abstract resume(): void;

  /**
   * Whether the transport can tell when the runtime no longer reads a part it was handed
   * (Connection.write's `sent`): it then reports each write with partWritten (or takes
   * the callback itself: takeSentCallback). Otherwise
   * `sent` is never called, and the bytes are left to the collector.
   */
  protected get followsSends(): boolean {
    return false;
  }
  /** Writes whose owner wants to hear when the runtime is done with their bytes, by part. */
  private sentCallbacks: Map<Uint8Array, () => void> | null = null;

  /**
   * The runtime took n bytes of `part` (after taken(n)): all of it, and its owner hears
   * it is done with, if one asked; some of it, and the rest (the queue's front now, a view
   * of the same bytes) is followed in its place.
   */
  protected partWritten(part: Uint8Array, n: number): void {
    if (n >= part.length) this.takeSentCallback(part)?.();
    else if (n > 0) {
      const rest = this.queue.front();
      const sent = rest === null ? undefined : this.takeSentCallback(part);
      if (sent !== undefined) this.sentCallbacks!.set(rest!, sent);
    }
  }

  /** Whether some part's owner waits to hear it was sent (and which callback), taking it. */
  protected takeSentCallback(part: Uint8Array): (() => void) | undefined {
    const map = this.sentCallbacks;
    if (map === null || map.size === 0) return undefined;
    const sent = map.get(part);
    if (sent !== undefined) map.delete(part);
    return sent;
  }

  // The transport's constants are getters, on the prototype: fields would take a slot in
  // every connection.

  /** Past GATHER_LIMIT, send at once rather than at the end of the turn (where a later write could not join anyway). */
  protected get sendEarly(): boolean {
    return false;
  }
  /** Writes of a turn up to this many bytes are copied into one send (where a send costs more than the copy, more). */
  protected get gatherLimit(): number {
    return GATHER_LIMIT;
  }

  write(bytes: Uint8Array, sent?: () => void): boolean {
    if (this.phase !== "open") return true;
    if (this.trace !== null) this.trace.sent(bytes);
    if (sent !== undefined && this.followsSends) (this.sentCallbacks ??= new Map()).set(bytes, sent);
    this.queue.append(bytes);
    if (this.sendEarly && this.queue.batched > GATHER_LIMIT) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.scheduleFlush();
    }
    // Only now: a send made above may have taken the bytes (a drain paid inside this call
    // would reach no one, as the caller has not yet been told to wait).
    return this.queue.admit();
  }

  /** The turn's writes go to the socket. */
  flush(): void {
    this.flushScheduled = false;
    this.writable();
  }

  /**
   * The socket can take bytes again (or the queue has new ones): send what is pending.
   * The writes made meanwhile are gathered only once what was pending has gone, so that
   * those of several turns (pipelined responses, HTTP/2 frames) made while a send was in
   * progress leave together.
   */
  writable(): void {
    if (this.sending || this.phase === "closed") return;
    this.gatherTurn();
    if (this.sendPending()) this.sending = true;
    else if (this.queue.front() === null && this.queue.batched > 0) this.writable();
    else this.sent();
  }

  /** An asynchronous send is done: what was written meanwhile goes next. */
  protected sendSettled(): void {
    this.sending = false;
    if (this.queue.front() !== null || this.queue.batched > 0) this.writable();
    else this.sent();
  }

  /** An asynchronous send failed: the socket is gone. */
  protected sendFailed(): void {
    this.sending = false;
    this.destroy();
  }

  /** With nothing pending, this turn's writes are gathered: the queue's front is what to send next. */
  private gatherTurn(): void {
    if (this.queue.front() !== null) return;
    // Parts copied into one send are done with at once.
    const copied = this.queue.gather(this.gatherLimit);
    if (copied !== null && this.sentCallbacks !== null) for (const p of copied) this.takeSentCallback(p)?.();
  }

  /** The socket took n bytes: a drain owed to the protocol is paid when the queue falls under its mark. */
  protected taken(n: number): void {
    if (this.queue.accepted(n)) this.handler.drain();
  }

  /** The socket's own buffer has been sent (runtimes that keep one). */
  protected socketDrained(): void {
    if (this.queue.socketDrained()) this.handler.drain();
  }

  /** What was queued has gone, as far as this turn goes (the queue may hold more: see `queue.empty`). */
  protected sent(): void {
    if (this.phase === "ending" && this.queue.empty) this.finishWrite();
  }

  end(): void {
    if (this.phase !== "open") return;
    this.phase = "ending";
    if (this.queue.empty && !this.sending) this.finishWrite();
    else this.writable();
  }

  private finishWrite(): void {
    this.phase = "finished";
    try {
      this.shutdownWrite();
    } catch {
      return this.destroy();
    }
    if ((this.phase as Phase) === "closed") return;
    lingering.add(this, Date.now());
  }

  destroy(): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    this.queue.clear();
    this.sentCallbacks = null; // what was never sent is left to the collector
    try {
      this.closeSocket();
    } catch {
      // closed already
    }
  }

  /** The runtime says the socket has closed: the protocol hears it, once. */
  protected socketClosed(): void {
    this.phase = "closed";
    this.queue.clear();
    this.sentCallbacks = null;
    if (this.lingerSlot >= 0) lingering.remove(this);
    const h = this.handler;
    this.handler = NO_HANDLER;
    h.close();
    this.trace?.closed();
  }
}
