/**
 * One request/response exchange, whatever protocol carries it. HTTP/1.1 and HTTP/2
 * each bring a request head (and a body) here and take a response plan away: the
 * handler is called the same way, and the rules of RFC 9110 that do not depend on the
 * protocol are applied once: which responses have no content (§6.4.1), what a HEAD
 * announces (§9.3.2), which fields belong to one connection only (§7.6.1), and what a
 * handler that gives no Response gets.
 *
 *   request head ──> openExchange ──> handler ──> answerOf ──> planContent
 *                                                               │
 *                        HTTP/1.1: bytes (h1-response.ts) <─────┤
 *                        HTTP/2: HEADERS/DATA (h2-connection.ts) <┘
 */
import type { WritePool } from "../buffers/pool.ts";
import { CONNECTION_SPECIFIC } from "../h2/fields.ts";
import type { Connection } from "../transport/types.ts";
import type { ServeInfo, ServerContext } from "./context.ts";
import { type LazyRequestInit, isUrlOf, makeRequest } from "./lazy-request.ts";
import { MethodNotKeptError, notImplemented, unservableMethod } from "./method.ts";
import { type BodyPlan, discardBody, planResponse } from "./response-body.ts";
import { isResponse, responseFields } from "./response-class.ts";
import { type ExchangeRef, UpgradeRefusedError, registerExchange } from "./upgrade.ts";

// ---- request ----

/**
 * A handler's `info.completed`: the promise is made when the handler first asks for it
 * (most never do), already settled if the exchange has ended by then.
 */
export class Completion {
  private promise: Promise<void> | null = null;
  private settle: (() => void) | null = null;
  private done = false;

  get(): Promise<void> {
    return (this.promise ??= this.done ? Promise.resolve() : new Promise<void>((r) => (this.settle = r)));
  }

  /** One already complete (a request that was never on a connection: server.fetch). */
  static settled(): Completion {
    const c = new Completion();
    c.complete();
    return c;
  }

  /** The response has been sent, or the client went away. */
  complete(): void {
    this.done = true;
    this.settle?.();
    this.settle = null;
  }
}

/** Where a ServeInfo keeps its Completion, for the `completed` getter of its prototype. */
const COMPLETION = Symbol("completion");
/** Where a ServeInfo keeps its connection, for the `remoteAddr` getter of its prototype. */
const PEER = Symbol("peer");

/** What a ServeInfo reads its address from: the connection (made when first asked for; see transport). */
export type Peer = Pick<Connection, "remoteAddr" | "proxy">;

/**
 * Gives a ServeInfo prototype its `completed` and `remoteAddr` getters. As with
 * Deno.serve's info (whose remoteAddr and completed are getters too), spreading an info
 * does not copy them; and a connection whose handlers never ask for the address never
 * makes one.
 */
export function withInfoGetters<T extends object>(proto: T): T {
  return Object.defineProperties(proto, {
    completed: {
      get(this: { [COMPLETION]: Completion }): Promise<void> {
        return this[COMPLETION].get();
      },
      configurable: true,
    },
    remoteAddr: {
      get(this: { [PEER]: Peer }): Connection["remoteAddr"] {
        return this[PEER].remoteAddr;
      },
      configurable: true,
    },
  });
}

/**
 * The handler's second argument: the server's methods and getters (its prototype,
 * `ctx.infoPrototype`) over this request's own facts.
 */
export function serveInfo(
  ctx: ServerContext,
  peer: Peer,
  completed: Completion,
  httpVersion: string,
): ServeInfo & Record<string, unknown> {
  const info = Object.create(ctx.infoPrototype) as ServeInfo & { [COMPLETION]: Completion; [PEER]: Peer } & Record<string, unknown>;
  info[PEER] = peer;
  if (peer.proxy) info.proxy = peer.proxy;
  info[COMPLETION] = completed;
  info.httpVersion = httpVersion;
  return info;
}

/** The request's parts (see lazy-request.ts) and what the handler's ServeInfo needs. */
export interface ExchangeInit extends LazyRequestInit {
  /** Settled once the response has been sent or the client went away (info.completed). */
  completed: Completion;
  /** The connection and what an upgrade needs to find its exchange (upgrade.ts). */
  ref: ExchangeRef;
}

/** The 501 for a method no Fetch Request can carry as sent (method.ts), or null. */
export function refusedMethod(method: string): Response | null {
  const reason = unservableMethod(method);
  return reason === null ? null : notImplemented(reason);
}

/**
 * Makes the Request (see lazy-request.ts) and runs the handler. `request` is null when
 * none could be made: the response then says why (400, or 501 for a method the Request
 * changed), and the connection should not be trusted further.
 */
export function openExchange(ctx: ServerContext, init: ExchangeInit, caught = true): { request: Request | null; response: Promise<Response | undefined> } {
  let request: Request;
  try {
    request = makeRequest(init);
  } catch (e) {
    if (e instanceof MethodNotKeptError) return { request: null, response: Promise.resolve(notImplemented(e.message)) };
    return { request: null, response: Promise.resolve(new Response(`invalid request: ${(e as Error).message}\n`, { status: 400 })) };
  }
  registerExchange(request, init.ref);
  const minor = init.ref.minor;
  return { request, response: runHandler(ctx, request, init.ref.conn, init.completed, minor === undefined ? "2" : minor === 1 ? "1.1" : "1.0", caught) };
}

/**
 * Runs the handler on a Request; a throw becomes onError's Response, or 500. So does a
 * rejection, unless `caught` is false: then the promise may reject, and the caller
 * must await it at once, with `handlerFailed` for its rejection (or pass it to
 * `caughtAnswer`). Awaiting the handler's own promise saves a promise and a turn.
 */
export function runHandler(
  ctx: ServerContext,
  request: Request,
  conn: Connection,
  completed: Completion,
  httpVersion: string,
  caught = true,
): Promise<Response | undefined> {
  const info = serveInfo(ctx, conn, completed, httpVersion);
  // Not an async function: a handler's promise is passed on, not awaited in a new frame.
  let answer: Response | undefined | Promise<Response | undefined>;
  try {
    answer = ctx.handler(request, info);
  } catch (e) {
    return handlerFailed(ctx, e);
  }
  // A promise (or any thenable) is taken as it is, its rejection caught unless the caller
  // awaits it at once; a Response is settled already and cannot reject.
  const answered = Promise.resolve(answer);
  return caught && !isResponse(answer) ? caughtAnswer(ctx, answered) : answered;
}

/** The handler's answer with its rejection answered by handlerFailed: a promise that never rejects. */
export function caughtAnswer(ctx: ServerContext, answer: Promise<Response | undefined>): Promise<Response | undefined> {
  return answer.catch(ctx.fail ??= (e) => handlerFailed(ctx, e));
}

/** A handler's throw or rejection: a refused upgrade's own answer, else onError's Response, else 500. */
export async function handlerFailed(ctx: ServerContext, e: unknown): Promise<Response | undefined> {
  if (e instanceof UpgradeRefusedError) return e.response;
  try {
    return await ctx.onError(e);
  } catch {
    return new Response("Internal Server Error\n", { status: 500 });
  }
}

/**
 * A request's URL, the same string as last time when its parts repeat: a connection's
 * client asks for the same few URLs again and again, and the same string (its hash
 * already computed) makes the lazy Request's href lookup a cheap one. Only the URL is
 * kept, flattened: the parts are slices of the request's head, and keeping them would
 * keep the whole head alive with an idle connection.
 */
export class UrlMemo {
  private last = "";

  of(scheme: string, authority: string, path: string): string {
    return (this.last = urlAfter(this.last, scheme, authority, path));
  }
}

/**
 * The URL of scheme, authority and path: `last` itself when it is that URL (a
 * connection's requests mostly share one), else a new flat string.
 */
export function urlAfter(last: string, scheme: string, authority: string, path: string): string {
  if (isUrlOf(last, scheme, authority, path)) return last;
  const url = `${scheme}://${authority}${path}`;
  url.charCodeAt(0); // reading a character flattens the concatenation
  return url;
}

/** The authority of the address a request without one came to (HTTP/1.0 without Host, HTTP/2 without :authority). */
export function authorityOf(conn: Connection): string {
  const l = conn.localAddr;
  return l.hostname.includes(":") ? `[${l.hostname}]:${l.port}` : `${l.hostname}:${l.port}`;
}

// ---- response ----

/** What a handler that returned no Response gets (a bug in the handler, so 500). */
export function answerOf(res: Response | undefined): Response {
  return isResponse(res) ? res : new Response("handler returned no Response\n", { status: 500 });
}

/**
 * Fields that describe one connection (RFC 9110 §7.6.1) and are never passed to another
 * hop: HTTP/2 must not carry them (RFC 9113 §8.2.2, its list), and HTTP/1.1 writes its
 * own; HTTP2-Settings belongs to the h2c upgrade's connection.
 */
export const CONNECTION_FIELDS: ReadonlySet<string> = new Set([...CONNECTION_SPECIFIC, "http2-settings"]);

/**
 * Whether a field may be sent as a trailer: not one of a connection's, and none that
 * framing, routing or the trailer list itself depend on (RFC 9110 §6.5.1).
 */
export function allowedInTrailers(name: string): boolean {
  return !CONNECTION_FIELDS.has(name) && name !== "content-length" && name !== "host" && name !== "trailer" && name !== "te";
}

/** A Response's Content-Length as the handler set it, when it is one valid length (RFC 9110 §8.6); else null. */
export function declaredLength(fields: Pick<Headers, "get">): number | null {
  const v = fields.get("content-length");
  return v !== null && /^\d{1,15}$/.test(v) ? Number(v) : null;
}

/** RFC 9110 §6.4.1: responses to HEAD, 1xx, 204 and 304 have no content. */
export function hasNoContent(method: string, status: number): boolean {
  return method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * What goes after a response's head: its content (see response-body.ts), or, where it
 * has none, `none` with the length a HEAD announces when that is known.
 */
export type ContentPlan = BodyPlan | { kind: "none"; length: number | null };

const NO_LENGTH: ContentPlan = { kind: "none", length: null };

/**
 * Plans the response's content for `method`; synchronous when the bytes are known now
 * (the common case, and no promise to wait for). With `trailers`, content is streamed
 * (trailers follow the last DATA or chunk). Throws, or rejects, when the body cannot be
 * read at all.
 */
export function planContent(method: string, res: Response, pool: WritePool, trailers: boolean): ContentPlan | Promise<ContentPlan> {
  const status = res.status;
  if (hasNoContent(method, status)) {
    // RFC 9110 §9.3.2: HEAD gets the fields GET would, so a body of known length gives its length.
    if (method === "HEAD" && status !== 204 && status !== 304 && !responseFields(res).has("content-length")) return headLength(res, pool);
    discardBody(res);
    return NO_LENGTH;
  }
  const planned = planResponse(res, pool);
  if (!trailers) return planned;
  return planned instanceof Promise ? planned.then(streamed) : streamed(planned);
}

async function headLength(res: Response, pool: WritePool): Promise<ContentPlan> {
  const plan = await Promise.resolve(planResponse(res, pool)).catch((): BodyPlan => ({ kind: "empty" }));
  if (plan.kind === "stream") {
    plan.reader.cancel().catch(() => {});
    return NO_LENGTH;
  }
  return { kind: "none", length: plan.kind === "bytes" ? plan.length : 0 };
}

/** Known bytes as a stream that has them first and then ends. */
function streamed(plan: BodyPlan): BodyPlan {
  if (plan.kind === "stream") return plan;
  return { kind: "stream", first: plan.kind === "bytes" ? plan.parts : [], reader: ended() };
}

/** A reader of a stream that has ended: it reads done at once. */
function ended(): ReadableStreamDefaultReader<unknown> {
  return new ReadableStream<unknown>({ start: (c) => c.close() }).getReader();
}

// ---- trailers ----

const trailerMap = new WeakMap<Response, HeadersInit | Promise<HeadersInit>>();

/**
 * Attaches trailer fields to a Response: sent after the body over HTTP/2, and as
 * chunked trailers over HTTP/1.1 when the client sent "TE: trailers" (otherwise
 * HTTP/1.1 drops them, as RFC 9112 §7.1.2 allows). Returns the same Response.
 */
export function setTrailers(response: Response, trailers: HeadersInit | Promise<HeadersInit>): Response {
  trailerMap.set(response, trailers);
  return response;
}

export function trailersOf(response: Response): HeadersInit | Promise<HeadersInit> | undefined {
  return trailerMap.get(response);
}

/** The response's trailer fields, once they are known, without those that may not be trailers. */
export async function trailerFields(trailers: HeadersInit | Promise<HeadersInit>): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const [n, v] of new Headers(await trailers)) if (allowedInTrailers(n)) out.push([n, v]);
  return out;
}
