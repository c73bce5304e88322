/**
 * Requests whose runtime object is built on first need.
 *
 * In Node's undici every `new Request` makes a transferable AbortSignal, and with the
 * collection that causes it costs more than all of purehttp's own work for a request
 * (bench/README.md). Most handlers read only `method`, `url` and `headers`. So the handler
 * gets an object that is `instanceof Request`, answers those three itself, reads the
 * body itself for arrayBuffer(), bytes(), text() and json(), and builds the real Request
 * (once) the first time anything else is asked of it: `body`, `formData()`, `blob()`,
 * `clone()`, `new Request(req)`, `fetch(req)`.
 *
 * How it stays a Request: its prototype inherits from `Request.prototype`, and every
 * internal slot the runtime keeps on a Request under a symbol (undici's state, Deno's
 * inner request and brand) is forwarded to the real one. Whether that works on this
 * runtime is checked once, by a self-test that clones one and copies it with
 * `new Request(req)`; where it does not (Bun's native Request, a runtime that keeps its
 * state in private fields), every request is built eagerly as before.
 */

import { copyBytes } from "../buffers/bytes.ts";
import { MethodNotKeptError } from "./method.ts";
import { type HeadersOwner, REAL, RequestHeaders, pairs } from "./request-headers.ts";

export interface LazyRequestInit {
  /** Absolute URL; already known to parse. */
  url: string;
  method: string;
  /** Field lines as parsed: [name, value, name, value, ...]; made into Headers only if asked for. */
  fields: string[];
  /**
   * The body: a stream fed as it arrives, or, when all of it came with the head, its
   * bytes (a view of what the transport received). null when there is none.
   */
  body: ReadableStream<Uint8Array> | Uint8Array | null;
  /** Returns the signal to hand out; called (as a method of the init) when the handler first reads `signal`. */
  signal(): AbortSignal;
}

/** Where a Request built at once keeps its init, for the one `signal` getter they share. */
const SIGNAL_OF = Symbol("purehttp request signal");

function signalOf(this: Record<symbol, LazyRequestInit>): AbortSignal {
  return this[SIGNAL_OF]!.signal();
}

const INIT = Symbol("purehttp lazy request init");
const HEADERS = Symbol("purehttp lazy request headers");
const HREF = Symbol("purehttp lazy request href");
/** The body was read by the stand-in itself (see readBody). */
const READ = Symbol("purehttp lazy request body read");

interface Lazy extends HeadersOwner {
  [INIT]: LazyRequestInit;
  [HEADERS]: RequestHeaders | null;
  [HREF]: string;
  [READ]: boolean;
}

/**
 * The runtime's own Request from the parts. Without a body, neither body nor duplex is
 * passed: Bun's constructor takes longer to be told there is none. Bytes are
 * copied by the constructor (Fetch's "extract a body" takes a copy of a BufferSource);
 * a stream is read by the Request as the handler reads it.
 */
function newRequest(url: string, init: LazyRequestInit, headers: HeadersInit): Request {
  const body = init.body;
  if (body === null) return new Request(url, { method: init.method, headers });
  if (body instanceof Uint8Array) return new Request(url, { method: init.method, headers, body: body as Uint8Array<ArrayBuffer> });
  return new Request(url, {
    method: init.method,
    headers,
    body,
    // @ts-ignore: duplex is required for stream bodies, missing from older lib types
    duplex: "half",
  });
}

/**
 * The real Request, made on first need with the headers as they are now. If the
 * stand-in has already read the body, the real one gets a body that is read too, so
 * it answers `bodyUsed`, `body`, `clone()` and a second read as a used Request does.
 * Bytes that came with the head are handed over as a stream of them: a runtime's own
 * server gives a Request with a stream body, and one made from bytes can differ (Deno's
 * `new Request(url, req)` leaves such a request unused, where it uses up a streamed one).
 */
function materialize(lazy: Lazy): Request {
  if (lazy[REAL] !== null) return lazy[REAL];
  const init = lazy[INIT];
  if (!lazy[READ]) {
    const body = init.body instanceof Uint8Array ? streamOf(init.body) : init.body;
    return (lazy[REAL] = newRequest(lazy[HREF], body === init.body ? init : { ...init, body }, headersOf(lazy)));
  }
  const used = newRequest(lazy[HREF], { ...init, body: new ReadableStream() }, headersOf(lazy));
  used.arrayBuffer().catch(() => {});
  return (lazy[REAL] = used);
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}

const decoder = new TextDecoder();

/**
 * The body read of arrayBuffer(), bytes(), text() and json(), done by the stand-in on
 * the body it would hand the real Request (its stream, or the bytes that came with the
 * head): the runtime's body mixin costs several times more for the same bytes. Fetch's rules hold: a null body reads as empty
 * (and can be read again), a body reads once, text is UTF-8 decoded with a BOM dropped.
 * Once the real Request exists, it answers. Bytes at hand (none, or all that came with the
 * head) are read at once, with no async frame and its turns; a stream, as it arrives.
 */
function readBody(lazy: Lazy): Uint8Array | Promise<Uint8Array> {
  const body = lazy[INIT].body;
  if (body === null) return new Uint8Array(0);
  lazy[READ] = true;
  // A fresh buffer either way: the bytes, or the parts read, are views of what the transport received.
  if (body instanceof Uint8Array) return copyBytes([body], ownBuffer);
  return readStream(body);
}

async function readStream(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = body.getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      parts.push(r.value);
    }
  } catch (e) {
    throw new TypeError("the request body could not be read", { cause: e });
  }
  return copyBytes(parts, ownBuffer);
}

/** What a body reader's promise settles with: finish(bytes), or its throw (json's SyntaxError) as a rejection. */
function finished(bytes: Uint8Array, finish: (bytes: Uint8Array) => unknown): Promise<unknown> {
  try {
    return Promise.resolve(finish(bytes));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Bytes over an ArrayBuffer made first: on JSC a Uint8Array made by length pays again when its `.buffer` is asked for (arrayBuffer()). */
const ownBuffer = (n: number) => new Uint8Array(new ArrayBuffer(n));

/** Body readers the stand-in answers itself while it has no real Request (see readBody). */
const BODY_READERS: Record<string, (bytes: Uint8Array) => unknown> = {
  arrayBuffer: (b) => b.buffer,
  bytes: (b) => b,
  text: (b) => decoder.decode(b),
  json: (b) => JSON.parse(decoder.decode(b)),
};

function headersOf(lazy: Lazy): RequestHeaders {
  return (lazy[HEADERS] ??= new RequestHeaders(lazy[INIT].fields, lazy));
}

function build(proto: object, init: LazyRequestInit, href: string): Request {
  const lazy = Object.create(proto) as Lazy;
  lazy[INIT] = init;
  lazy[REAL] = null;
  lazy[HEADERS] = null;
  lazy[HREF] = href;
  lazy[READ] = false;
  return lazy as unknown as Request;
}

/** The mark of the Request class facade/request-class.ts installs (on the class, so a realm has one). */
export const REQUEST_CLASS = Symbol.for("purehttp.requestClass");

/** undefined: not decided yet; null: this runtime's Request cannot be stood in for. */
let prototype: object | null | undefined;

function lazyPrototype(): object | null {
  if (prototype !== undefined) return prototype;
  prototype = null;
  try {
    const probe = new Request("http://probe.invalid/", { method: "POST", body: "x" });
    const slots = Object.getOwnPropertySymbols(probe);
    // Neither under symbols nor through the Request class serve() installs (request-class.ts): no stand-in.
    if (slots.length === 0 && !(REQUEST_CLASS in Request)) return null;
    const proto = Object.create(Request.prototype);
    // Where the runtime keeps a Request's state under symbols (Node 20 and 22's undici,
    // Deno), its own code reads them from the stand-in too: each one is the real Request's.
    for (const slot of slots) {
      Object.defineProperty(proto, slot, {
        get(this: Lazy) {
          return (materialize(this) as unknown as Record<symbol, unknown>)[slot];
        },
        set(this: Lazy, value: unknown) {
          (materialize(this) as unknown as Record<symbol, unknown>)[slot] = value;
        },
      });
    }
    // Every member of Request.prototype answers from the real Request (a runtime that keeps
    // its state in private fields cannot read them from the stand-in).
    forwardMembers(proto, Request.prototype);
    for (const [name, finish] of Object.entries(BODY_READERS)) {
      const own = (Request.prototype as unknown as Record<string, unknown>)[name];
      if (typeof own !== "function") continue; // bytes() is newer than some runtimes
      Object.defineProperty(proto, name, {
        value(this: Lazy) {
          if (this[REAL] !== null || this[READ]) return own.call(materialize(this));
          const bytes = readBody(this);
          return bytes instanceof Uint8Array ? finished(bytes, finish) : bytes.then(finish);
        },
        writable: true,
        configurable: true,
      });
    }
    Object.defineProperties(proto, {
      // Never one Fetch would normalise (facade/method.ts keeps those from handlers).
      method: { get(this: Lazy) { return this[INIT].method; } },
      url: { get(this: Lazy) { return this[HREF]; } },
      headers: { get(this: Lazy) { return headersOf(this); } },
      signal: { get(this: Lazy) { return this[INIT].signal(); } },
    });
    if (selfTest(proto)) prototype = proto;
  } catch {
    // Leave it null: requests are built eagerly.
  }
  return prototype ?? null;
}

/**
 * Defines on `proto` each accessor and method of `native` (Request.prototype, and those it
 * inherits, as from a class installed over the runtime's), answered by the real Request.
 */
function forwardMembers(proto: object, native: object): void {
  const names = new Set<string>();
  for (let p: object | null = native; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) if (name !== "constructor") names.add(name);
  }
  for (const name of names) {
    let owner: object = native;
    while (!Object.hasOwn(owner, name)) owner = Object.getPrototypeOf(owner);
    const d = Object.getOwnPropertyDescriptor(owner, name)!;
    if (d.get) {
      const get = d.get;
      Object.defineProperty(proto, name, { configurable: true, enumerable: d.enumerable, get(this: Lazy) { return get.call(materialize(this)); } });
    } else if (typeof d.value === "function") {
      const fn = d.value as (...args: unknown[]) => unknown;
      Object.defineProperty(proto, name, {
        configurable: true, writable: true, enumerable: d.enumerable,
        value: { [name](this: Lazy, ...args: unknown[]) { return fn.apply(materialize(this), args); } }[name],
      });
    }
  }
}

/**
 * True when `request` is a stand-in whose fields no one has asked for or changed, and
 * none of them is named `name` (lowercase, as both parsers give names: RFC 9110 §5.1,
 * RFC 9113 §8.2.1): a server can then know a field is absent without making the Headers.
 * False whenever it cannot tell without them.
 */
export function untouchedLacks(request: Request, name: string): boolean {
  const lazy = request as unknown as Partial<Lazy>;
  const init = lazy[INIT];
  if (init === undefined || lazy[HEADERS] !== null || lazy[REAL] !== null) return false;
  const fields = init.fields;
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return false;
  return true;
}

/**
 * The runtime's Request for a stand-in (made now if it was not yet), or null for
 * anything else: for the global Request and fetch that facade/request-class.ts installs
 * where the runtime cannot read a stand-in itself.
 */
export function realRequestOf(x: unknown): Request | null {
  return typeof x === "object" && x !== null && INIT in x ? materialize(x as Lazy) : null;
}

/** Does a stand-in behave as a Request where the runtime itself takes one? */
function selfTest(proto: object): boolean {
  const signal = new AbortController().signal;
  const r = build(proto, {
    url: "http://probe.invalid/a?b=1",
    method: "POST",
    fields: ["x-probe", "1"],
    body: null,
    signal: () => signal,
  }, "http://probe.invalid/a?b=1");
  if (!(r instanceof Request) || Object.prototype.toString.call(r) !== "[object Request]") return false;
  if (r.method !== "POST" || r.url !== "http://probe.invalid/a?b=1" || r.headers.get("x-probe") !== "1") return false;
  r.headers.set("x-before", "2");
  // The way fetch() takes a Request: this builds the real one from the headers so far.
  const copy = new Request(r);
  if (copy.method !== "POST" || copy.url !== r.url || copy.headers.get("x-before") !== "2") return false;
  r.headers.set("x-after", "3");
  const clone = r.clone();
  if (clone.headers.get("x-after") !== "3" || clone.headers.get("x-probe") !== "1") return false;
  if (r.bodyUsed !== false || r.body !== null || r.signal !== signal || typeof r.redirect !== "string") return false;
  return true;
}

/**
 * The Request made first (a GET without a body with no init at all), then its fields
 * appended: on Bun, whose Request is made for every request, converting an init object
 * and its field pairs costs more than appending the fields. A body is bytes or a stream, which set no Content-Type of their own.
 */
function requestThenFields(init: LazyRequestInit): Request {
  const { url, method, body } = init;
  const request = body === null
    ? (method === "GET" ? new Request(url) : new Request(url, { method }))
    : body instanceof Uint8Array
      ? new Request(url, { method, body: body as Uint8Array<ArrayBuffer> })
      // @ts-ignore: duplex is required for stream bodies, missing from older lib types
      : new Request(url, { method, body, duplex: "half" });
  const headers = request.headers;
  const f = init.fields;
  for (let i = 0; i < f.length; i += 2) headers.append(f[i]!, f[i + 1]!);
  return request;
}

let appends: boolean | undefined;
/** Whether this runtime lets a Request's headers take any field, Host and Connection too (Fetch's old forbidden names). */
function appendsAnyField(): boolean {
  if (appends === undefined) {
    try {
      const h = new Request("http://probe.invalid/").headers;
      h.append("host", "a");
      h.append("connection", "close");
      appends = h.get("host") === "a" && h.get("connection") === "close";
    } catch {
      appends = false;
    }
  }
  return appends;
}

/**
 * A Request for the handler: a lazy one where this runtime allows, else a real one.
 * Throws as `new Request` would (an unparsable URL, a GET with a body), and a
 * MethodNotKeptError where the Request made does not carry the method as sent (method.ts).
 */
export function makeRequest(init: LazyRequestInit): Request {
  const method = init.method;
  const eager = init.body !== null && (method === "GET" || method === "HEAD");
  const proto = eager ? null : lazyPrototype();
  if (proto === null) {
    const request = appendsAnyField() ? requestThenFields(init) : newRequest(init.url, init, pairs(init.fields));
    // The handler must see the method the client sent (Bun's Request turns ones it does not know into GET).
    if (request.method !== method) throw new MethodNotKeptError(method, request.method);
    // Following a signal is the dearest part of a Request in undici; most handlers never look at it,
    // so the signal is made when first read. It aborts when the client goes away.
    (request as unknown as Record<symbol, LazyRequestInit>)[SIGNAL_OF] = init;
    Object.defineProperty(request, "signal", { get: signalOf, configurable: true });
    return request;
  }
  // Parse now, so a bad URL is rejected here as `new Request` would, not in the handler.
  return build(proto, init, canonicalHref(init.url));
}

/**
 * Whether url is exactly `${scheme}://${authority}${path}`, checked without building
 * that string: a connection hands out its last URL again when the parts repeat, so the
 * memo below finds the same string (its hash already computed).
 */
export function isUrlOf(url: string, scheme: string, authority: string, path: string): boolean {
  const at = scheme.length + 3;
  return url.length === at + authority.length + path.length && url.startsWith(scheme) &&
    url.startsWith("://", scheme.length) && url.startsWith(authority, at) && url.endsWith(path);
}

/**
 * The URL parser's href for url, remembered for short URLs: a keep-alive client asks
 * for the same few URLs again and again, and parsing one costs more than
 * parsing the whole request line. A URL that does not parse throws and is not kept.
 */
const hrefs = new Map<string, string>();
const MAX_REMEMBERED_URL = 256;
const MAX_REMEMBERED_URLS = 512;

function canonicalHref(url: string): string {
  let href = hrefs.get(url);
  if (href === undefined) {
    href = new URL(url).href;
    if (url.length <= MAX_REMEMBERED_URL) {
      if (hrefs.size >= MAX_REMEMBERED_URLS) hrefs.clear();
      hrefs.set(url, href);
    }
  }
  return href;
}
