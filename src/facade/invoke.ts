/** Calling the handler: the same for every protocol. */
import type { Connection } from "../transport/types.ts";
import type { ServeInfo, ServerContext } from "./context.ts";
import { type LazyRequestInit, makeRequest } from "./lazy-request.ts";
import { MethodNotKeptError, notImplemented } from "./method.ts";
import { type ExchangeRef, UpgradeRefusedError, registerExchange } from "./upgrade.ts";

/** The request's parts (see lazy-request.ts) and what the handler's ServeInfo needs. */
export interface InvokeInit extends LazyRequestInit {
  httpVersion: string;
  conn: Connection;
  completed: Promise<void>;
  /** What an upgrade needs to find its exchange (upgrade.ts). */
  ref: ExchangeRef;
}

/** Makes the Request (see lazy-request.ts) and runs the handler; a throw becomes onError's Response, or 500. */
export function invokeHandler(ctx: ServerContext, init: InvokeInit): { request: Request | null; response: Promise<Response | undefined> } {
  let request: Request;
  try {
    request = makeRequest(init);
  } catch (e) {
    if (e instanceof MethodNotKeptError) return { request: null, response: Promise.resolve(notImplemented(e.message)) };
    return { request: null, response: Promise.resolve(new Response(`invalid request: ${(e as Error).message}\n`, { status: 400 })) };
  }
  registerExchange(request, init.ref);
  return { request, response: runHandler(ctx, request, init.conn, init.completed, init.httpVersion) };
}

/** Runs the handler on a Request; a throw becomes onError's Response, or 500. */
export function runHandler(
  ctx: ServerContext,
  request: Request,
  conn: Connection,
  completed: Promise<void>,
  httpVersion: string,
): Promise<Response | undefined> {
  const info = Object.create(ctx.infoPrototype) as ServeInfo;
  info.remoteAddr = conn.remoteAddr;
  info.completed = completed;
  info.httpVersion = httpVersion;
  // Not an async function: a handler's promise is passed on with one catch, not awaited in a new frame.
  let answer: Response | undefined | Promise<Response | undefined>;
  try {
    answer = ctx.handler(request, info as ServeInfo & Record<string, unknown>);
  } catch (e) {
    return failed(ctx, e);
  }
  // A promise (or any thenable) is taken as it is, with its rejection caught; a Response is settled already.
  return answer instanceof Response ? Promise.resolve(answer) : Promise.resolve(answer).catch((e) => failed(ctx, e));
}

/** A handler's throw or rejection: a refused upgrade's own answer, else onError's Response, else 500. */
async function failed(ctx: ServerContext, e: unknown): Promise<Response | undefined> {
  if (e instanceof UpgradeRefusedError) return e.response;
  try {
    return await ctx.onError(e);
  } catch {
    return new Response("Internal Server Error\n", { status: 500 });
  }
}

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
