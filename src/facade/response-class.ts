/**
 * The Response class serve() installs as the global one where the runtime's own is
 * slow to make or hides its body (option `recordResponses`), so that a handler's
 * `new Response("Hello World")` is sent whole, without a trip through a body stream.
 * @hono/node-server replaces the global Response for the same reason (its
 * overrideGlobalObjects). Two ways, chosen by what the runtime's Response costs:
 *
 * - hold (Node): undici makes a body stream for every `new Response(body)`, which costs
 *   twenty times a Response without a body (bench/README.md). So for a string or bytes
 *   body the runtime's Response is made without one (status, statusText and headers
 *   validated by the runtime, as ever), and the body is held beside it: a string as it
 *   is, bytes copied (Fetch takes a copy of a BufferSource when the Response is made,
 *   so the handler may change its array afterwards). The members that read a body
 *   (body, bodyUsed, text(), json(), arrayBuffer(), bytes(), blob(), formData(),
 *   clone()) make the runtime's Response with the body the first time one is used, and
 *   answer from it, so the handler sees a Response in every way it can look.
 * - record (Bun): the runtime's Response is made as usual (it is cheap), and a string
 *   body is remembered beside it. Bun.serve adds Content-Type to a string body as it
 *   sends, keeping it out of the Response's headers: this adds Bun.serve's value.
 *
 * Everything else is the runtime's own, `Response.json` builds through the class, and
 * `instanceof Response` holds for the runtime's own Responses too (from fetch(),
 * Response.error(), or made before the class was installed). Done once per realm.
 */

import { bodyRecycler } from "../buffers/recycler.ts";

const INSTALLED = Symbol.for("purehttp.responseClass");
/** The body a Response was made with, when it is a string or bytes (or null for none): sent as it is (hold). */
const SOURCE = Symbol("purehttp response body");
/** The same, remembered beside the runtime's body (record): sent as it is while that body is unused. */
const RECORDED = Symbol("purehttp recorded response body");
/** The runtime's Response with the body, made when the handler first reads the body itself (hold). */
const REAL = Symbol("purehttp response with body");
/** The held bytes are a region of buffers/recycler.ts that this Response alone holds (hold). */
const RECYCLED = Symbol("purehttp recycled body");
/** In REAL's place once the held bytes have been given to the server to send: the body is used. */
const SENT = { sent: true } as const;

interface Known {
  [SOURCE]?: string | Uint8Array | null;
  [RECORDED]?: string | null;
  [REAL]?: Response | typeof SENT;
  [RECYCLED]?: boolean;
}

/** Fetch's null body statuses: a Response with one of them cannot have a body. */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
/** Fetch's Content-Type for a string body. */
const TEXT_TYPE = "text/plain;charset=UTF-8";

/** The string or bytes a Response will send, null for none, undefined when its body must be read from its stream. */
export function knownBody(res: Response): string | Uint8Array | null | undefined {
  const k = res as Response & Known;
  const source = k[SOURCE];
  if (source !== undefined) return REAL in k ? undefined : source; // once the handler has read the body, it is the runtime's
  const recorded = k[RECORDED];
  return recorded === undefined || res.bodyUsed ? undefined : recorded;
}

/**
 * The held bytes of `res` when they are a recycler region it alone holds: the server
 * takes them to send, and gives the region back once sent (buffers/recycler.ts). The
 * Response's body is used from then on, as after any server sent it. Null otherwise.
 */
export function takeRecycledBody(res: Response): Uint8Array | null {
  const k = res as Response & Known;
  if (k[RECYCLED] !== true || REAL in k) return null;
  k[REAL] = SENT; // from now on REAL answers for the body, and nothing is taken again
  return k[SOURCE] as Uint8Array;
}

export type ResponseClassMode = "hold" | "record";

/** Installs the class as the global Response (see above); false if one is installed already. */
export function installResponseClass(mode: ResponseClassMode): boolean {
  const g = globalThis as unknown as { Response: typeof Response };
  const Native = g.Response;
  if ((Native as unknown as Record<symbol, unknown>)[INSTALLED]) return false;
  const Installed = mode === "hold" ? holdingClass(Native) : recordingClass(Native);
  Object.defineProperty(Installed, INSTALLED, { value: mode });
  // `x instanceof Response` for the runtime's own Responses too.
  Object.defineProperty(Installed, Symbol.hasInstance, { value: (x: unknown) => Function.prototype[Symbol.hasInstance].call(Native, x) });
  Object.defineProperty(Installed, "json", {
    writable: true,
    configurable: true,
    /** Fetch's Response.json: the data serialized, Content-Type application/json unless init sets one. */
    value: function json(data: unknown, init: ResponseInit = {}): Response {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Response.json: the value cannot be serialized as JSON");
      const headers = new Headers(init.headers);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return new Installed(text, { status: init.status, statusText: init.statusText, headers });
    },
  });
  g.Response = Installed;
  return true;
}

/** Which class is installed as the global Response, if one is. */
export function installedResponseClass(): ResponseClassMode | null {
  const g = globalThis as unknown as { Response: Record<symbol, ResponseClassMode | undefined> };
  return g.Response[INSTALLED] ?? null;
}

function recordingClass(Native: typeof Response): typeof Response {
  // Bun's Response keeps the Content-Type Fetch gives a string body out of its headers (see above).
  const textType = new Native("").headers.has("content-type") ? null : "text/plain;charset=utf-8";
  return class Response extends Native {
    constructor(body?: BodyInit | null, init?: ResponseInit) {
      super(body, init);
      // Strings only: bytes would have to be copied, and here their stream is cheap.
      if (body === undefined || body === null) (this as Known)[RECORDED] = null;
      else if (typeof body === "string") {
        (this as Known)[RECORDED] = body;
        if (textType !== null && !this.headers.has("content-type")) this.headers.set("content-type", textType);
      }
    }
  };
}

function holdingClass(Native: typeof Response): typeof Response {
  const proto = Native.prototype as unknown as Record<string, unknown>;
  const Holding = class Response extends Native {
    constructor(body?: BodyInit | null, init?: ResponseInit) {
      if (body === undefined || body === null) {
        super(null, init);
        (this as Known)[SOURCE] = null;
        return;
      }
      const bytes = body instanceof Uint8Array ? body : body instanceof ArrayBuffer ? new Uint8Array(body) : undefined;
      if (typeof body !== "string" && bytes === undefined) {
        super(body, init);
        return;
      }
      super(null, init);
      // What the runtime would have refused with the body: a null body status.
      if (NULL_BODY_STATUS.has(this.status)) throw new TypeError(`Response constructor: Invalid response status code ${this.status}`);
      let held: string | Uint8Array;
      if (bytes === undefined) held = body as string;
      else if (bodyRecycler.fits(bytes.length)) {
        held = bodyRecycler.take(bytes.length);
        held.set(bytes);
        (this as Known)[RECYCLED] = true;
      } else held = Uint8Array.prototype.slice.call(bytes);
      (this as Known)[SOURCE] = held;
      if (typeof held === "string" && !this.headers.has("content-type")) this.headers.set("content-type", TEXT_TYPE);
    }
  };
  /** The runtime's Response that answers for the body: this one, or the one made with the held body. */
  const withBody = (r: Response & Known): Response => {
    const source = r[SOURCE];
    if (source === undefined || source === null) return r;
    // Sent by the server: the held region may be another response's by now, and the body is used.
    if (r[REAL] === SENT) r[REAL] = usedResponse(Native);
    return (r[REAL] ??= new Native(source as BodyInit, { status: r.status, statusText: r.statusText, headers: r.headers })) as Response;
  };
  const hp = Holding.prototype as unknown as Record<string, unknown>;
  const bodyGetter = Object.getOwnPropertyDescriptor(proto, "body")!.get!;
  const usedGetter = Object.getOwnPropertyDescriptor(proto, "bodyUsed")!.get!;
  Object.defineProperty(hp, "body", { configurable: true, enumerable: true, get(this: Response & Known) { return bodyGetter.call(withBody(this)); } });
  Object.defineProperty(hp, "bodyUsed", {
    configurable: true, enumerable: true,
    get(this: Response & Known) {
      const held = this[SOURCE] !== undefined && this[SOURCE] !== null && !(REAL in this);
      return held ? false : usedGetter.call(withBody(this));
    },
  });
  for (const name of ["arrayBuffer", "blob", "bytes", "formData", "json", "text"]) {
    const method = proto[name];
    if (typeof method !== "function") continue;
    Object.defineProperty(hp, name, {
      configurable: true, writable: true,
      value: { [name](this: Response & Known) { return method.call(withBody(this)); } }[name],
    });
  }
  const nativeClone = proto.clone as (this: Response) => Response;
  Object.defineProperty(hp, "clone", {
    configurable: true, writable: true,
    value: function clone(this: Response & Known): Response {
      const source = this[SOURCE];
      if (source === undefined || source === null || REAL in this) return nativeClone.call(withBody(this));
      // Both hold the same bytes, which nobody writes (ours is a copy); held by two, they
      // are no longer one Response's alone to give back.
      const copy = new Holding(null, { status: this.status, statusText: this.statusText, headers: this.headers }) as Response & Known;
      copy[SOURCE] = source;
      if (this[RECYCLED]) this[RECYCLED] = false;
      return copy;
    },
  });
  return Holding;
}

/** A runtime Response whose body has been read: what a sent Response answers for its body. */
function usedResponse(Native: typeof Response): Response {
  const r = new Native("");
  r.arrayBuffer().catch(() => {});
  return r;
}
