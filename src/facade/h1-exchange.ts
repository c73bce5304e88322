/**
 * What an HTTP/1.1 connection keeps per request (h1-connection.ts), and the states the
 * connection itself goes through.
 */
import { H1ParseError } from "../h1/errors.ts";
import type { RequestHead } from "../h1/head.ts";
import type { Connection } from "../transport/types.ts";
import type { RequestBody } from "./body.ts";
import { Completion, type ExchangeInit } from "./exchange.ts";
import type { TrailerSlot } from "./request-trailers.ts";
import type { ExchangeRef, UpgradeClaim, UpgradeHost } from "./upgrade.ts";

/** Timeouts are rejections too: the request did not arrive in time (RFC 9110 §15.5.9). */
export const HEADERS_TIMEOUT = () => new H1ParseError(408, "HEADERS_TIMEOUT", "request head not received in time");
export const REQUEST_TIMEOUT = () => new H1ParseError(408, "REQUEST_TIMEOUT", "request body not received in time");

/** Unread request body we will skip to keep a connection; past this we close. */
export const MAX_DISCARD = 1024 * 1024;

export type Life = "open" | "draining" | "failed" | "switched" | "parked" | "closed";

/** The states each state may move to. */
export const NEXT: Record<Life, readonly Life[]> = {
  open: ["draining", "failed", "switched", "parked", "closed"],
  draining: ["failed", "switched", "closed"],
  failed: ["closed"],
  switched: [],
  parked: [],
  closed: [],
};

/**
 * One request on the connection and what is known of its answer. It is also what the
 * handler's Request is made from (ExchangeInit: the lazy Request reads its url, method,
 * fields, body and signal here) and what an upgrade finds through that Request
 * (ExchangeRef), and, as a Completion, what settles the handler's `info.completed`: one
 * object per request where there were four, and no closure (there were two).
 */
export class Exchange extends Completion implements ExchangeInit, ExchangeRef {
  /** The request body as the parser feeds it (the handler reads `body`, its stream). */
  feed: RequestBody | null = null;
  /** The request body has been received completely. */
  bodyDone: boolean;
  /** The response is done: further body bytes are dropped. */
  discard = false;
  discarded = 0;
  continueSent = false;
  /** Made when the handler first reads request.signal. */
  abort: AbortController | null = null;
  /** The handler's answer. It may reject only if writeQueued awaited it at once (startExchange). */
  response: Promise<Response | undefined> = null!;
  claim: UpgradeClaim | null = null;
  /** When the read that brought the request came (ms since the epoch), for requestTimeout. */
  readonly startedAt: number;
  /** The request turned out malformed after its head; no response is sent for it. */
  failed = false;
  /** h2c upgrade: the body, gathered before the switch (RFC 7540 §3.2). */
  collected: Uint8Array[] | null = null;
  bodyComplete: (() => void) | null = null;
  /** A chunked request's trailer section, for getTrailers (request-trailers.ts). */
  trailers: TrailerSlot | null = null;

  // ---- what the handler's Request is made from (set by the connection before it is) ----
  url = "";
  readonly method: string;
  readonly fields: string[];
  /** The body the handler reads: its stream, or its bytes when all of them came with the head. */
  body: ReadableStream<Uint8Array> | Uint8Array | null = null;

  constructor(readonly head: RequestHead, readonly conn: Connection, readonly host: UpgradeHost, startedAt: number) {
    super();
    this.startedAt = startedAt;
    this.bodyDone = !(head.chunked || head.contentLength > 0);
    this.method = head.method;
    this.fields = head.fields;
  }

  get minor(): number {
    return this.head.minor;
  }

  get completed(): Completion {
    return this;
  }

  get ref(): ExchangeRef {
    return this;
  }

  signal(): AbortSignal {
    return (this.abort ??= new AbortController()).signal;
  }

  setClaim(claim: UpgradeClaim): void {
    this.claim = claim;
  }

  /** Body bytes the parser read: gathered, fed, or dropped; false once over MAX_DISCARD have been dropped. */
  received(data: Uint8Array): boolean {
    if (this.collected) this.collected.push(data);
    else if (this.discard || !this.feed) return (this.discarded += data.length) <= MAX_DISCARD;
    else this.feed.push(data);
    return true;
  }
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
  ex.feed?.error(e);
  ex.trailers?.failed(e);
}
