/**
 * Bun's WebSocket API: `server.upgrade(request, { data, headers })` and serve's
 * `websocket: { open, message, close, drain, ping, pong }` handlers, called with a
 * `ServerWebSocket` that also subscribes and publishes to topics.
 */
import type { WsError } from "../../ws/errors.ts";
import { DEFAULT_WS_LIMITS } from "../../ws/receiver.ts";
import { ReadyState, SharedMessage } from "../../ws/session.ts";
import { untouchedLacks } from "../lazy-request.ts";
import { claimWebSocket, handshakeOf } from "./claim.ts";
import type { Endpoint, WsLink, WsOptions } from "./link.ts";
import { bytesOf, decoder, encoder, reportError, toArrayBuffer } from "./payload.ts";
import { SEND, type Subscriber, type Topics } from "./topics.ts";

export interface BunWebSocketHandlers<T = unknown> extends WsOptions {
  open?(ws: ServerWebSocket<T>): unknown;
  message?(ws: ServerWebSocket<T>, message: string | Uint8Array): unknown;
  close?(ws: ServerWebSocket<T>, code: number, reason: string): unknown;
  drain?(ws: ServerWebSocket<T>): unknown;
  ping?(ws: ServerWebSocket<T>, data: Uint8Array): unknown;
  pong?(ws: ServerWebSocket<T>, data: Uint8Array): unknown;
  error?(ws: ServerWebSocket<T>, error: Error): unknown;
  /** Bun's option names for the limits. */
  maxPayloadLength?: number;
  /** Close when this many bytes are queued for a slow client (Bun: backpressureLimit). Default 16 MiB. */
  backpressureLimit?: number;
}

export interface BunUpgradeOptions<T = unknown> {
  data?: T;
  headers?: HeadersInit;
}

const Buf = (globalThis as { Buffer?: { from(b: ArrayBuffer, o: number, n: number): Uint8Array } }).Buffer;

/** Bun's `ServerWebSocket`. */
export class ServerWebSocket<T = unknown> implements Endpoint, Subscriber {
  binaryType: "nodebuffer" | "arraybuffer" | "uint8array" = "nodebuffer";
  private link: WsLink | null = null;
  /** Topics this socket is subscribed to; made on the first subscribe (most sockets never do). */
  private subscribed: Set<string> | null = null;

  constructor(
    public data: T,
    private readonly handlers: BunWebSocketHandlers<T>,
    private readonly topics: Topics,
  ) {}

  /** The client's address, asked of the connection when read (most sockets are never asked: no string for them). */
  get remoteAddress(): string {
    return this.link?.conn.remoteAddr.hostname ?? "";
  }

  get readyState(): number {
    return this.link?.state ?? ReadyState.Connecting;
  }

  get subscriptions(): string[] {
    return this.subscribed ? [...this.subscribed] : [];
  }

  /**
   * -1: queued but the client is behind (wait for drain); 0: dropped (closed); else bytes
   * sent. `compress`: false sends it uncompressed even where permessage-deflate was agreed.
   */
  send(message: string | ArrayBufferView | ArrayBuffer, compress?: boolean, binary?: boolean): number {
    if (!this.link || this.link.state !== ReadyState.Open) return 0;
    const isText = typeof message === "string" || binary === false;
    const bytes = typeof message === "string" ? encoder.encode(message) : bytesOf(message as ArrayBufferView);
    return this[SEND](bytes, !isText, compress !== false);
  }

  /** Queues the message, unless the client is too far behind (then it is closed with 1009). */
  [SEND](message: Uint8Array | SharedMessage, binary: boolean, compress: boolean): number {
    const link = this.link;
    if (!link || link.state !== ReadyState.Open) return 0;
    const limit = this.handlers.backpressureLimit ?? 16 * 1024 * 1024;
    if (link.bufferedAmount > limit) {
      link.startClose(1009, "client too slow");
      return 0;
    }
    link.session.send(binary, message, compress);
    const length = message instanceof SharedMessage ? message.data.length : message.length;
    return link.flush() ? length : -1;
  }

  sendText(message: string, compress?: boolean): number {
    return this.send(message, compress);
  }

  sendBinary(message: ArrayBufferView | ArrayBuffer, compress?: boolean): number {
    return this.send(message, compress, true);
  }

  close(code?: number, reason?: string): void {
    this.link?.startClose(code, reason ?? "");
  }

  terminate(): void {
    this.link?.destroy();
  }

  ping(data: string | ArrayBufferView = new Uint8Array(0)): number {
    const b = typeof data === "string" ? encoder.encode(data) : bytesOf(data);
    if (!this.link?.session.ping(b)) return 0;
    return this.link.flush() ? b.length : -1;
  }

  pong(data: string | ArrayBufferView = new Uint8Array(0)): number {
    const b = typeof data === "string" ? encoder.encode(data) : bytesOf(data);
    if (!this.link?.session.pong(b)) return 0;
    return this.link.flush() ? b.length : -1;
  }

  subscribe(topic: string): void {
    (this.subscribed ??= new Set()).add(topic);
    this.topics.subscribe(topic, this);
  }

  unsubscribe(topic: string): void {
    this.subscribed?.delete(topic);
    this.topics.unsubscribe(topic, this);
  }

  isSubscribed(topic: string): boolean {
    return this.subscribed?.has(topic) ?? false;
  }

  /** Sends to every other subscriber of `topic`. */
  publish(topic: string, data: string | ArrayBufferView | ArrayBuffer): number {
    return this.topics.publish(topic, data, this);
  }

  cork<R>(fn: (ws: this) => R): R {
    return fn(this);
  }

  get bufferedAmount(): number {
    return this.link?.bufferedAmount ?? 0;
  }

  /** Every use of this socket goes through its link, which wakes a parked one (link.ts). */
  get parkable(): boolean {
    return true;
  }

  attach(link: WsLink): void {
    this.link = link;
  }

  onOpen(): void {
    this.call(() => this.handlers.open?.(this));
  }

  onMessage(binary: boolean, data: Uint8Array): void {
    let m: string | Uint8Array | ArrayBuffer;
    if (!binary) m = decoder.decode(data);
    else if (this.binaryType === "arraybuffer") m = toArrayBuffer(data);
    else if (this.binaryType === "nodebuffer" && Buf) m = Buf.from(data.buffer as ArrayBuffer, data.byteOffset, data.length);
    else m = data;
    this.call(() => this.handlers.message?.(this, m as string | Uint8Array));
  }

  onPing(data: Uint8Array): void {
    this.call(() => this.handlers.ping?.(this, data));
  }

  onPong(data: Uint8Array): void {
    this.call(() => this.handlers.pong?.(this, data));
  }

  onDrain(): void {
    this.call(() => this.handlers.drain?.(this));
  }

  onError(error: WsError): void {
    this.call(() => this.handlers.error?.(this, error));
  }

  onClose(code: number, reason: string): void {
    if (this.subscribed) for (const t of this.subscribed) this.topics.unsubscribe(t, this);
    this.subscribed = null;
    this.call(() => this.handlers.close?.(this, code, reason));
  }

  private call(fn: () => unknown): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch(reportError);
    } catch (e) {
      reportError(e);
    }
  }
}

/** A server's Bun-style WebSocket state: serve's `websocket` handlers (reload may change them) and its topics. */
export interface BunSockets {
  handlers: BunWebSocketHandlers | undefined;
  topics: Topics;
}

/** `server.upgrade(request, { data, headers })`: true if the request will become a WebSocket. */
export function bunUpgrade(bun: BunSockets, request: Request, options: BunUpgradeOptions = {}): boolean {
  const handlers = bun.handlers;
  if (!handlers) throw new TypeError("server.upgrade() needs the `websocket` option of serve()");
  // Bun.serve apps ask this of every request: one without Upgrade is answered without its
  // Headers (an HTTP/2 extended CONNECT carries the Upgrade its :protocol stands for: h2-connection.ts).
  if (untouchedLacks(request, "upgrade")) return false;
  const handshake = handshakeOf(request);
  if (!handshake || !handshake.hs.ok) return false;
  claimWebSocket(handshake.ref, handshake.hs, {
    extra: [...new Headers(options.headers)],
    response: undefined,
    deflate: !!handlers.perMessageDeflate,
    opts: linkOptionsOf(handlers),
    endpointFor: () => new ServerWebSocket(options.data, handlers, bun.topics),
  });
  return true;
}

/** Each `websocket` option's link options, made once: every socket shares them (see linkOptionsOf). */
const linkOptions = new WeakMap<object, WsOptions>();

/**
 * The link's options for a server's `websocket` handlers, with every limit set, so that
 * each socket's receiver shares them rather than keeping a copy (ws/receiver.ts).
 */
function linkOptionsOf<T>(handlers: BunWebSocketHandlers<T>): WsOptions {
  let o = linkOptions.get(handlers);
  if (o === undefined) {
    const maxMessageSize = handlers.maxPayloadLength ?? handlers.maxMessageSize ?? DEFAULT_WS_LIMITS.maxMessageSize;
    o = { ...handlers, maxMessageSize, maxFrameSize: handlers.maxFrameSize ?? DEFAULT_WS_LIMITS.maxFrameSize };
    linkOptions.set(handlers, o);
  }
  return o;
}
