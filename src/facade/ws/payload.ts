/** Message bytes in and out of the two WebSocket APIs, and the events they dispatch. */
import type { WsError } from "../../ws/errors.ts";

export const encoder = new TextEncoder();
/**
 * Text messages are decoded as WebSocket says, "UTF-8 decode without BOM": a leading
 * U+FEFF is part of the message and stays in it (TextDecoder would drop it by default).
 */
export const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** An ArrayBuffer holding exactly these bytes (Node's Buffer#slice is a view, so copy explicitly). */
export function toArrayBuffer(data: Uint8Array): ArrayBuffer {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return data.buffer as ArrayBuffer;
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return copy.buffer;
}

export function bytesOf(data: ArrayBufferLike | ArrayBufferView): Uint8Array {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** A message, string or bytes, as the bytes a frame carries. */
export function messageBytes(data: string | ArrayBufferView | ArrayBuffer): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : bytesOf(data as ArrayBufferView);
}

/** An application's event handler threw: reported, and the socket goes on. */
export function reportError(e: unknown): void {
  console.error("purehttp: WebSocket handler failed:", e);
}

type CloseEventInit = { code: number; reason: string; wasClean: boolean };
const CloseEventClass = (globalThis as { CloseEvent?: new (type: string, init: CloseEventInit) => Event }).CloseEvent;
const ErrorEventClass = (globalThis as { ErrorEvent?: new (type: string, init: { message: string; error: unknown }) => Event }).ErrorEvent;

export type CloseEvent = Event & { code: number; reason: string; wasClean: boolean };

/** What every message event's `ports` is: a server socket's messages carry none. */
const NO_PORTS: readonly MessagePort[] = Object.freeze([]);

/**
 * A WebSocket message's MessageEvent: an Event of type "message" whose prototype inherits
 * the runtime's MessageEvent's (so `instanceof MessageEvent` holds and it prints as one),
 * answering data, origin, lastEventId, source and ports itself, as a MessageEvent made
 * with only `data` would. Node 22 to 26 (undici) take 0.5-0.9 us to make a MessageEvent,
 * whatever its init, and Bun 0.2-0.4, against 0.05-0.1 for an Event: on Node 24, 6-9% of
 * the server's CPU a 64-byte echo (bench/README.md). The events are dispatched as any Event is.
 */
class WsMessageEvent<T> extends Event {
  readonly #data: T;
  constructor(data: T) {
    super("message");
    this.#data = data;
  }
  get data(): T {
    return this.#data;
  }
  get origin(): string {
    return "";
  }
  get lastEventId(): string {
    return "";
  }
  get source(): null {
    return null;
  }
  get ports(): readonly MessagePort[] {
    return NO_PORTS;
  }
  /** A MessageEvent of the runtime's with e's data, for what this class does not answer itself (no member of the events). */
  static real<T>(e: WsMessageEvent<T>): MessageEvent<T> {
    return new MessageEvent(e.type, { data: e.#data });
  }
}
if (typeof MessageEvent === "function") {
  Object.setPrototypeOf(WsMessageEvent.prototype, MessageEvent.prototype);
  Object.defineProperty(WsMessageEvent.prototype, "constructor", { value: MessageEvent, writable: true, configurable: true });
  // The runtime's own tag where it has one ("[object MessageEvent]" on Node 24 and Bun).
  const tag = Object.prototype.toString.call(new MessageEvent("message")).slice(8, -1);
  Object.defineProperty(WsMessageEvent.prototype, Symbol.toStringTag, { value: tag, configurable: true });
  // The legacy initializer, where the runtime has one, answered as it answers for a real event.
  const init = (MessageEvent.prototype as unknown as { initMessageEvent?: (...a: unknown[]) => unknown }).initMessageEvent;
  if (typeof init === "function") {
    Object.defineProperty(WsMessageEvent.prototype, "initMessageEvent", {
      value: function (this: WsMessageEvent<unknown>, ...args: unknown[]) {
        return init.apply(WsMessageEvent.real(this), args);
      },
      writable: true,
      configurable: true,
    });
  }
}

/** The event a message dispatches: a MessageEvent in every way a handler can look. */
export function messageEvent<T>(data: T): MessageEvent<T> {
  return new WsMessageEvent(data) as unknown as MessageEvent<T>;
}

/** A CloseEvent where the runtime has the class (Deno, Bun); elsewhere an Event with its fields. */
export function closeEvent(code: number, reason: string, wasClean: boolean): Event {
  if (CloseEventClass) return new CloseEventClass("close", { code, reason, wasClean });
  const ev = new Event("close");
  for (const [k, value] of [["code", code], ["reason", reason], ["wasClean", wasClean]] as const) {
    Object.defineProperty(ev, k, { value, enumerable: true });
  }
  return ev;
}

/** An ErrorEvent (message, error) where the runtime has the class; elsewhere an Event with them. */
export function errorEvent(error: WsError): Event {
  if (ErrorEventClass) return new ErrorEventClass("error", { message: error.message, error });
  const ev = new Event("error");
  Object.defineProperty(ev, "message", { value: error.message, enumerable: true });
  Object.defineProperty(ev, "error", { value: error, enumerable: true });
  return ev;
}
