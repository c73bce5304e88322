/**
 * Request trailers (RFC 9110 §6.5): the fields a client sends after the content, in a
 * chunked body's trailer section (RFC 9112 §7.1.2) or an HTTP/2 trailing HEADERS
 * (RFC 9113 §8.1). A handler reads them with `getTrailers(req)` once the body is read.
 *
 * Only a request whose trailers are still to come (chunked, or HTTP/2 with a body still
 * arriving) or came with it gets a slot; any other request has none, and `getTrailers`
 * answers it with no fields at once.
 */
import { allowedInTrailers } from "./exchange.ts";
import { exchangeOf } from "./upgrade.ts";

/**
 * Where a request's trailers will be: set when its body ends, or failed with it. The
 * slot rides on the request's exchange (upgrade.ts), and its Headers are made only when
 * a handler asks: most requests that could carry trailers have none, and nobody asks.
 */
export class TrailerSlot {
  /** The field lines the body ended with ([name, value, ...]); [] for none. */
  private flat: readonly string[] | null = null;
  private fields: Headers | null = null;
  private error: unknown = null;
  private waiters: { resolve: (h: Headers) => void; reject: (e: unknown) => void }[] | null = null;

  /** The body ended with these field lines (already checked by the protocol), or none. */
  ended(flat: readonly string[] | null): void {
    if (this.flat || this.error) return;
    this.flat = flat ?? NONE;
    const waiters = this.waiters;
    if (waiters === null) return;
    this.waiters = null;
    const h = this.headers();
    for (const w of waiters) w.resolve(h);
  }

  /** The body failed or was cut off: the trailers will never come. */
  failed(error: unknown): void {
    if (this.flat || this.error) return;
    this.error = error ?? new Error("request body did not complete");
    const waiters = this.waiters;
    this.waiters = null;
    if (waiters) for (const w of waiters) w.reject(this.error);
  }

  get(): Promise<Headers> {
    if (this.flat) return Promise.resolve(this.headers());
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => (this.waiters ??= []).push({ resolve, reject }));
  }

  private headers(): Headers {
    if (this.fields) return this.fields;
    const h = new Headers();
    const flat = this.flat!;
    // Fields that framing, routing or the connection depend on mean nothing after the content.
    for (let i = 0; i < flat.length; i += 2) if (allowedInTrailers(flat[i]!)) h.append(flat[i]!, flat[i + 1]!);
    return (this.fields = h);
  }
}

const NONE: readonly string[] = [];

/**
 * The trailer fields of a request the server received: resolves once its body has
 * been received in full (read it first), with no fields when the client sent none;
 * rejects if the body did not complete.
 */
export function getTrailers(request: Request): Promise<Headers> {
  return exchangeOf(request)?.trailers?.get() ?? Promise.resolve(new Headers());
}
