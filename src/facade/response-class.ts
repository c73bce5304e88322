/**
 * The Response class serve() installs as the global one (option `recordResponses`), so
 * that a handler's `new Response("Hello World")` is sent whole, without a trip through
 * a body stream, and costs next to nothing to make. @hono/node-server replaces the
 * global Response for the same reason (its overrideGlobalObjects).
 *
 * A string or bytes body is held beside the Response: a string as it is, bytes copied
 * (Fetch takes a copy of a BufferSource when the Response is made, so the handler may
 * change its array afterwards). undici makes a body stream for every `new Response(body)`
 * (twenty times a Response without one, bench/README.md), Bun's and Deno's Responses let
 * a server see a body only through its stream or their internals.
 *
 * - With at most a status and fields in a plain object that need no conversion (the
 *   common `new Response(text)` and `new Response(json, { headers: {...} })`), the
 *   Response is lazy: none of the runtime's is made. It answers status, ok, statusText,
 *   type, url and redirected itself, and makes the runtime's Response (without the
 *   body) the first time anything else is asked, its headers say; the server reads a
 *   lazy one's fields (those given, and its body's Content-Type) without it
 *   (`responseFields`).
 * - With other fields or a reason phrase, the runtime's Response is made without the
 *   body (status, statusText and headers validated by the runtime, as ever).
 * - Any other body (a stream, a Blob, FormData...) is the runtime's own.
 *
 * The members that read a body (body, bodyUsed, text(), json(), arrayBuffer(), bytes(),
 * blob(), formData(), clone()) make the runtime's Response with the body the first time
 * one is used, and answer from it, so the handler sees a Response in every way it can
 * look. A string body gets the Content-Type the runtime's server sends with it (Fetch's;
 * Bun.serve adds its own spelling as it sends, keeping it out of the Response's fields).
 * `Response.json` builds through the class, and `instanceof Response` holds for the
 * runtime's own Responses too (from fetch(), Response.error(), or made before the class
 * was installed). Done once per realm.
 */

import { WritePool } from "../buffers/pool.ts";
import { bodyRecycler } from "../buffers/recycler.ts";
import { FIELD_VALUE, HTAB, SP, isToken } from "../h1/chars.ts";

const INSTALLED = Symbol.for("purehttp.responseClass");
/**
 * A small body's copy is cut from a shared slab, as Node's Buffer pool does, rather than
 * made a fresh ArrayBuffer: on JSC and V8 an ArrayBuffer costs far more to make than a
 * few KiB cost to copy. A Response the program keeps holds at most one slab (16 KiB).
 */
const SMALL_COPY = 4 * 1024;
const smallCopies = new WritePool(4 * SMALL_COPY);
/** The body a Response was made with, when it is a string or bytes (or null for none): sent as it is (hold). */
const SOURCE = Symbol("purehttp response body");
/** The runtime's Response with the body, made when the handler first reads the body itself (hold). */
const REAL = Symbol("purehttp response with body");
/** The held bytes are a region of buffers/recycler.ts that this Response alone holds (hold). */
const RECYCLED = Symbol("purehttp recycled body");
/** A lazy Response's status: it was made without the runtime's (see holdingClass). */
const STATUS = Symbol("purehttp lazy response status");
/** A lazy Response's fields, in the order its Headers would give them (see lazyFields). */
const FIELDS = Symbol("purehttp lazy response fields");
/** The runtime's Response (without the body) that answers for a lazy one once its fields are asked for. */
const SHELL = Symbol("purehttp lazy response shell");
/** In REAL's place once the held bytes have been given to the server to send: the body is used. */
const SENT = { sent: true } as const;

interface Known {
  [SOURCE]?: string | Uint8Array | null;
  [REAL]?: Response | typeof SENT;
  [RECYCLED]?: boolean;
  [STATUS]?: number;
  [FIELDS]?: ResponseFields;
  [SHELL]?: Response;
}

type KnownResponse = Response & Known;

/** Fetch's null body statuses: a Response with one of them cannot have a body. */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
/** Fetch's Content-Type for a string body. */
const TEXT_TYPE = "text/plain;charset=UTF-8";

/** The string or bytes a Response will send, null for none, undefined when its body must be read from its stream. */
export function knownBody(res: Response): string | Uint8Array | null | undefined {
  const k = res as Response & Known;
  const source = k[SOURCE];
  if (source === undefined) return undefined;
  return REAL in k ? undefined : source; // once the handler has read the body, it is the runtime's
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

export type ResponseClassMode = "hold";

/** The runtime's own Response, once the class is installed over it. */
let nativeResponse: typeof Response | undefined;

/**
 * `x instanceof Response`, asked of the runtime's class: the engine's own check, where
 * `instanceof` the installed class calls its `Symbol.hasInstance` (this function) for
 * every answer (0.6% of a Bun hello profile).
 */
export function isResponse(x: unknown): x is Response {
  return x instanceof (nativeResponse ?? globalThis.Response);
}

/** Installs the class as the global Response (see above); false if one is installed already. */
export function installResponseClass(mode: ResponseClassMode = "hold"): boolean {
  const g = globalThis as unknown as { Response: typeof Response };
  const Native = g.Response;
  if ((Native as unknown as Record<symbol, unknown>)[INSTALLED]) return false;
  const Installed = holdingClass(Native);
  nativeResponse = Native;
  Object.defineProperty(Installed, INSTALLED, { value: mode });
  // `x instanceof Response` for the runtime's own Responses too.
  Object.defineProperty(Installed, Symbol.hasInstance, { value: isResponse });
  Object.defineProperty(Installed, "json", {
    writable: true,
    configurable: true,
    /** Fetch's Response.json: the data serialized, Content-Type application/json unless init sets one. */
    value: function json(data: unknown, init: ResponseInit = {}): Response {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Response.json: the value cannot be serialized as JSON");
      // Without fields of the handler's, a plain object: the Response can be lazy.
      if (init.headers === undefined) return new Installed(text, { status: init.status, statusText: init.statusText, headers: { "content-type": "application/json" } });
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

/**
 * The Content-Type a string body is sent with: Fetch's, in the runtime's Response's
 * fields; Bun's Response keeps it out of them and Bun.serve adds its own spelling as it
 * sends (see above).
 */
function textTypeOf(Native: typeof Response): string {
  return new Native("").headers.get("content-type") ?? "text/plain;charset=utf-8";
}

function holdingClass(Native: typeof Response): typeof Response {
  const textType = textTypeOf(Native);
  // Fetch refuses a body with a null body status; Bun's Response takes one (and its server sends none).
  const refusesNullBodyStatus = throws(() => new Native("x", { status: 204 }));
  const proto = Native.prototype as unknown as Record<PropertyKey, unknown>;
  /** The runtime's Response that answers for `r`'s members other than its body: `r` itself, or a lazy one's shell. */
  const shellOf = (r: Response & Known): Response => {
    const status = r[STATUS];
    if (status === undefined) return r;
    let shell = r[SHELL];
    if (shell === undefined) {
      shell = r[SHELL] = new Native(null, { status });
      r[FIELDS]!.forEach((value, name) => shell!.headers.append(name, value));
    }
    return shell;
  };
  // A base class whose prototype inherits the runtime's: a lazy Response is made without
  // calling the runtime's constructor; any other is the runtime's own object, made with
  // this class's prototype (as `super()` would).
  const Holding = class Response {
    constructor(body?: BodyInit | null, init?: ResponseInit) {
      const bytes = body instanceof Uint8Array ? body : body instanceof ArrayBuffer ? new Uint8Array(body) : undefined;
      const held = body === undefined || body === null || typeof body === "string" || bytes !== undefined;
      if (!held) return Reflect.construct(Native, [body, init], new.target);
      const status = lazyStatus(init, body);
      const fields = status === undefined ? undefined : lazyFields(init?.headers, typeof body === "string" ? textType : null);
      let self: KnownResponse;
      if (fields !== undefined) {
        // A valid status allowing the body, fields that need no conversion: nothing left for the runtime to check.
        self = this as unknown as KnownResponse;
        self[STATUS] = status;
        self[FIELDS] = fields;
      } else {
        // With fields to convert or a reason phrase (or a status to refuse): the runtime's
        // Response without the body checks them, and refuses what it would have refused with one.
        self = Reflect.construct(Native, [null, init], new.target) as KnownResponse;
        if (refusesNullBodyStatus && body !== undefined && body !== null && NULL_BODY_STATUS.has(self.status)) {
          throw new TypeError(`Response constructor: Invalid response status code ${self.status}`);
        }
        if (typeof body === "string" && !self.headers.has("content-type")) self.headers.set("content-type", textType);
      }
      if (body === undefined || body === null) self[SOURCE] = null;
      else if (bytes === undefined) self[SOURCE] = body as string;
      else if (bodyRecycler.fits(bytes.length)) {
        // Fetch takes a copy of a BufferSource: into a region the server gives back once sent.
        const region = bodyRecycler.take(bytes.length);
        region.set(bytes);
        self[SOURCE] = region;
        self[RECYCLED] = true;
      } else if (bytes.length <= SMALL_COPY) self[SOURCE] = smallCopies.copy(bytes);
      else self[SOURCE] = Uint8Array.prototype.slice.call(bytes);
      return self;
    }
  } as unknown as typeof Response;
  Object.setPrototypeOf(Holding, Native);
  Object.setPrototypeOf(Holding.prototype, Native.prototype);

  /** The runtime's Response that answers for the body: the shell, or the one made with the held body. */
  const withBody = (r: Response & Known): Response => {
    const source = r[SOURCE];
    const shell = shellOf(r);
    if (source === undefined || source === null) return shell;
    // Sent by the server: the held region may be another response's by now, and the body is used.
    if (r[REAL] === SENT) r[REAL] = usedResponse(Native);
    return (r[REAL] ??= new Native(source as BodyInit, { status: shell.status, statusText: shell.statusText, headers: shell.headers })) as Response;
  };
  const hp = Holding.prototype as unknown as Record<PropertyKey, unknown>;
  const define = (key: PropertyKey, d: PropertyDescriptor) => Object.defineProperty(hp, key, { configurable: true, ...d });
  // Every member of the runtime's prototype answers through the shell (or `this`, when it is the runtime's own)...
  for (const key of Reflect.ownKeys(proto)) {
    if (key === "constructor" || key === Symbol.toStringTag) continue;
    const d = Object.getOwnPropertyDescriptor(proto, key)!;
    if (d.get) {
      const get = d.get;
      define(key, { enumerable: d.enumerable, get(this: Response & Known) { return get.call(shellOf(this)); } });
    } else if (typeof d.value === "function") {
      const method = d.value as (...a: unknown[]) => unknown;
      define(key, { enumerable: d.enumerable, writable: true, value: { [key]: function (this: Response & Known, ...a: unknown[]) { return method.apply(shellOf(this), a); } }[key as string] });
    }
  }
  // ...a lazy one's status and what follows from it without one...
  const statusGetter = Object.getOwnPropertyDescriptor(proto, "status")!.get!;
  define("status", { enumerable: true, get(this: Response & Known) { return this[STATUS] ?? statusGetter.call(this); } });
  const okGetter = Object.getOwnPropertyDescriptor(proto, "ok")!.get!;
  define("ok", {
    enumerable: true,
    get(this: Response & Known) {
      const s = this[STATUS];
      return s === undefined ? okGetter.call(this) : s >= 200 && s <= 299;
    },
  });
  const statusTextGetter = Object.getOwnPropertyDescriptor(proto, "statusText")!.get!;
  define("statusText", { enumerable: true, get(this: Response & Known) { return this[STATUS] === undefined ? statusTextGetter.call(this) : ""; } });
  // ...and the body's members through the Response that has the body.
  const bodyGetter = Object.getOwnPropertyDescriptor(proto, "body")!.get!;
  const usedGetter = Object.getOwnPropertyDescriptor(proto, "bodyUsed")!.get!;
  define("body", { enumerable: true, get(this: Response & Known) { return bodyGetter.call(withBody(this)); } });
  define("bodyUsed", {
    enumerable: true,
    get(this: Response & Known) {
      const held = this[SOURCE] !== undefined && this[SOURCE] !== null && !(REAL in this);
      return held ? false : usedGetter.call(withBody(this));
    },
  });
  for (const name of ["arrayBuffer", "blob", "bytes", "formData", "json", "text", "textStream"]) {
    const method = proto[name];
    if (typeof method !== "function") continue;
    define(name, { writable: true, value: { [name](this: Response & Known, ...a: unknown[]) { return method.apply(withBody(this), a); } }[name] });
  }
  const nativeClone = proto.clone as (this: Response) => Response;
  define("clone", {
    writable: true,
    value: function clone(this: Response & Known): Response {
      const source = this[SOURCE];
      if (source === undefined || source === null || REAL in this) return nativeClone.call(withBody(this));
      // Both hold the same bytes, which nobody writes (ours is a copy); held by two, they
      // are no longer one Response's alone to give back.
      const copy = (this[STATUS] !== undefined && this[SHELL] === undefined
        ? new Holding(null, { status: this[STATUS] })
        : new Holding(null, { status: this.status, statusText: this.statusText, headers: this.headers })) as Response & Known;
      if (copy[STATUS] !== undefined) copy[FIELDS] = this[FIELDS];
      copy[SOURCE] = source;
      if (this[RECYCLED]) this[RECYCLED] = false;
      return copy;
    },
  });
  return Holding;
}

function throws(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch {
    return true;
  }
}

/**
 * The status of a Response that can be lazy: `init` gives at most a status and fields,
 * the status valid for this body (the fields are lazyFields' to judge). undefined
 * otherwise (a reason phrase, or a status the runtime must convert or refuse).
 */
function lazyStatus(init: ResponseInit | undefined, body: unknown): number | undefined {
  if (init === undefined || init === null) return 200;
  if (typeof init !== "object" || init.statusText !== undefined) return undefined;
  const status = init.status;
  if (status === undefined) return 200;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599) return undefined;
  return body !== undefined && body !== null && NULL_BODY_STATUS.has(status) ? undefined : status;
}

/** The fields a writer reads from a Response: its Headers, or a lazy one's list. */
export type ResponseFields = Pick<Headers, "forEach" | "get" | "has"> & Iterable<[string, string]>;

/** Field lines answered without a Headers: lowercase names, sorted, as a Headers gives them. */
class FieldList implements ResponseFields {
  constructor(private readonly lines: readonly [string, string][]) {}
  forEach(fn: (value: string, name: string, parent: Headers) => void): void {
    for (const [name, value] of this.lines) fn(value, name, undefined as unknown as Headers);
  }
  get(name: string): string | null {
    const lower = name.toLowerCase();
    for (const line of this.lines) if (line[0] === lower) return line[1];
    return null;
  }
  has(name: string): boolean {
    return this.get(name) !== null;
  }
  [Symbol.iterator](): Iterator<[string, string]> {
    return this.lines.map(([n, v]): [string, string] => [n, v])[Symbol.iterator]();
  }
}
const NO_FIELDS = new FieldList([]);
/** The fields of a Response made with a string body and none of its own, per Content-Type spelling. */
const typeFields = new Map<string, ResponseFields>();

/** Fields up to this many are taken by a lazy Response; more go to the runtime's Headers. */
const LAZY_FIELDS = 16;

/**
 * The fields of a lazy Response made with `headers` (and a string body's Content-Type,
 * `textType`, unless headers set one), in the order a Headers would give them; undefined
 * when the runtime must convert them: anything but a plain object of string values, a
 * value Headers would normalize (leading or trailing whitespace) or refuse, a name that
 * is not a token (the runtime throws its own error), a name given twice in different
 * case (Headers combines them), Set-Cookie (kept apart), or more than LAZY_FIELDS.
 */
function lazyFields(headers: unknown, textType: string | null): ResponseFields | undefined {
  if (headers === undefined) {
    if (textType === null) return NO_FIELDS;
    let f = typeFields.get(textType);
    if (f === undefined) typeFields.set(textType, (f = new FieldList([["content-type", textType]])));
    return f;
  }
  if (typeof headers !== "object" || headers === null) return undefined;
  const proto = Object.getPrototypeOf(headers);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const names = Object.keys(headers);
  if (names.length > LAZY_FIELDS || Object.getOwnPropertySymbols(headers).length > 0) return undefined;
  const lines: [string, string][] = [];
  let hasType = false;
  for (const name of names) {
    const value = (headers as Record<string, unknown>)[name];
    if (typeof value !== "string" || !isToken(name) || !plainValue(value)) return undefined;
    const lower = name.toLowerCase();
    if (lower === "set-cookie") return undefined;
    for (const line of lines) if (line[0] === lower) return undefined;
    if (lower === "content-type") hasType = true;
    lines.push([lower, value]);
  }
  if (textType !== null && !hasType) lines.push(["content-type", textType]);
  lines.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return new FieldList(lines);
}

/**
 * A value a Headers keeps as it is: field-value characters only (RFC 9110 §5.5, the
 * parser's table; anything else, which a Headers may refuse or keep, is the runtime's to
 * judge), with no leading or trailing space or tab (a Headers would trim them).
 */
function plainValue(v: string): boolean {
  const n = v.length;
  if (n === 0) return true;
  const first = v.charCodeAt(0), last = v.charCodeAt(n - 1);
  if (first === SP || first === HTAB || last === SP || last === HTAB) return false;
  for (let i = 0; i < n; i++) if (!FIELD_VALUE[v.charCodeAt(i)]) return false;
  return true;
}

/**
 * The fields `res` sends: `res.headers`, except for a lazy Response whose Headers nobody
 * has asked for: then the list it was made with.
 */
export function responseFields(res: Response): ResponseFields {
  const k = res as Response & Known;
  if (k[STATUS] === undefined || k[SHELL] !== undefined) return res.headers;
  return k[FIELDS]!;
}

/** Whether `fields` (from responseFields) never change: a lazy Response's list, never a Headers. */
export function fixedFields(fields: ResponseFields): boolean {
  return fields instanceof FieldList;
}

/** A runtime Response whose body has been read: what a sent Response answers for its body. */
function usedResponse(Native: typeof Response): Response {
  const r = new Native("");
  r.arrayBuffer().catch(() => {});
  return r;
}
