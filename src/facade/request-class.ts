/**
 * Where the runtime keeps a Request's state in private fields (Node 24's undici) or
 * natively (Bun), its own `new Request(req)` and `fetch(req)` cannot read the Request a
 * handler is given (facade/lazy-request.ts), so that one would have to be the runtime's
 * own, made for every request: the dearest part of a request on Node 24, many times the
 * rest for a POST, and a tenth of Bun's busy time on a POST. serve() then installs, as
 * the globals, a Request class and a fetch that take the stand-in for the real Request
 * they make of it; everything else is the runtime's own.
 * @hono/node-server replaces the global Request for the same reason (its
 * overrideGlobalObjects). Done once per realm (option `lazyRequests`).
 */
import { REQUEST_CLASS as INSTALLED, realRequestOf } from "./lazy-request.ts";

/** Whether the runtime's own Request can read a stand-in: it keeps its state under symbols, which a stand-in forwards. */
export function requestStateVisible(): boolean {
  return Object.getOwnPropertySymbols(new Request("http://probe.invalid/")).length > 0;
}

/** Installs the Request class and fetch (see above); false if they are installed already. */
export function installRequestClass(): boolean {
  const g = globalThis as unknown as { Request: typeof Request; fetch: typeof fetch };
  const Native = g.Request;
  if ((Native as unknown as Record<symbol, unknown>)[INSTALLED]) return false;
  const Taking = class Request extends Native {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(realRequestOf(input) ?? input, init);
    }
  };
  // `x instanceof Request` for the runtime's own Requests and the stand-ins too (they inherit Request.prototype).
  Object.defineProperty(Taking, Symbol.hasInstance, { value: (x: unknown) => Function.prototype[Symbol.hasInstance].call(Native, x) });
  Object.defineProperty(Taking, INSTALLED, { value: true });
  g.Request = Taking;
  const nativeFetch = g.fetch;
  if (typeof nativeFetch === "function") {
    g.fetch = function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
      return nativeFetch(realRequestOf(input) ?? input, init);
    };
  }
  return true;
}

/** Whether installRequestClass has run in this realm. */
export function requestClassInstalled(): boolean {
  return !!(globalThis.Request as unknown as Record<symbol, unknown>)[INSTALLED];
}
