/**
 * One WebSocket connection's protocol state (RFC 6455 §5-§7), sans-I/O: bytes in
 * give events, API calls give bytes out. Pings are answered, the closing
 * handshake is carried out, and protocol errors close with their code.
 *
 * How the cores hand out events, and why they differ: HTTP/1.1's parser is pulled
 * (`next()`), because its caller must be able to stop between messages and leave the
 * rest unread (pipelining depth, an Upgrade awaiting its answer). HTTP/2 pushes to a
 * handler object, because one read carries frames of many streams that the connection
 * must act on whatever the application does with any one of them (its backpressure is
 * flow control, not reading less). A WebSocket has one stream of messages and no
 * reason to stop mid-read (backpressure is the transport's), so `receive` takes a
 * callback for the events of that read: nothing to keep between reads.
 */
import type { WritePool } from "../buffers/pool.ts";
import { WsError } from "./errors.ts";
import { Opcode, closePayload, encodeFrame, isValidCloseCode } from "./frame.ts";
import { Inflater, deflateMessage } from "./deflate.ts";
import { Receiver, type WsLimits, wsLimits } from "./receiver.ts";

export const enum ReadyState {
  Connecting = 0,
  Open = 1,
  Closing = 2,
  Closed = 3,
}

export type SessionEvent =
  | { type: "message"; binary: boolean; data: Uint8Array }
  | { type: "ping"; data: Uint8Array }
  | { type: "pong"; data: Uint8Array }
  | { type: "error"; error: WsError }
  /** The closing handshake is over (or the connection failed): the transport may close. */
  | { type: "close"; code: number; reason: string; wasClean: boolean };

/**
 * Who hears a session's events: an object rather than a callback, so that a socket's
 * link passes itself and keeps no closure.
 */
export interface SessionSink {
  event(e: SessionEvent): void;
}

/** What permessage-deflate settled on for our messages. */
export interface Deflate {
  /** server_max_window_bits (8..15): how far back our matches may reach. */
  windowBits: number;
}

/** What a session's output holds when there is none. Never written. */
const NO_OUTPUT: Uint8Array[] = [];

/** Messages shorter than this go uncompressed: the saving would not pay for the work. */
const MIN_COMPRESSED = 64;

/**
 * One message for many sockets (pub/sub): compressed once for each window size the
 * sockets agreed on, not once for each socket.
 */
export class SharedMessage {
  private readonly packed = new Map<number, Uint8Array>();
  constructor(readonly data: Uint8Array) {}

  compressed(windowBits: number): Uint8Array {
    let p = this.packed.get(windowBits);
    if (p === undefined) this.packed.set(windowBits, (p = deflateMessage(this.data, windowBits)));
    return p;
  }
}

export class WsSession {
  state: ReadyState = ReadyState.Open;
  /**
   * The frame receiver, while a frame or message is part-way in; null at rest (see
   * receive), so each of many idle sockets keeps three objects fewer.
   */
  private receiver: Receiver | null = null;
  /** The limits every receiver of this session is made with, resolved once. */
  private readonly limits: WsLimits;
  /** permessage-deflate's inflater, which keeps the peer's window between messages. */
  private inflater: Inflater | null = null;
  /** Frames to write; NO_OUTPUT while there are none (no array per idle socket). */
  private out: Uint8Array[] = NO_OUTPUT;
  private outBytes = 0;

  /** permessage-deflate as negotiated (see handshake.ts), or null. */
  private deflate: Deflate | null = null;

  constructor(readonly role: "server" | "client", private readonly pool: WritePool, limits: Partial<WsLimits> = {}) {
    this.limits = wsLimits(limits);
  }

  /**
   * RFC 7692, as negotiated: messages from the peer may come compressed (inflated with
   * the window carried between them unless the peer resets it), and ours of at least
   * MIN_COMPRESSED bytes go compressed when that makes them smaller, each on its own
   * (we negotiate no_context_takeover for our side), reaching back at most 2^windowBits.
   */
  enableDeflate(deflate: Deflate): void {
    this.deflate = deflate;
    this.inflater = new Inflater();
    this.receiver?.acceptCompression(this.inflater);
  }

  /** Open, with nothing part-way in, nothing to write and no compression state: a new session would go on the same. */
  get idle(): boolean {
    return this.state === ReadyState.Open && this.receiver === null && this.out === NO_OUTPUT && this.deflate === null;
  }

  receive(chunk: Uint8Array, sink: SessionSink): void {
    if (this.state === ReadyState.Closed) return;
    const r = (this.receiver ??= this.newReceiver());
    r.feed(chunk);
    this.dispatch(r, sink);
    if (r.atRest) this.receiver = null;
  }

  private newReceiver(): Receiver {
    const r = new Receiver(this.role, this.limits);
    if (this.inflater) r.acceptCompression(this.inflater);
    return r;
  }

  private dispatch(receiver: Receiver, sink: SessionSink): void {
    for (let e = receiver.next(); e; e = receiver.next()) {
      switch (e.type) {
        case "message":
          if (this.state === ReadyState.Open || this.state === ReadyState.Closing) sink.event(e);
          break;
        case "ping":
          // §5.5.2: a Ping is answered with a Pong carrying the same data, unless we are closing.
          if (this.state === ReadyState.Open) this.frame(Opcode.Pong, e.data);
          sink.event(e);
          break;
        case "pong":
          sink.event(e);
          break;
        case "close": {
          // §5.5.1: answer a Close with a Close (echoing the code), then the server closes TCP.
          // The reason is echoed too, so the peer's close event reports what it said.
          if (this.state === ReadyState.Open) this.frame(Opcode.Close, closePayload(e.code === 1005 ? undefined : e.code, e.reason));
          this.state = ReadyState.Closed;
          sink.event({ type: "close", code: e.code, reason: e.reason, wasClean: true });
          return;
        }
        case "error":
          this.fail(e.error, sink);
          return;
      }
    }
  }

  /** §7.1.7: fail the connection: send a Close with the error's code, then close. */
  fail(error: WsError, sink: SessionSink): void {
    if (this.state === ReadyState.Closed) return;
    if (this.state === ReadyState.Open) this.frame(Opcode.Close, closePayload(error.closeCode, error.message.slice(0, 120)));
    this.state = ReadyState.Closed;
    sink.event({ type: "error", error });
    sink.event({ type: "close", code: error.closeCode, reason: error.message, wasClean: false });
  }

  /** Queues a data message (compressed where negotiated, unless `compress` is false); false if no longer open. */
  send(binary: boolean, message: Uint8Array | SharedMessage, compress = true): boolean {
    if (this.state !== ReadyState.Open) return false;
    const opcode = binary ? Opcode.Binary : Opcode.Text;
    const data = message instanceof SharedMessage ? message.data : message;
    if (compress && this.deflate && data.length >= MIN_COMPRESSED) {
      const bits = this.deflate.windowBits;
      const packed = message instanceof SharedMessage ? message.compressed(bits) : deflateMessage(data, bits);
      // RFC 7692 §6: any message may go uncompressed; one that would not shrink does.
      if (packed.length < data.length) {
        this.frame(opcode, packed, true);
        return true;
      }
    }
    this.frame(opcode, data);
    return true;
  }

  ping(data: Uint8Array): boolean {
    if (this.state !== ReadyState.Open || data.length > 125) return false;
    this.frame(Opcode.Ping, data);
    return true;
  }

  pong(data: Uint8Array): boolean {
    if (this.state !== ReadyState.Open || data.length > 125) return false;
    this.frame(Opcode.Pong, data);
    return true;
  }

  /** Starts the closing handshake (§7.1.2). Throws on a code or reason the API forbids. */
  close(code?: number, reason = ""): void {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999) && !isValidCloseCode(code))
      throw new RangeError(`invalid close code ${code}`);
    const payload = closePayload(code, reason);
    if (payload.length > 125) throw new SyntaxError("close reason longer than 123 bytes");
    if (this.state !== ReadyState.Open) return;
    this.frame(Opcode.Close, payload);
    this.state = ReadyState.Closing;
  }

  /** Bytes to write, in order; the views are ours to give away (the array is not: never write it). */
  takeOutput(): readonly Uint8Array[] {
    const o = this.out;
    this.out = NO_OUTPUT;
    this.outBytes = 0;
    return o;
  }

  get pendingBytes(): number {
    return this.outBytes;
  }

  private frame(opcode: number, payload: Uint8Array, rsv1 = false): void {
    const key = this.role === "client" ? crypto.getRandomValues(new Uint8Array(4)) : null;
    for (const b of encodeFrame(this.pool, opcode, payload, { maskKey: key, rsv1 })) {
      if (this.out === NO_OUTPUT) this.out = [b];
      else this.out.push(b);
      this.outBytes += b.length;
    }
  }
}
