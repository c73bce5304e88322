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
