/**
 * HTTP/1.1 over one transport connection: parser events become exchanges, handler
 * Responses become bytes, in order (pipelining), with backpressure both ways.
 *
 * The connection's life is one state, changed only by `to()`:
 *
 *   open ──> draining ──> closed        draining: no new request is read; the ones in
 *     │         │   ^                   hand are answered, then the connection ends
 *     ├─────────┴──>failed ──┘          failed: a request was malformed; the answers
 *     ├──────> switched                 before it go out, then the 4xx, then the end
 *     └──────> parked                   switched: another protocol has the socket
 *                                       parked: idle and given up (see park())
 *
 * What the peer has done (sent a FIN) is kept apart, as h11 keeps "their" state apart
 * from "ours": a client that has closed its side may still read every response.
 */
import { latin1Bytes } from "../buffers/bytes.ts";
import { H1ParseError } from "../h1/errors.ts";
import { type ConnectionTrace, traceOf } from "../trace/connection-trace.ts";
import type { RequestHead } from "../h1/head.ts";
import { RequestParser } from "../h1/parser.ts";
import { serializeErrorResponse, serializeResponseHead } from "../h1/serializer.ts";
import type { Connection, ConnectionHandler } from "../transport/types.ts";
import { RequestBody } from "./body.ts";
import type { ServerContext } from "./context.ts";
import { answerOf, authorityOf, caughtAnswer, handlerFailed, openExchange, refusedMethod, urlAfter } from "./exchange.ts";
import { type H1Output, writeH1Response } from "./h1-response.ts";
import { claimForH2c, h2cSettings, prefaceDecision, PREFACE_START } from "./h1-switch.ts";
import type { LiveConnection } from "./live.ts";
import { Exchange, HEADERS_TIMEOUT, type Life, NEXT, REQUEST_TIMEOUT, failBody, leavesBodyBehind } from "./h1-exchange.ts";
import { TrailerSlot } from "./request-trailers.ts";

/** Requests parsed ahead of the response being written (pipelining depth). */
const MAX_PIPELINE = 32;
const CONTINUE = latin1Bytes("HTTP/1.1 100 Continue\r\n\r\n");

export class H1Connection implements ConnectionHandler, LiveConnection, H1Output {
  private life: Life = "open";
  private readonly parser: RequestParser;
  private readonly exchanges: Exchange[] = [];
  /** The exchange whose body the parser is reading. */
  private receiving: Exchange | null = null;
  /** The writer loop (writeQueued) is running. */
  private writing = false;
  /** The client closed its side: it sends nothing more. */
  private peerEnded = false;
  /** Why the connection failed (life "failed"): the 4xx it ends with. */
  private parseError: H1ParseError | null = null;
  private drainWaiter: (() => void) | null = null;
  /** Whether the first bytes have been looked at for the HTTP/2 preface. */
  private sniffed: boolean;
  /** The socket is paused because a consumer is full. */
  private stalled = false;
  private lastActivity: number;
  /** Since when the server has waited for the parser's head (headersTimeout): its first byte's read or the answer before it. */
  private headStartedAt = 0;
  /** The last request's URL, which the next one's usually is (see urlAfter). */
  private lastUrl = "";
  liveSlot = -1;
  readonly trace: ConnectionTrace | null;

  constructor(private readonly conn: Connection, private readonly ctx: ServerContext, resumed = false) {
    this.parser = new RequestParser(ctx.limits);
    this.trace = traceOf(conn);
    this.lastActivity = Date.now();
    this.sniffed = resumed || !ctx.startH2;
    ctx.connections.add(this);
  }

  /** Moves the connection to `next` if its life allows; what each state needs done on entry is done here. */
  private to(next: Life): boolean {
    if (!NEXT[this.life].includes(next)) return false;
    this.life = next;
    if (next === "closed" || next === "switched" || next === "parked") this.ctx.connections.delete(this);
    return true;
  }

  // ---- transport events ----

  data(chunk: Uint8Array): void {
    const life = this.life;
    if (life === "closed" || life === "failed" || life === "draining" && this.exchanges.length === 0) return;
    this.lastActivity = Date.now();
    if (this.parser.idle && !this.receiving) this.headStartedAt = this.lastActivity;
    this.parser.feed(chunk);
    if (!this.sniffed && this.sniffPreface()) return;
    this.pump();
  }

  drain(): void {
    const w = this.drainWaiter;
    this.drainWaiter = null;
    w?.();
  }

  /**
   * The client closed its side (a FIN): it sends nothing more. Responses still go out
   * (a half-closed client may read them), but every handler at work is told the client
   * has gone through request.signal, as Deno.serve does and node:http by closing the
   * response, and a request body still coming fails, since it can never end.
   */
  end(): void {
    this.peerEnded = true;
    if (this.exchanges.length === 0) return this.finish();
    const gone = new Error("client closed its side of the connection");
    for (const ex of this.exchanges) {
      if (!ex.bodyDone) failBody(ex, gone);
      (ex.abort ??= new AbortController()).abort(gone);
    }
  }

  close(): void {
    this.to("closed");
    for (const ex of this.exchanges) {
      failBody(ex, new Error("client disconnected"));
      ex.abort?.abort(new Error("client disconnected"));
      ex.complete();
    }
    this.drain();
  }

  // ---- LiveConnection ----

  requestsInFlight(): number {
    return this.exchanges.length;
  }

  tick(now: number): void {
    if (this.life === "closed" || this.life === "switched" || this.life === "parked") return;
    const t = this.ctx.timeouts;
    if (this.exchanges.length === 0 && this.parser.idle) {
      if (t.keepAliveTimeout && now - this.lastActivity > t.keepAliveTimeout) this.finish();
      return;
    }
    const inHead = !this.receiving && this.exchanges.length === 0;
    if (inHead && t.headersTimeout && now - this.headStartedAt > t.headersTimeout) return this.reject(HEADERS_TIMEOUT());
    // The body is still arriving: like a broken body, its handler's answer is void and 408 replaces it.
    if (this.receiving && t.requestTimeout && now - this.receiving.startedAt > t.requestTimeout) return this.reject(REQUEST_TIMEOUT());
  }

  shutdown(): void {
    this.to("draining");
    if (this.exchanges.length === 0 && !this.receiving) this.finish();
  }

  destroy(): void {
    this.conn.destroy();
  }

  /**
   * The transport parks the idle socket (transport/parking.ts): this connection lets go if
   * nothing has come since it asked, and the socket's next bytes get a new one (`resumed`).
   */
  park(): boolean {
    const idle = this.life === "open" && !this.peerEnded && this.exchanges.length === 0 && !this.receiving && !this.stalled;
    return idle && this.parser.idle && this.trace === null && !this.ctx.shuttingDown && this.to("parked");
  }

  // ---- H1Output (the response writer's view) ----

  get pool() {
    return this.ctx.pool;
  }

  get gone(): boolean {
    return this.life === "closed";
  }

  write(bytes: Uint8Array, sent?: () => void): Promise<void> | null {
    if (this.life === "closed") return null;
    if (this.conn.write(bytes, sent)) return null;
    return new Promise<void>((r) => (this.drainWaiter = r));
  }

  abort(): void {
    this.to("draining");
    this.conn.destroy();
  }

  // ---- parsing ----

  /** RFC 9113 §3.3: prior knowledge starts with the preface on the same port (h1-switch.ts). */
  private sniffPreface(): boolean {
    const decision = prefaceDecision(this.parser.peek(PREFACE_START));
    if (decision === "wait") return true;
    this.sniffed = true;
    if (decision === "h1") return false;
    this.handOver(this.ctx.startH2!(this.conn, this.parser.detach()));
    return true;
  }

  /**
   * The socket's events go to the next protocol from now on: the transport delivers them
   * there, and this connection, its parser and what they hold can be collected.
   */
  private handOver(next: ConnectionHandler): void {
    this.to("switched");
    this.conn.handler = next;
  }

  /** Parses as far as the consumers allow; pauses the socket when they are full. */
  private pump(): void {
    let stall = false;
    while (this.life === "open" || this.life === "draining") {
      const r = this.receiving;
      if (r && r.feed && !r.discard && !r.feed.wantsMore) {
        stall = true;
        break;
      }
      if (!r && this.exchanges.length >= MAX_PIPELINE) {
        stall = true;
        break;
      }
      // Draining: the body of a request in hand is still read, no new request is.
      if (!r && this.life === "draining") break;
      if (this.parser.paused) {
        stall = true; // an Upgrade request waits for its answer
        break;
      }
      const ev = this.parser.next();
      if (!ev) break;
      switch (ev.type) {
        case "head":
          this.startExchange(ev.head);
          break;
        case "data":
          if (!this.receiving!.received(ev.data)) this.to("draining");
          break;
        case "end":
          this.onBodyEnd(ev.trailers);
          break;
        case "error":
          return this.reject(ev.error);
      }
    }
    if (stall !== this.stalled) {
      this.stalled = stall;
      if (stall) this.conn.pause();
      else this.conn.resume();
    }
  }

  private onBodyEnd(trailers: string[] | null): void {
    const ex = this.receiving!;
    ex.bodyDone = true;
    ex.trailers?.ended(trailers);
    ex.feed?.end();
    ex.bodyComplete?.();
    this.receiving = null;
    if (ex.discard && this.exchanges.length === 0) this.afterExchange(ex);
  }

  private reject(e: H1ParseError): void {
    if (!this.to("failed")) return;
    this.parseError = e;
    this.trace?.reject(e);
    const r = this.receiving;
    if (r) {
      // The request broke mid-body: its handler's answer is void, the 4xx replaces it.
      r.failed = true;
      failBody(r, new Error(`${e.code}: ${e.reason}`));
      r.abort?.abort(new Error(`${e.code}: ${e.reason}`));
      this.exchanges.splice(this.exchanges.indexOf(r), 1);
      r.complete();
      this.receiving = null;
    }
    if (!this.writing) this.writeQueued();
  }

  private startExchange(head: RequestHead): void {
    const ex = new Exchange(head, this.conn, this.ctx, this.lastActivity); // the read that brought it
    this.trace?.request(head);
    const hasBody = !ex.bodyDone;
    // RFC 9112 §9.6: nothing after a request with "close" is read.
    if (!head.keepAlive) this.to("draining");
    this.exchanges.push(ex);
    this.receiving = ex;
    const refused = refusedMethod(head.method);
    const settings = refused ? null : h2cSettings(head, this.ctx);
    if (refused) {
      // Not upgraded to h2c either: its stream 1 would be the same request.
      ex.discard = true;
      this.to("draining");
      ex.response = Promise.resolve(refused);
    } else if (settings) {
      claimForH2c(this.ctx, ex, this.urlOf(head), settings);
    } else {
      const canHaveBody = hasBody && head.method !== "GET" && head.method !== "HEAD";
      if (hasBody && !canHaveBody) ex.discard = true;
      // A body that came whole with its head goes to the handler as bytes: no stream to make and read.
      ex.body = canHaveBody ? (head.chunked ? null : this.parser.takeWholeBody()) ?? this.feedBody(ex) : null;
      if (head.chunked) ex.trailers = new TrailerSlot();
      ex.url = this.urlOf(head);
      // The exchange is the Request's init and its upgrade ref (h1-exchange.ts).
      const { request, response } = openExchange(this.ctx, ex, false);
      if (!request) this.to("draining");
      // Its rejection is caught where it is awaited: by writeQueued, below, if it is next in line.
      ex.response = this.writing || this.exchanges[0] !== ex || this.life === "closed" ? caughtAnswer(this.ctx, response) : response;
    }
    if (!this.writing) this.writeQueued();
  }

  /** The request body as a stream the parser feeds, read as the handler pulls. */
  private feedBody(ex: Exchange): ReadableStream<Uint8Array> {
    ex.feed = new RequestBody({
      onFirstRead: () => this.sendContinue(ex),
      onPull: () => this.receiving === ex && this.pump(),
      onCancel: () => {
        ex.discard = true;
        if (this.receiving === ex) this.pump();
      },
    }, ex.head.expectContinue);
    return ex.feed.stream;
  }

  private urlOf(head: RequestHead): string {
    if (head.targetForm === "absolute") return head.target;
    const authority = head.host || authorityOf(this.conn);
    return (this.lastUrl = urlAfter(this.lastUrl, this.ctx.scheme, authority, head.targetForm === "asterisk" ? "/*" : head.target));
  }

  private sendContinue(ex: Exchange): void {
    // RFC 9110 §10.1.1: 100 Continue only once the handler wants the body, and never after the final response.
    if (!ex.head.expectContinue || ex.continueSent || ex.bodyDone || this.life === "closed") return;
    ex.continueSent = true;
    this.conn.write(CONTINUE);
  }

  // ---- writing ----

  /** Writes the responses in request order as they settle, then the failure's 4xx if there is one. */
  private async writeQueued(): Promise<void> {
    this.writing = true;
    try {
      while (this.exchanges.length > 0 && this.life !== "closed") {
        const ex = this.exchanges[0]!;
        let res: Response | undefined;
        try {
          res = await ex.response;
        } catch (e) {
          res = await handlerFailed(this.ctx, e);
        }
        if (ex.failed) continue;
        if (ex.claim && (res === ex.claim.response || res === undefined)) {
          if (await this.completeUpgrade(ex)) return;
          res = new Response("upgrade failed\n", { status: 400 });
        }
        const last = this.exchanges.length <= 1;
        const close = !ex.head.keepAlive || (last && (this.life === "draining" || this.ctx.shuttingDown || this.peerEnded));
        // A response complete at once is followed at once by afterExchange: if it leaves a body
        // behind that cannot be skipped, the connection closes after it, and says so (RFC 9112 §9.6).
        const closeAtOnce = close || leavesBodyBehind(ex);
        const w = writeH1Response(this, ex.head, answerOf(res), { close, closeAtOnce }); // a promise only if it must wait
        if (w instanceof Promise ? await w : w) this.to("draining");
        this.exchanges.shift();
        ex.complete();
        if ((this.life as Life) === "closed") return;
        if (this.afterExchange(ex)) return;
      }
      const e = this.parseError;
      if (e && this.life === "failed") {
        const bytes = serializeErrorResponse(this.ctx.pool, e.status, e.reason, Date.now());
        this.trace?.response(bytes, "content-length");
        this.conn.write(bytes);
        this.finish();
      }
    } finally {
      this.writing = false;
    }
  }

  /** After a response: keep the connection (returns false) or close it (true). */
  private afterExchange(ex: Exchange): boolean {
    if (!ex.bodyDone) {
      // The handler did not read all of the body: skip the rest if it is small enough.
      if (leavesBodyBehind(ex)) this.to("draining");
      ex.discard = true;
      ex.feed?.abandon();
    }
    const idle = this.exchanges.length === 0 && this.life !== "failed";
    if (!ex.head.keepAlive || (idle && (this.life === "draining" || this.peerEnded))) {
      this.finish();
      return true;
    }
    this.lastActivity = Date.now();
    if (idle) this.headStartedAt = this.lastActivity; // a pipelined head waited for this answer
    if (this.parser.paused && !ex.claim) this.parser.resume();
    if (this.stalled || this.parser.buffered > 0) queueMicrotask(() => this.pump()); // else the next read pumps
    else if (this.exchanges.length === 0 && this.ctx.connections.size > this.ctx.parkAbove) this.conn.park?.(); // see park()
    return false;
  }

  /** Ends the connection: our side is closed once what is written has gone. */
  private finish(): void {
    if (this.to("closed")) this.conn.end();
  }

  // ---- upgrades (WebSocket, h2c) ----

  /** Sends the 101 and hands the socket over, if the request is the last one in hand and has been read. */
  private async completeUpgrade(ex: Exchange): Promise<boolean> {
    const claim = ex.claim!;
    if (!ex.bodyDone || this.exchanges.length !== 1) return false;
    const rest = this.parser.detach();
    this.exchanges.shift();
    ex.complete();
    const switching = { status: 101, fields: claim.headers, framing: { kind: "none" } as const, close: false, now: Date.now() };
    const h = serializeResponseHead(this.ctx.pool, switching);
    this.trace?.response(h, "none");
    this.conn.write(h);
    this.handOver(claim.start(this.conn, rest));
    if (this.stalled) {
      this.stalled = false;
      this.conn.resume();
    }
    return true;
  }
}
