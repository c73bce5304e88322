/**
 * Request trailers (RFC 9110 §6.5): the fields a client sends after the content, in a
 * chunked body's trailer section (RFC 9112 §7.1.2) or an HTTP/2 trailing HEADERS
 * (RFC 9113 §8.1). A handler reads them with `getTrailers(req)` once the body is read.
 *
 * Only a request that can carry them (chunked, or HTTP/2 with a body) gets a slot; any
 * other request has none, and `getTrailers` answers it with no fields at once.
 */
import { allowedInTrailers } from "./exchange.ts";

/** Where a request's trailers will be: set when its body ends, or failed with it. */
export class TrailerSlot {
  private fields: Headers | null = null;
  private error: unknown = null;
  private waiters: { resolve: (h: Headers) => void; reject: (e: unknown) => void }[] = [];

  /** The body ended with these field lines ([name, value, ...], already checked by the protocol), or none. */
  ended(flat: readonly string[] | null): void {
    if (this.fields || this.error) return;
    const h = new Headers();
    // Fields that framing, routing or the connection depend on mean nothing after the content.
    if (flat) for (let i = 0; i < flat.length; i += 2) if (allowedInTrailers(flat[i]!)) h.append(flat[i]!, flat[i + 1]!);
    this.fields = h;
    for (const w of this.waiters) w.resolve(h);
    this.waiters = [];
  }

  /** The body failed or was cut off: the trailers will never come. */
  failed(error: unknown): void {
    if (this.fields || this.error) return;
    this.error = error ?? new Error("request body did not complete");
    for (const w of this.waiters) w.reject(this.error);
    this.waiters = [];
  }

  get(): Promise<Headers> {
    if (this.fields) return Promise.resolve(this.fields);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }
}

const slots = new WeakMap<object, TrailerSlot>();

/** A slot for the trailers of `request` (the object the handler gets). */
export function trailerSlot(request: object): TrailerSlot {
  const slot = new TrailerSlot();
  slots.set(request, slot);
  return slot;
}

/**
 * The trailer fields of a request the server received: resolves once its body has
 * been received in full (read it first), with no fields when the client sent none;
 * rejects if the body did not complete.
 */
export function getTrailers(request: Request): Promise<Headers> {
  return slots.get(request)?.get() ?? Promise.resolve(new Headers());
}
