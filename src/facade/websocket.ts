/**
 * WebSocket for the Fetch facade: Deno's `upgradeWebSocket(request)` and Bun's
 * `server.upgrade(request)` + `websocket: { open, message, close, drain, ... }`,
 * both over our own RFC 6455 session.
 */
import { WsError } from "../ws/errors.ts";
import { type WsLimits } from "../ws/receiver.ts";
import { ReadyState, type SessionEvent, SharedMessage, WsSession } from "../ws/session.ts";
import { type DeflateAgreement, type HandshakeResult, acceptKey, checkHandshake, negotiateDeflate } from "../ws/handshake.ts";
import type { Connection, ConnectionHandler } from "../transport/types.ts";
import type { LiveConnection, ServerContext } from "./context.ts";
import { type ExchangeRef, exchangeOf } from "./upgrade.ts";

const encoder = new TextEncoder();
/**
 * Text messages are decoded as WebSocket says, "UTF-8 decode without BOM": a leading
 * U+FEFF is part of the message and stays in it (TextDecoder would drop it by default).
 */
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** What the two APIs implement to receive a connection's events. */
interface Endpoint {
  attach(link: WsLink): void;
  onOpen(): void;
  onMessage(binary: boolean, data: Uint8Array): void;
  onPing(data: Uint8Array): void;
  onPong(data: Uint8Array): void;
  onError(error: WsError): void;
  onClose(code: number, reason: string, wasClean: boolean): void;
  onDrain(): void;
}

export interface WsOptions extends Partial<WsLimits> {
  /** Seconds without traffic before a ping; twice that without an answer closes (1001). 0 disables. Default 120. */
  idleTimeout?: number;
  /**
   * Accept a client's permessage-deflate offer (RFC 7692): its compressed messages are
   * inflated (maxMessageSize bounds what they inflate to), and ours are compressed when
   * that makes them smaller. Default false, as in Bun.serve (Deno.serve has no such option).
   */
  perMessageDeflate?: boolean | Record<string, unknown>;
}

/** Thrown by `upgradeWebSocket` for a request that is not a valid handshake; `response` says why (400/405/426). */
export class WebSocketHandshakeError extends TypeError {
  constructor(readonly response: Response, message: string) {
    super(message);
  }
}

/** Connects an endpoint to the transport through a session. */
export class WsLink implements ConnectionHandler, LiveConnection {
  readonly session: WsSession;
  /** When traffic was last seen, as of the sweep that noticed it (see tick). */
  private lastSeen = Date.now();
  /** Traffic came since the last tick: no clock read per message, the sweep's time is close enough. */
  private seen = false;
  private pinged = false;
  private closedNotified = false;
  private closeTimer: ReturnType<typeof setTimeout> | null = null;
  /** Bytes handed to the transport that it reported as over its high-water mark. */
  private backlog = 0;

  constructor(readonly conn: Connection, private readonly ctx: ServerContext, readonly endpoint: Endpoint, private readonly opts: WsOptions) {
    this.session = new WsSession("server", ctx.pool, opts);
    ctx.connections.add(this);
    endpoint.attach(this);
  }

  begin(rest: Uint8Array[]): void {
    this.endpoint.onOpen();
    for (const r of rest) this.data(r);
  }

  get bufferedAmount(): number {
    return this.backlog;
  }

  /** Writes what the session produced; false when the transport is backed up. */
  flush(): boolean {
    let ok = true;
    for (const b of this.session.takeOutput()) {
      if (!this.conn.write(b)) ok = false;
      if (!ok) this.backlog += b.length;
    }
    return ok;
  }

  data(chunk: Uint8Array): void {
    this.seen = true;
    this.pinged = false;
    this.session.receive(chunk, this.onEvent);
    this.flush();
    if (this.session.state === ReadyState.Closed) this.conn.end();
  }

  private readonly onEvent = (e: SessionEvent) => {
    switch (e.type) {
      case "message":
        return this.endpoint.onMessage(e.binary, e.data);
      case "ping":
        return this.endpoint.onPing(e.data);
      case "pong":
        return this.endpoint.onPong(e.data);
      case "error":
        return this.endpoint.onError(e.error);
      case "close":
        return this.notifyClose(e.code, e.reason, e.wasClean);
    }
  };

  private notifyClose(code: number, reason: string, wasClean: boolean): void {
    if (this.closedNotified) return;
    this.closedNotified = true;
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.ctx.connections.delete(this);
    this.endpoint.onClose(code, reason, wasClean);
  }

  drain(): void {
    this.backlog = 0;
    this.endpoint.onDrain();
  }

  end(): void {
    // TCP closed by the peer without a Close frame: abnormal closure (§7.1.5, 1006).
    this.conn.end();
  }

  close(): void {
    this.session.state = ReadyState.Closed;
    this.notifyClose(1006, "", false);
  }

  /** Starts the closing handshake; the peer has a few seconds to answer. */
  startClose(code?: number, reason?: string): void {
    this.session.close(code, reason);
    this.flush();
    this.closeTimer ??= setTimeout(() => this.conn.destroy(), 5000);
  }

  requestsInFlight(): number {
    return 0;
  }

  /** The server's sweep, about once a second: idle time is counted from the sweep after the last traffic. */
  tick(now: number): void {
    if (this.seen) {
      this.seen = false;
      this.lastSeen = now;
    }
    const idle = (this.opts.idleTimeout ?? 120) * 1000;
    if (!idle || this.session.state !== ReadyState.Open) return;
    if (now - this.lastSeen > idle * 2) return this.startClose(1001, "idle timeout");
    if (!this.pinged && now - this.lastSeen > idle) {
      this.pinged = true;
      this.session.ping(new Uint8Array(0));
      this.flush();
    }
  }

  shutdown(): void {
    this.startClose(1001, "server shutting down");
  }

  destroy(): void {
    this.conn.destroy();
  }
}

// ---------------------------------------------------------------------------
// Deno style

const RUN_ATTRIBUTE = Symbol("run on<type> attribute");

type WsEventHandler<E extends Event> = ((this: PureWebSocket, ev: E) => unknown) | null;

/** A standard `WebSocket`-shaped server socket, as Deno's `upgradeWebSocket` returns. */
export class PureWebSocket extends EventTarget implements Endpoint {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  binaryType: "arraybuffer" | "blob" = "arraybuffer";
  /** The extensions agreed in the handshake ("" or a permessage-deflate agreement). */
  extensions = "";
  private link: WsLink | null = null;
  // The values of the on<type> attributes (see runAttribute).
  private onOpenValue: WsEventHandler<Event> = null;
  private onMessageValue: WsEventHandler<MessageEvent> = null;
  private onCloseValue: WsEventHandler<CloseEvent> = null;
  private onErrorValue: WsEventHandler<Event> = null;
  private state: number = ReadyState.Connecting;

  constructor(readonly url: string, readonly protocol: string) {
    super();
  }

  /*
   * Event handler attributes, as HTML defines them for a WebSocket: setting one adds a
   * listener at that point in the listener order, so `onmessage` runs in turn with the
   * listeners added before and after it, and sees the event's target set to the socket;
   * setting it to null removes that listener.
   */
  get onopen(): WsEventHandler<Event> {
    return this.onOpenValue;
  }
  set onopen(f: WsEventHandler<Event>) {
    this.onOpenValue = this.attribute("open", this.onOpenValue, f);
  }
  get onmessage(): WsEventHandler<MessageEvent> {
    return this.onMessageValue;
  }
  set onmessage(f: WsEventHandler<MessageEvent>) {
    this.onMessageValue = this.attribute("message", this.onMessageValue, f);
  }
  get onclose(): WsEventHandler<CloseEvent> {
    return this.onCloseValue;
  }
  set onclose(f: WsEventHandler<CloseEvent>) {
    this.onCloseValue = this.attribute("close", this.onCloseValue, f);
  }
  get onerror(): WsEventHandler<Event> {
    return this.onErrorValue;
  }
  set onerror(f: WsEventHandler<Event>) {
    this.onErrorValue = this.attribute("error", this.onErrorValue, f);
  }

  private attribute<F>(type: string, was: F | null, f: F | null): F | null {
    const value = typeof f === "function" ? f : null;
    if (value !== null && was === null) this.addEventListener(type, runAttribute);
    else if (value === null && was !== null) this.removeEventListener(type, runAttribute);
    return value;
  }

  /** Calls the on<type> attribute for ev; a handler that throws is reported and the socket goes on. */
  [RUN_ATTRIBUTE](ev: Event): void {
    const f: ((this: PureWebSocket, ev: never) => unknown) | null = ev.type === "message"
      ? this.onMessageValue
      : ev.type === "close"
        ? this.onCloseValue
        : ev.type === "open"
          ? this.onOpenValue
          : ev.type === "error"
            ? this.onErrorValue
            : null;
    try {
      f?.call(this, ev as never);
    } catch (e) {
      reportError(e);
    }
  }

  get readyState(): number {
    return this.link ? (this.state === ReadyState.Open ? this.link.session.state : this.state) : this.state;
  }

  get bufferedAmount(): number {
    return this.link?.bufferedAmount ?? 0;
  }

  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void {
    if (this.state === ReadyState.Connecting) throw new DOMException("WebSocket is not open", "InvalidStateError");
    const link = this.link;
    if (!link || link.session.state !== ReadyState.Open) return;
    if (typeof data === "string") link.session.send(false, encoder.encode(data));
    else if (data instanceof Blob) {
      data.arrayBuffer().then((b) => {
        if (link.session.send(true, new Uint8Array(b))) link.flush();
      });
      return;
    } else link.session.send(true, bytesOf(data));
    link.flush();
  }

  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999))
      throw new DOMException(`invalid close code ${code}`, "InvalidAccessError");
    if (reason && encoder.encode(reason).length > 123) throw new DOMException("close reason too long", "SyntaxError");
    this.link?.startClose(code, reason ?? "");
  }

  attach(link: WsLink): void {
    this.link = link;
  }

  onOpen(): void {
    this.state = ReadyState.Open;
    this.dispatchEvent(new Event("open"));
  }

  onMessage(binary: boolean, data: Uint8Array): void {
    const payload = !binary
      ? decoder.decode(data)
      : this.binaryType === "blob"
        ? new Blob([data as Uint8Array<ArrayBuffer>])
        : toArrayBuffer(data);
    this.dispatchEvent(new MessageEvent("message", { data: payload }));
  }

  onPing(): void {}
  onPong(): void {}
  onDrain(): void {}

  onError(error: WsError): void {
    this.dispatchEvent(errorEvent(error));
  }

  onClose(code: number, reason: string, wasClean: boolean): void {
    this.state = ReadyState.Closed;
    this.dispatchEvent(closeEvent(code, reason, wasClean));
  }
}

/** The one listener behind every on<type> attribute: `this` is the socket the event is at. */
function runAttribute(this: PureWebSocket, ev: Event): void {
  this[RUN_ATTRIBUTE](ev);
}

type CloseEventInit = { code: number; reason: string; wasClean: boolean };
const CloseEventClass = (globalThis as { CloseEvent?: new (type: string, init: CloseEventInit) => Event }).CloseEvent;
const ErrorEventClass = (globalThis as { ErrorEvent?: new (type: string, init: { message: string; error: unknown }) => Event }).ErrorEvent;

/** A CloseEvent where the runtime has the class (Deno, Bun); elsewhere an Event with its fields. */
function closeEvent(code: number, reason: string, wasClean: boolean): Event {
  if (CloseEventClass) return new CloseEventClass("close", { code, reason, wasClean });
  const ev = new Event("close");
  for (const [k, value] of [["code", code], ["reason", reason], ["wasClean", wasClean]] as const) {
    Object.defineProperty(ev, k, { value, enumerable: true });
  }
  return ev;
}

/** An ErrorEvent (message, error) where the runtime has the class; elsewhere an Event with them. */
function errorEvent(error: WsError): Event {
  if (ErrorEventClass) return new ErrorEventClass("error", { message: error.message, error });
  const ev = new Event("error");
  Object.defineProperty(ev, "message", { value: error.message, enumerable: true });
  Object.defineProperty(ev, "error", { value: error, enumerable: true });
  return ev;
}

function reportError(e: unknown): void {
  console.error("purehttp: WebSocket handler failed:", e);
}

/** An ArrayBuffer holding exactly these bytes (Node's Buffer#slice is a view, so copy explicitly). */
function toArrayBuffer(data: Uint8Array): ArrayBuffer {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return data.buffer as ArrayBuffer;
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return copy.buffer;
}

function bytesOf(data: ArrayBufferLike | ArrayBufferView): Uint8Array {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export interface UpgradeWebSocketOptions extends WsOptions {
  /** The subprotocol to select; must be one the client offered. */
  protocol?: string;
}

/**
 * The fields that accept the handshake: 101's Upgrade, Connection and the accept value
 * over HTTP/1.1; over HTTP/2 (an extended CONNECT, whose key is "") the 200 needs none.
 */
function switchFields(key: string): [string, string][] {
  return key === "" ? [] : [["upgrade", "websocket"], ["connection", "Upgrade"], ["sec-websocket-accept", acceptKey(key)]];
}

/** The request's exchange and what its handshake says, or null where it cannot become a WebSocket. */
function handshakeOf(request: Request): { ref: ExchangeRef; hs: HandshakeResult } | null {
  const ref = exchangeOf(request);
  if (!ref || !ref.setClaim) return null;
  return { ref, hs: checkHandshake({ method: request.method, minor: ref.head?.minor, extendedConnect: ref.extendedConnect, get: (n) => request.headers.get(n) }) };
}

/**
 * Claims the request's connection for a WebSocket, the same for both APIs: the fields
 * that accept the handshake (and `extra`), permessage-deflate when wanted and offered,
 * and, once the response has gone out, a link to the endpoint `endpointFor` makes.
 * Returns the compression agreed, if any.
 */
function claimWebSocket(
  ref: ExchangeRef,
  hs: Extract<HandshakeResult, { ok: true }>,
  claim: { extra: [string, string][]; response: Response | undefined; deflate: boolean; opts: WsOptions; endpointFor: (conn: Connection) => Endpoint },
): DeflateAgreement | null {
  const headers = switchFields(hs.key);
  headers.push(...claim.extra);
  const deflate = claim.deflate ? negotiateDeflate(hs.extensions) : null;
  if (deflate) headers.push(["sec-websocket-extensions", deflate.header]);
  ref.setClaim!({
    headers,
    response: claim.response,
    start: (conn, rest) => {
      const link = new WsLink(conn, ref.ctx, claim.endpointFor(conn), claim.opts);
      if (deflate) link.session.enableDeflate(deflate);
      queueMicrotask(() => link.begin(rest));
      return link;
    },
  });
  return deflate;
}

/** Deno-style upgrade: returns the socket and the response to return from the handler. */
export function upgradeWebSocket(request: Request, options: UpgradeWebSocketOptions = {}): { socket: PureWebSocket; response: Response } {
  const handshake = handshakeOf(request);
  if (!handshake) {
    throw new TypeError("this request cannot become a WebSocket: it came neither over HTTP/1.1 nor as an HTTP/2 extended CONNECT to a purehttp server");
  }
  const { ref, hs } = handshake;
  if (!hs.ok) {
    const response = new Response(hs.reason + "\n", { status: hs.status, headers: hs.headers });
    throw new WebSocketHandshakeError(response, hs.reason);
  }
  const protocol = options.protocol ?? "";
  if (protocol && !hs.protocols.includes(protocol)) throw new TypeError(`protocol "${protocol}" was not offered by the client`);
  const socket = new PureWebSocket(request.url.replace(/^http/, "ws"), protocol);
  const response = new Response(null, { status: 200 });
  const deflate = claimWebSocket(ref, hs, {
    extra: protocol ? [["sec-websocket-protocol", protocol]] : [],
    response,
    deflate: !!options.perMessageDeflate,
    opts: options,
    endpointFor: () => socket,
  });
  if (deflate) socket.extensions = deflate.header;
  return { socket, response };
}

// ---------------------------------------------------------------------------
// Bun style

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

/** ServerWebSocket's send of bytes already made (and shared, for publish), kept off its public API. */
const SEND = Symbol("purehttp send");

/** Bun's pub/sub: a message's bytes, and each compressed form of them, are made once for all its subscribers. */
export class Topics {
  private readonly map = new Map<string, Set<ServerWebSocket>>();

  subscribe(topic: string, ws: ServerWebSocket): void {
    let s = this.map.get(topic);
    if (!s) this.map.set(topic, (s = new Set()));
    s.add(ws);
  }

  unsubscribe(topic: string, ws: ServerWebSocket): void {
    const s = this.map.get(topic);
    if (s?.delete(ws) && s.size === 0) this.map.delete(topic);
  }

  has(topic: string, ws: ServerWebSocket): boolean {
    return this.map.get(topic)?.has(ws) ?? false;
  }

  count(topic: string): number {
    return this.map.get(topic)?.size ?? 0;
  }

  publish(topic: string, data: string | ArrayBufferView | ArrayBuffer, except: ServerWebSocket | null): number {
    const s = this.map.get(topic);
    if (!s) return 0;
    const binary = typeof data !== "string";
    const bytes = typeof data === "string" ? encoder.encode(data) : bytesOf(data as ArrayBufferView);
    // Compressed (where sockets agreed to it) once, not once per subscriber.
    const message = new SharedMessage(bytes);
    let sent = 0;
    for (const ws of s) if (ws !== except && ws[SEND](message, binary, true) > 0) sent += bytes.length;
    return sent;
  }
}

const Buf = (globalThis as { Buffer?: { from(b: ArrayBuffer, o: number, n: number): Uint8Array } }).Buffer;

/** Bun's `ServerWebSocket`. */
export class ServerWebSocket<T = unknown> implements Endpoint {
  binaryType: "nodebuffer" | "arraybuffer" | "uint8array" = "nodebuffer";
  private link: WsLink | null = null;
  /** Topics this socket is subscribed to; made on the first subscribe (most sockets never do). */
  private subscribed: Set<string> | null = null;

  constructor(
    public data: T,
    readonly remoteAddress: string,
    private readonly handlers: BunWebSocketHandlers<T>,
    private readonly topics: Topics,
  ) {}

  get readyState(): number {
    return this.link?.session.state ?? ReadyState.Connecting;
  }

  get subscriptions(): string[] {
    return this.subscribed ? [...this.subscribed] : [];
  }

  /**
   * -1: queued but the client is behind (wait for drain); 0: dropped (closed); else bytes
   * sent. `compress`: false sends it uncompressed even where permessage-deflate was agreed.
   */
  send(message: string | ArrayBufferView | ArrayBuffer, compress?: boolean, binary?: boolean): number {
    if (!this.link || this.link.session.state !== ReadyState.Open) return 0;
    const isText = typeof message === "string" || binary === false;
    const bytes = typeof message === "string" ? encoder.encode(message) : bytesOf(message as ArrayBufferView);
    return this[SEND](bytes, !isText, compress !== false);
  }

  /** Queues the message, unless the client is too far behind (then it is closed with 1009). */
  [SEND](message: Uint8Array | SharedMessage, binary: boolean, compress: boolean): number {
    const link = this.link;
    if (!link || link.session.state !== ReadyState.Open) return 0;
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
    this.topics.subscribe(topic, this as ServerWebSocket);
  }

  unsubscribe(topic: string): void {
    this.subscribed?.delete(topic);
    this.topics.unsubscribe(topic, this as ServerWebSocket);
  }

  isSubscribed(topic: string): boolean {
    return this.subscribed?.has(topic) ?? false;
  }

  /** Sends to every other subscriber of `topic`. */
  publish(topic: string, data: string | ArrayBufferView | ArrayBuffer): number {
    return this.topics.publish(topic, data, this as ServerWebSocket);
  }

  cork<R>(fn: (ws: this) => R): R {
    return fn(this);
  }

  get bufferedAmount(): number {
    return this.link?.bufferedAmount ?? 0;
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
    if (this.subscribed) for (const t of this.subscribed) this.topics.unsubscribe(t, this as ServerWebSocket);
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

/** `server.upgrade(request, { data, headers })`: true if the request will become a WebSocket. */
export function bunUpgrade(ctx: ServerContext, request: Request, options: BunUpgradeOptions = {}): boolean {
  const handlers = ctx.websocket;
  if (!handlers) throw new TypeError("server.upgrade() needs the `websocket` option of serve()");
  const handshake = handshakeOf(request);
  if (!handshake || !handshake.hs.ok) return false;
  claimWebSocket(handshake.ref, handshake.hs, {
    extra: [...new Headers(options.headers)],
    response: undefined,
    deflate: !!handlers.perMessageDeflate,
    opts: { ...handlers, maxMessageSize: handlers.maxPayloadLength ?? handlers.maxMessageSize },
    endpointFor: (conn) => new ServerWebSocket(options.data, conn.remoteAddr.hostname, handlers, ctx.topics),
  });
  return true;
}

export type CloseEvent = Event & { code: number; reason: string; wasClean: boolean };
