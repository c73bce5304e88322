/**
 * Deno's WebSocket API: `upgradeWebSocket(request)` returns a standard `WebSocket`-shaped
 * socket (events, on<type> attributes, send, close) and the response that accepts it.
 */
import type { WsError } from "../../ws/errors.ts";
import { ReadyState } from "../../ws/session.ts";
import { claimWebSocket, handshakeOf, WebSocketHandshakeError } from "./claim.ts";
import type { Endpoint, WsLink, WsOptions } from "./link.ts";
import { bytesOf, closeEvent, decoder, encoder, errorEvent, messageEvent, reportError, toArrayBuffer } from "./payload.ts";

const RUN_ATTRIBUTE = Symbol("run on<type> attribute");

type WsEventHandler<E extends Event> = ((this: PureWebSocket, ev: E) => unknown) | null;

/** A standard `WebSocket`-shaped server socket, as Deno's `upgradeWebSocket` returns. */
export class PureWebSocket extends EventTarget implements Endpoint {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  // The same constants on the prototype, as WebIDL puts them (not a slot in each socket).
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;
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
    this.dispatchEvent(messageEvent(payload));
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

for (const [name, value] of [["CONNECTING", 0], ["OPEN", 1], ["CLOSING", 2], ["CLOSED", 3]] as const) {
  Object.defineProperty(PureWebSocket.prototype, name, { value, enumerable: true });
}

/** The one listener behind every on<type> attribute: `this` is the socket the event is at. */
function runAttribute(this: PureWebSocket, ev: Event): void {
  this[RUN_ATTRIBUTE](ev);
}

export interface UpgradeWebSocketOptions extends WsOptions {
  /** The subprotocol to select; must be one the client offered. */
  protocol?: string;
}

/** What upgradeWebSocket takes without options: one object, kept by every such socket's link, never a new one each. */
const NO_OPTIONS: UpgradeWebSocketOptions = Object.freeze({});

/** Deno-style upgrade: returns the socket and the response to return from the handler. */
export function upgradeWebSocket(request: Request, options: UpgradeWebSocketOptions = NO_OPTIONS): { socket: PureWebSocket; response: Response } {
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
