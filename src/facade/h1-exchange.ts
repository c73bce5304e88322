/**
 * What an HTTP/1.1 connection keeps per request (h1-connection.ts), and the states the
 * connection itself goes through.
 */
import { H1ParseError } from "../h1/errors.ts";
import type { RequestHead } from "../h1/head.ts";
import type { RequestBody } from "./body.ts";
import type { TrailerSlot } from "./request-trailers.ts";
import type { UpgradeClaim } from "./upgrade.ts";
import { Completion } from "./exchange.ts";

/** Timeouts are rejections too: the request did not arrive in time (RFC 9110 §15.5.9). */
export const HEADERS_TIMEOUT = () => new H1ParseError(408, "HEADERS_TIMEOUT", "request head not received in time");
export const REQUEST_TIMEOUT = () => new H1ParseError(408, "REQUEST_TIMEOUT", "request body not received in time");

/** Unread request body we will skip to keep a connection; past this we close. */
export const MAX_DISCARD = 1024 * 1024;

export type Life = "open" | "draining" | "failed" | "switched" | "closed";

/** The states each state may move to. */
export const NEXT: Record<Life, readonly Life[]> = {
  open: ["draining", "failed", "switched", "closed"],
  draining: ["failed", "switched", "closed"],
  failed: ["closed"],
  switched: [],
  closed: [],
};

export interface Exchange {
  head: RequestHead;
  body: RequestBody | null;
  /** The request body has been received completely. */
  bodyDone: boolean;
  /** The response is done: further body bytes are dropped. */
  discard: boolean;
  discarded: number;
  continueSent: boolean;
  /** Made when the handler first reads request.signal. */
  abort: AbortController | null;
  response: Promise<Response | undefined>;
  /** The handler's info.completed (exchange.ts). */
  completion: Completion;
  claim: UpgradeClaim | null;
  startedAt: number;
  /** The request turned out malformed after its head; no response is sent for it. */
  failed: boolean;
  /** h2c upgrade: the body, gathered before the switch (RFC 7540 §3.2). */
  collected?: Uint8Array[];
  bodyComplete?: () => void;
  /** A chunked request's trailer section, for getTrailers (request-trailers.ts). */
  trailers?: TrailerSlot;
}

/** A new exchange for a request head. */
export function newExchange(head: RequestHead): Exchange {
  return {
    head, body: null, bodyDone: !(head.chunked || head.contentLength > 0), discard: false, discarded: 0, continueSent: false,
    abort: null, response: null!, completion: new Completion(), claim: null, startedAt: Date.now(), failed: false,
  };
}

/**
 * The handler is done without the rest of the request body, and the rest cannot be
 * skipped to keep the connection: a client told to wait for 100 Continue may or may
 * not send it, and past MAX_DISCARD (or chunked, of unknown size) it is too much.
 */
export function leavesBodyBehind(ex: Exchange): boolean {
  if (ex.bodyDone) return false;
  if (ex.head.expectContinue && !ex.continueSent) return true;
  return (ex.head.chunked ? Infinity : ex.head.contentLength) > MAX_DISCARD;
}

/** The request body will not complete: its stream and its trailers fail with `e`. */
export function failBody(ex: Exchange, e: Error): void {
  ex.body?.error(e);
  ex.trailers?.failed(e);
}
