/**
 * Bun-style `routes` for serve(): a table from path patterns to handlers, to fixed
 * Responses, or to one of either per method, with `fetch` for whatever no route takes.
 *
 * Patterns, as Bun.serve reads them:
 * - `/users/me`: that exact path (case-sensitive; no trailing-slash folding);
 * - `/users/:id`: a parameter takes one whole non-empty segment, given to the handler
 *   percent-decoded as `request.params.id` (bytes that are not UTF-8 read as U+FFFD);
 * - `/api/*`: everything under `/api/` (`/api/` itself too, not `/api`), at the end only.
 * At each segment a literal is tried before a parameter and a parameter before a
 * wildcard, backing off when the rest does not match: `/a/b/c` goes to `/a/b/:y` before
 * `/a/:x/c`, and `/*` catches what nothing else does. Paths are matched as the request
 * URL has them (dot segments resolved, percent-encoding as sent), without the query.
 *
 * A fixed Response is read once and answered to every method, with a strong ETag of its
 * body (unless it has one) and 304 for a GET or HEAD whose If-None-Match names it.
 * A per-method table answers HEAD with its GET when it has no HEAD; a method it lacks
 * goes on to `fetch`, and with no `fetch` the answer is an empty 404, as on Bun.
 */

import type { ServeInfo } from "./context.ts";

/** The Request a route's handler gets: Bun's BunRequest, with the pattern's parameters. */
export type RouteRequest = Request & { params: Record<string, string> };
/** A route's handler: Bun passes the server as the second argument (purehttp's info has its methods). */
export type RouteHandler = (
  request: RouteRequest,
  server: ServeInfo & Record<string, unknown>,
) => Response | Promise<Response> | undefined | Promise<Response | undefined>;
type Target = RouteHandler | FixedResponse;
export type RouteValue = Response | RouteHandler | Partial<Record<string, Response | RouteHandler>>;
export type Routes = Record<string, RouteValue>;

interface Route {
  pattern: string;
  /** null: every method; otherwise by method. */
  any: Target | null;
  byMethod: Map<string, Target> | null;
  paramNames: string[];
}

class Node {
  readonly literal = new Map<string, Node>();
  param: Node | null = null;
  route: Route | null = null;
  /** A route ending in `/*` at this node: takes one or more further segments. */
  rest: Route | null = null;
}

export interface RouteMatch {
  target: Target;
  params: Record<string, string>;
}

export class Router {
  private readonly root = new Node();

  constructor(routes: Routes) {
    for (const [pattern, value] of Object.entries(routes)) this.add(pattern, value);
  }

  private add(pattern: string, value: RouteValue): void {
    if (!pattern.startsWith("/")) throw new TypeError(`route "${pattern}" must start with "/"`);
    const segments = pattern.slice(1).split("/");
    const paramNames: string[] = [];
    let node = this.root;
    let wildcard = false;
    segments.forEach((seg, i) => {
      if (seg === "*") {
        if (i !== segments.length - 1) throw new TypeError(`route "${pattern}": "*" may only end a pattern`);
        wildcard = true;
      } else if (seg.startsWith(":")) {
        const name = seg.slice(1);
        if (name === "") throw new TypeError(`route "${pattern}": a parameter needs a name`);
        if (paramNames.includes(name)) throw new TypeError(`route "${pattern}": parameter "${name}" appears twice`);
        paramNames.push(name);
        node = node.param ??= new Node();
      } else {
        let next = node.literal.get(seg);
        if (!next) node.literal.set(seg, (next = new Node()));
        node = next;
      }
    });
    const route = { pattern, paramNames, ...targets(pattern, value) };
    if (wildcard) node.rest = route;
    else node.route = route;
  }

  /** The target for this path and method, with the parameters, or null: `fetch`'s turn. */
  match(path: string, method: string): RouteMatch | null {
    const segments = path.slice(1).split("/");
    const values: string[] = [];
    const route = find(this.root, segments, 0, values);
    if (route === null) return null;
    let target = route.any;
    if (target === null) {
      const byMethod = route.byMethod!;
      target = byMethod.get(method) ?? (method === "HEAD" ? byMethod.get("GET") : undefined) ?? null;
      if (target === null) return null;
    }
    const params: Record<string, string> = {};
    route.paramNames.forEach((name, i) => (params[name] = decodeParam(values[i]!)));
    return { target, params };
  }
}

/** Depth first: literal, then parameter, then wildcard, at every segment. */
function find(node: Node, segments: string[], i: number, values: string[]): Route | null {
  if (i === segments.length) return node.route;
  const seg = segments[i]!;
  const literal = node.literal.get(seg);
  if (literal) {
    const r = find(literal, segments, i + 1, values);
    if (r !== null) return r;
  }
  if (node.param && seg !== "") {
    values.push(seg);
    const r = find(node.param, segments, i + 1, values);
    if (r !== null) return r;
    values.pop();
  }
  return node.rest;
}

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function targets(pattern: string, value: RouteValue): Pick<Route, "any" | "byMethod"> {
  if (value instanceof Response || typeof value === "function") return { any: target(pattern, value), byMethod: null };
  if (value === null || typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) {
    throw new TypeError(`route "${pattern}": expected a Response, a handler function, or an object of them by method`);
  }
  const byMethod = new Map<string, Target>();
  for (const [method, v] of Object.entries(value)) {
    if (!METHOD.test(method) || method !== method.toUpperCase()) throw new TypeError(`route "${pattern}": "${method}" is not an upper-case method name`);
    if (!(v instanceof Response) && typeof v !== "function") throw new TypeError(`route "${pattern}" ${method}: expected a Response or a handler function`);
    byMethod.set(method, target(pattern, v));
  }
  return { any: null, byMethod };
}

function target(pattern: string, v: Response | RouteHandler): Target {
  if (typeof v === "function") return v;
  if (v.bodyUsed) throw new TypeError(`route "${pattern}": the Response's body has already been read`);
  return new FixedResponse(v);
}

/**
 * A Response given as a route: its body read once, then a fresh Response of the same
 * bytes for each request (a body can be read only once).
 */
export class FixedResponse {
  private bytes: Uint8Array | null = null;
  private headers: Headers | null = null;
  private etag = "";
  private readonly ready: Promise<void>;

  constructor(private readonly template: Response) {
    // Read as a Blob: its type is the Content-Type Fetch gives a string or form body,
    // which Bun keeps out of the Response's headers.
    this.ready = template.clone().blob().then(async (blob) => {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      const headers = new Headers(template.headers);
      if (!headers.has("content-type") && blob.type) headers.set("content-type", blob.type);
      this.etag = headers.get("etag") ?? `"${hash64(bytes)}"`;
      headers.set("etag", this.etag);
      this.headers = headers;
      this.bytes = bytes;
    });
    this.ready.catch(() => {});
  }

  async respond(request: Request): Promise<Response> {
    if (this.bytes === null) await this.ready;
    const t = this.template;
    const method = request.method;
    if ((method === "GET" || method === "HEAD") && t.status === 200 && matchesIfNoneMatch(request.headers.get("if-none-match"), this.etag)) {
      return new Response(null, { status: 304, headers: this.headers! });
    }
    // A copy for each response: what a handler reads from a body it may change. A status
    // that has no body (204, 304, ...) cannot be given even an empty one.
    const body = NULL_BODY_STATUS.has(t.status) ? null : this.bytes!.slice();
    return new Response(body, { status: t.status, statusText: t.statusText, headers: this.headers! });
  }
}

/** Fetch's null body statuses: a Response with one of these has no body. */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** RFC 9110 §13.1.2: If-None-Match with weak comparison; "*" matches any current representation. */
function matchesIfNoneMatch(field: string | null, etag: string): boolean {
  if (field === null) return false;
  const bare = (t: string) => (t.startsWith("W/") ? t.slice(2) : t);
  const ours = bare(etag);
  for (const part of field.split(",")) {
    const t = part.trim();
    if (t === "*" || (t !== "" && bare(t) === ours)) return true;
  }
  return false;
}

/** 64 bits of FNV-1a over the bytes, as 16 hex digits: an entity tag that changes with the body. */
function hash64(bytes: Uint8Array): string {
  // Two 32-bit FNV-1a lanes with different offsets stand in for one 64-bit hash.
  let a = 0x811c9dc5, b = 0x050c5d1f;
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i]!, 0x01000193);
    b = Math.imul(b ^ bytes[i]!, 0x01000193) ^ (a >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

const decoder = new TextDecoder();

/** A parameter's value percent-decoded, as UTF-8 where it is, U+FFFD where it is not. */
function decodeParam(s: string): string {
  if (!s.includes("%")) return s;
  const out = new Uint8Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out[n++] = parseInt(s.slice(i + 1, i + 3), 16);
      i += 2;
    } else out[n++] = c;
  }
  return decoder.decode(out.subarray(0, n));
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/** The path of an absolute http(s) URL (from the first "/" after the authority to the query). */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const q = url.indexOf("?", start);
  return q < 0 ? url.slice(start) : url.slice(start, q);
}
