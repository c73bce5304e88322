/**
 * HTTP/1.1 over one transport connection: parser events become Requests, handler
 * Responses become bytes, in order (pipelining), with backpressure both ways.
 */
import { concatBytes, fromBase64, latin1Bytes } from "../buffers/bytes.ts";
import { H1ParseError } from "../h1/errors.ts";
import type { RequestHead } from "../h1/head.ts";
import { RequestParser } from "../h1/parser.ts";
import {
  CRLF, type Framing, LAST_CHUNK, chunkHeader, serializeErrorResponse, serializeResponse, serializeResponseHead,
} from "../h1/serializer.ts";
import type { Connection, ConnectionHandler } from "../transport/types.ts";
import { RequestBody } from "./body.ts";
import type { LiveConnection, ServerContext } from "./context.ts";
import { type BodyPlan, planResponse, toBytes } from "./response-body.ts";
import type { UpgradeClaim } from "./upgrade.ts";
import { invokeHandler, trailersOf } from "./invoke.ts";
import { isUrlOf, pairs } from "./lazy-request.ts";
import { notImplemented, unservableMethod } from "./method.ts";
import type { WritePool } from "../buffers/pool.ts";

/** Requests parsed ahead of the response being written (pipelining depth). */
const MAX_PIPELINE = 32;
/** Unread request body we will skip to keep a connection; past this we close. */
const MAX_DISCARD = 1024 * 1024;
const CONTINUE = latin1Bytes("HTTP/1.1 100 Continue\r\n\r\n");
const H2_PREFACE = latin1Bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** "PRI ": where an HTTP/1.1 request and the HTTP/2 preface part ways (see sniffPreface). */
const PREFACE_START = 4;

interface Exchange {
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
  request: Request | null;
  completed: () => void;
  claim: UpgradeClaim | null;
  startedAt: number;
  /** The request turned out malformed after its head; no response is sent for it. */
  failed: boolean;
  /** h2c upgrade: the body, gathered before the switch (RFC 7540 §3.2). */
  collected?: Uint8Array[];
  bodyComplete?: () => void;
}

/** Largest request body we gather to upgrade with; a larger one stays on HTTP/1.1. */
const MAX_H2C_BODY = 64 * 1024;
const H2C_HOP_BY_HOP = new Set(["connection", "upgrade", "http2-settings", "keep-alive", "transfer-encoding", "te", "proxy-connection"]);

export class H1Connection implements ConnectionHandler, LiveConnection {
  private readonly parser: RequestParser;
  private readonly exchanges: Exchange[] = [];
  /** The exchange whose body the parser is reading. */
  private receiving: Exchange | null = null;
  private writing = false;
  private closed = false;
  private closeAfterWrites = false;
  private peerEnded = false;
  private lastRequestSeen = false;
  private parseError: H1ParseError | null = null;
  private drainWaiter: (() => void) | null = null;
  /** The socket went to another protocol (see handOver): this connection is done. */
  private handedOver = false;
  private sniffed: boolean;
  private stalled = false;
  private lastActivity: number;
  private headStartedAt = 0;

  constructor(private readonly conn: Connection, private readonly ctx: ServerContext) {
    this.parser = new RequestParser(ctx.limits);
    this.lastActivity = Date.now();
    this.sniffed = !ctx.startH2;
    ctx.connections.add(this);
  }

  // ---- transport events ----

  data(chunk: Uint8Array): void {
    if (this.closed || this.parseError || this.closeAfterWrites && this.exchanges.length === 0) return;
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
      if (!ex.bodyDone) ex.body?.error(gone);
      (ex.abort ??= new AbortController()).abort(gone);
    }
  }

  close(): void {
    this.closed = true;
    this.ctx.connections.delete(this);
    for (const ex of this.exchanges) {
      ex.body?.error(new Error("client disconnected"));
      ex.abort?.abort(new Error("client disconnected"));
      ex.completed();
    }
    this.drain();
  }

  // ---- LiveConnection ----

  requestsInFlight(): number {
    return this.exchanges.length;
  }

  tick(now: number): void {
    if (this.closed || this.handedOver) return;
    const t = this.ctx.timeouts;
    const idle = this.exchanges.length === 0 && this.parser.idle;
    if (idle) {
      if (t.keepAliveTimeout && now - this.lastActivity > t.keepAliveTimeout) this.finish();
      return;
    }
    const inHead = !this.receiving && this.exchanges.length === 0;
    if (inHead && t.headersTimeout && now - this.headStartedAt > t.headersTimeout) {
      return this.reject(new H1ParseError(408, "HEADERS_TIMEOUT", "request head not received in time"));
    }
    // The body is still arriving: like a broken body, its handler's answer is void and 408 replaces it.
    const r = this.receiving;
    if (r && t.requestTimeout && now - r.startedAt > t.requestTimeout) {
      return this.reject(new H1ParseError(408, "REQUEST_TIMEOUT", "request body not received in time"));
    }
  }

  shutdown(): void {
    this.closeAfterWrites = true;
    if (this.exchanges.length === 0 && !this.receiving) this.finish();
  }

  destroy(): void {
    this.conn.destroy();
  }

  // ---- parsing ----

  /**
   * RFC 9113 §3.4: prior knowledge starts with the preface on the same port. Its first
   * four bytes, "PRI ", decide: PRI is the method RFC 9113 §11.6 reserves for the
   * preface, so a connection that starts with it goes to HTTP/2, whose core checks the
   * rest of the preface and answers one that is not it with GOAWAY(PROTOCOL_ERROR).
   */
  private sniffPreface(): boolean {
    const peek = this.parser.peek(PREFACE_START);
    for (let i = 0; i < peek.length; i++) {
      if (peek[i] !== H2_PREFACE[i]) {
        this.sniffed = true;
        return false;
      }
    }
    if (peek.length < PREFACE_START) return true; // wait for more
    this.sniffed = true;
    this.handOver(this.ctx.startH2!(this.conn, this.parser.detach()));
    return true;
  }

  /**
   * The socket's events go to the next protocol from now on: the transport delivers them
   * there, and this connection, its parser and what they hold can be collected.
   */
  private handOver(next: ConnectionHandler): void {
    this.handedOver = true;
    this.conn.handler = next;
    this.ctx.connections.delete(this);
  }

  /** Parses as far as the consumers allow; pauses the socket when they are full. */
  private pump(): void {
    let stall = false;
    while (!this.closed && !this.handedOver && !this.parseError) {
      const r = this.receiving;
      if (r && r.body && !r.discard && !r.body.wantsMore) {
        stall = true;
        break;
      }
      if (!r && this.exchanges.length >= MAX_PIPELINE) {
        stall = true;
        break;
      }
      if (!r && (this.closeAfterWrites || this.lastRequestSeen)) break;
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
          this.onBodyData(ev.data);
          break;
        case "end":
          this.onBodyEnd();
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

  private onBodyData(data: Uint8Array): void {
    const ex = this.receiving!;
    if (ex.collected) {
      ex.collected.push(data);
      return;
    }
    if (ex.discard || !ex.body) {
      ex.discarded += data.length;
      if (ex.discarded > MAX_DISCARD) this.closeAfterWrites = true;
      return;
    }
    ex.body.push(data);
  }

  private onBodyEnd(): void {
    const ex = this.receiving!;
    ex.bodyDone = true;
    ex.body?.end();
    ex.bodyComplete?.();
    this.receiving = null;
    if (ex.discard && this.exchanges.length === 0) this.afterExchange(ex);
  }

  private reject(e: H1ParseError): void {
    this.parseError = e;
    const r = this.receiving;
    if (r) {
      // The request broke mid-body: its handler's answer is void, the 400 replaces it.
      r.failed = true;
      r.body?.error(new Error(`${e.code}: ${e.reason}`));
      r.abort?.abort(new Error(`${e.code}: ${e.reason}`));
      this.exchanges.splice(this.exchanges.indexOf(r), 1);
      r.completed();
      this.receiving = null;
    }
    if (!this.writing) this.writeQueued();
  }

  private startExchange(head: RequestHead): void {
    let completed!: () => void;
    const completedPromise = new Promise<void>((r) => (completed = r));
    const hasBody = head.chunked || head.contentLength > 0;
    const ex: Exchange = {
      head, body: null, bodyDone: !hasBody, discard: false, discarded: 0, continueSent: false, abort: null,
      response: null!, request: null, completed, claim: null, startedAt: Date.now(), failed: false,
    };
    // RFC 9112 §9.6: nothing after a request with "close" is read.
    if (!head.keepAlive) this.lastRequestSeen = true;
    this.exchanges.push(ex);
    this.receiving = ex;

    const h2Settings = this.h2cSettings(head);
    const unservable = unservableMethod(head.method);
    if (unservable !== null) {
      // Not upgraded to h2c either: its stream 1 would be the same request.
      ex.discard = true;
      this.closeAfterWrites = true;
      ex.response = Promise.resolve(notImplemented(unservable));
    } else if (h2Settings) {
      this.startH2cUpgrade(ex, h2Settings);
    } else {
      const canHaveBody = hasBody && head.method !== "GET" && head.method !== "HEAD";
      if (hasBody && !canHaveBody) ex.discard = true;
      // A body that came whole with its head goes to the handler as bytes: no stream to make
      // and read (in Node 20 a ReadableStream and its reader cost more than the rest of a POST).
      let body: ReadableStream<Uint8Array> | Uint8Array | null = canHaveBody && !head.chunked ? this.parser.takeWholeBody() : null;
      if (canHaveBody && !body) {
        ex.body = new RequestBody(
          {
            onFirstRead: () => this.sendContinue(ex),
            onPull: () => {
              if (this.receiving === ex) this.pump();
            },
            onCancel: () => {
              ex.discard = true;
              if (this.receiving === ex) this.pump();
            },
          },
          head.expectContinue,
        );
        body = ex.body.stream;
      }
      ex.response = this.callHandler(ex, completedPromise, body);
    }
    if (!this.writing) this.writeQueued();
  }

  private callHandler(ex: Exchange, completed: Promise<void>, body: ReadableStream<Uint8Array> | Uint8Array | null): Promise<Response | undefined> {
    const head = ex.head;
    const { request, response } = invokeHandler(this.ctx, {
      url: this.urlOf(head),
      method: head.method,
      fields: head.fields,
      body,
      signal: () => (ex.abort ??= new AbortController()).signal,
      httpVersion: head.minor === 1 ? "1.1" : "1.0",
      conn: this.conn,
      completed,
      ref: { minor: head.minor, conn: this.conn, host: this.ctx, setClaim: (c) => (ex.claim = c) },
    });
    ex.request = request;
    if (!request) this.closeAfterWrites = true;
    return response;
  }

  /**
   * RFC 7540 §3.2: "Upgrade: h2c" with exactly one HTTP2-Settings, named in
   * Connection, on cleartext. Returns the decoded settings, or null to stay on 1.1.
   */
  private h2cSettings(head: RequestHead): Uint8Array | null {
    if (!this.ctx.startH2 || this.ctx.scheme !== "http" || !head.upgrade || head.minor !== 1) return null;
    if (!head.upgrade.split(",").some((t) => t.trim().toLowerCase() === "h2c")) return null;
    if (head.chunked || head.contentLength > MAX_H2C_BODY) return null;
    const values: string[] = [];
    let connectionNames = "";
    for (let i = 0; i < head.fields.length; i += 2) {
      if (head.fields[i] === "http2-settings") values.push(head.fields[i + 1]!);
      if (head.fields[i] === "connection") connectionNames += "," + head.fields[i + 1]!.toLowerCase();
    }
    if (values.length !== 1 || !connectionNames.split(",").some((t) => t.trim() === "http2-settings")) return null;
    if (!/^[A-Za-z0-9_-]*=*$/.test(values[0]!)) return null;
    const settings = fromBase64(values[0]!, true);
    return settings && settings.length % 6 === 0 ? settings : null;
  }

  private startH2cUpgrade(ex: Exchange, settings: Uint8Array): void {
    const head = ex.head;
    ex.collected = [];
    ex.response = new Promise<undefined>((r) => (ex.bodyComplete = () => r(undefined)));
    if (ex.bodyDone) ex.bodyComplete!();
    ex.claim = {
      headers: [["connection", "Upgrade"], ["upgrade", "h2c"]],
      response: undefined,
      start: (conn, rest) => {
        const body = concatBytes(ex.collected!);
        const request = new Request(this.urlOf(head), {
          method: head.method,
          headers: pairs(head.fields).filter(([n]) => !H2C_HOP_BY_HOP.has(n)),
          body: body.length && head.method !== "GET" && head.method !== "HEAD" ? (body as Uint8Array<ArrayBuffer>) : null,
        });
        return this.ctx.startH2!(conn, rest, { request: { request, settings } });
      },
    };
  }

  /**
   * The last URL built from an origin-form target: a keep-alive client asks for the same
   * URL again and again, and the same string (its hash already computed) makes the lazy
   * Request's href lookup a cheap one. Only the URL is kept: the Host and target strings
   * are slices of their request's head, and keeping them would keep the whole head (650
   * bytes an idle connection, with a browser's head).
   */
  private lastUrl = "";

  private urlOf(head: RequestHead): string {
    if (head.targetForm === "absolute") return head.target;
    const scheme = this.ctx.scheme;
    const origin = head.targetForm === "origin" && head.host !== "";
    if (origin && isUrlOf(this.lastUrl, scheme, head.host, head.target)) return this.lastUrl;
    const l = this.conn.localAddr;
    const host = head.host || (l.hostname.includes(":") ? `[${l.hostname}]:${l.port}` : `${l.hostname}:${l.port}`);
    const path = head.targetForm === "asterisk" ? "/*" : head.target;
    const url = `${scheme}://${host}${path}`;
    if (origin) {
      // Reading a character flattens the concatenation, which then holds no slice of the head.
      url.charCodeAt(0);
      this.lastUrl = url;
    }
    return url;
  }

  private sendContinue(ex: Exchange): void {
    // RFC 9110 §10.1.1: 100 Continue only once the handler wants the body, and never after the final response.
    if (!ex.head.expectContinue || ex.continueSent || ex.bodyDone || this.closed) return;
    ex.continueSent = true;
    this.conn.write(CONTINUE);
  }

  // ---- writing ----

  private async writeQueued(): Promise<void> {
    this.writing = true;
    try {
      while (this.exchanges.length > 0 && !this.closed) {
        const ex = this.exchanges[0]!;
        let res = await ex.response;
        if (ex.failed) continue;
        if (ex.claim && (res === ex.claim.response || res === undefined)) {
          if (await this.completeUpgrade(ex)) return;
          res = new Response("upgrade failed\n", { status: 400 });
        }
        if (!(res instanceof Response)) {
          res = new Response("handler returned no Response\n", { status: 500 });
        }
        await this.writeResponse(ex, res);
        this.exchanges.shift();
        ex.completed();
        if (this.closed) return;
        if (this.afterExchange(ex)) return;
      }
      if (this.parseError && !this.closed) {
        const e = this.parseError;
        this.conn.write(serializeErrorResponse(this.ctx.pool, e.status, e.reason, Date.now()));
        this.conn.end();
        this.closed = true;
        this.ctx.connections.delete(this);
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * The handler is done without the rest of the request body, and the rest cannot be
   * skipped to keep the connection: a client told to wait for 100 Continue may or may
   * not send it, and past MAX_DISCARD (or chunked, of unknown size) it is too much.
   */
  private leavesBodyBehind(ex: Exchange): boolean {
    if (ex.bodyDone) return false;
    if (ex.head.expectContinue && !ex.continueSent) return true;
    return (ex.head.chunked ? Infinity : ex.head.contentLength) > MAX_DISCARD;
  }

  /** After a response: keep the connection (returns false) or close it (true). */
  private afterExchange(ex: Exchange): boolean {
    if (!ex.bodyDone) {
      // The handler did not read all of the body: skip the rest if it is small enough.
      if (this.leavesBodyBehind(ex)) this.closeAfterWrites = true;
      ex.discard = true;
      ex.body?.abandon();
    }
    if (!ex.head.keepAlive || (this.closeAfterWrites && this.exchanges.length === 0 && !this.parseError)) {
      this.finish();
      return true;
    }
    if (this.peerEnded && this.exchanges.length === 0 && !this.parseError) {
      this.finish();
      return true;
    }
    this.lastActivity = Date.now();
    if (this.parser.paused && !ex.claim) this.parser.resume();
    queueMicrotask(() => this.pump());
    return false;
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.connections.delete(this);
    this.conn.end();
  }

  private write(bytes: Uint8Array): Promise<void> | null {
    if (this.closed) return null;
    if (this.conn.write(bytes)) return null;
    return new Promise<void>((r) => (this.drainWaiter = r));
  }

  private async writeResponse(ex: Exchange, res: Response): Promise<void> {
    const head = ex.head;
    const status = res.status;
    const noBody = head.method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200);
    const last = this.exchanges.length <= 1;
    const close = !head.keepAlive || (last && (this.closeAfterWrites || this.ctx.shuttingDown || this.peerEnded));
    // A response complete at once (no body, or bytes known now) is followed at once by
    // afterExchange: if it leaves a body behind that cannot be skipped, the connection
    // closes after it, and the response says so (RFC 9112 §9.6).
    const closeAtOnce = close || this.leavesBodyBehind(ex);
    const now = Date.now();
    const pool = this.ctx.pool;
    const http10KeepAlive = head.minor === 0 && !closeAtOnce;

    if (noBody) {
      // RFC 9110 §9.3.2: HEAD gets the fields GET would, so a body of known length gives its length.
      let framing: Framing = { kind: "none" };
      if (head.method === "HEAD" && status !== 204 && status !== 304 && !res.headers.has("content-length")) {
        const plan = await Promise.resolve(planResponse(res, pool)).catch(() => ({ kind: "empty" }) as BodyPlan);
        if (plan.kind === "stream") plan.reader.cancel().catch(() => {});
        else framing = { kind: "length", length: plan.kind === "bytes" ? plan.length : 0 };
      } else if (res.body) res.body.cancel().catch(() => {});
      await this.write(serializeResponseHead(pool, { status, statusText: res.statusText, fields: res.headers, framing, close: closeAtOnce, now, http10KeepAlive }));
      return;
    }
    let plan: BodyPlan;
    try {
      // A body whose bytes are known is planned at once: no promise to wait for.
      const planned = planResponse(res, pool);
      plan = planned instanceof Promise ? await planned : planned;
    } catch {
      plan = { kind: "empty" };
    }
    // RFC 9112 §7.1.2: trailers only in a chunked body, and only to a client that said "TE: trailers".
    const trailers = head.minor === 1 && acceptsTrailers(head.fields) ? trailersOf(res) : undefined;
    if (trailers && plan.kind !== "stream") {
      plan = { kind: "stream", first: plan.kind === "bytes" ? plan.parts : [], reader: emptyReader() };
    }
    if (plan.kind === "empty" || plan.kind === "bytes") {
      const parts = plan.kind === "bytes" ? plan.parts : [];
      const length = plan.kind === "bytes" ? plan.length : 0;
      const init = {
        status, statusText: res.statusText, fields: res.headers,
        framing: { kind: "length", length } as const, close: closeAtOnce, now, http10KeepAlive,
      };
      // The head goes out in one pooled region with the leading parts that fit in 16 KiB (the
      // whole of a small body); the rest as the views they are. Bun hands a 64 KiB body out
      // as 16 + 48 KiB: two sends, and only the 16 KiB copied.
      let k = 0;
      for (let copied = 0; k < parts.length && copied + parts[k]!.length <= 16 * 1024; k++) copied += parts[k]!.length;
      let last = this.write(serializeResponse(pool, init, k === parts.length ? parts : parts.slice(0, k)));
      for (; k < parts.length; k++) last = this.write(parts[k]!);
      if (last) await last;
      return;
    }
    // Streaming: chunked for HTTP/1.1, read-until-close for HTTP/1.0.
    const chunked = head.minor === 1;
    if (!chunked) this.closeAfterWrites = true;
    this.write(serializeResponseHead(pool, {
      status, statusText: res.statusText, fields: res.headers,
      framing: chunked ? { kind: "chunked" } : { kind: "close" }, close: close || !chunked, now,
    }));
    const reader = plan.reader;
    const send = (data: Uint8Array) => {
      if (data.length === 0) return null;
      if (!chunked) return this.write(data);
      const h = chunkHeader(pool, data.length);
      if (data.length <= 4096) {
        const out = pool.take(h.length + data.length + 2);
        out.set(h, 0);
        out.set(data, h.length);
        out.set(CRLF, h.length + data.length);
        return this.write(out);
      }
      this.write(h);
      this.write(data);
      return this.write(CRLF);
    };
    try {
      for (const c of plan.first) await send(c);
      while (!this.closed) {
        const r = await reader.read();
        if (r.done) break;
        await send(toBytes(r.value));
      }
      if (this.closed) {
        reader.cancel().catch(() => {});
        return;
      }
      if (chunked && trailers) this.write(trailerSection(pool, new Headers(await trailers)));
      else if (chunked) this.write(LAST_CHUNK);
    } catch {
      // The body stream failed mid-way: the message cannot be completed, so the connection ends.
      reader.cancel().catch(() => {});
      this.closeAfterWrites = true;
      this.conn.destroy();
    }
  }

  // ---- upgrades (WebSocket, h2c) ----

  private async completeUpgrade(ex: Exchange): Promise<boolean> {
    const claim = ex.claim!;
    if (!ex.bodyDone || this.exchanges.length !== 1) return false;
    const rest = this.parser.detach();
    this.exchanges.shift();
    ex.completed();
    const h = serializeResponseHead(this.ctx.pool, {
      status: 101, fields: claim.headers, framing: { kind: "none" }, close: false, now: Date.now(),
    });
    this.conn.write(h);
    this.handOver(claim.start(this.conn, rest));
    if (this.stalled) {
      this.stalled = false;
      this.conn.resume();
    }
    return true;
  }
}

/** Whether the request's TE field lists "trailers". */
function acceptsTrailers(fields: string[]): boolean {
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === "te" && fields[i + 1]!.split(",").some((t) => t.trim().toLowerCase().startsWith("trailers"))) return true;
  }
  return false;
}

/** last-chunk, the trailer fields (framing fields left out, RFC 9110 §6.5.1), and the final CRLF. */
function trailerSection(pool: WritePool, fields: Headers): Uint8Array {
  let s = "0\r\n";
  for (const [n, v] of fields) {
    if (n === "content-length" || n === "transfer-encoding" || n === "host" || n === "connection" || n === "trailer") continue;
    s += `${n}: ${v}\r\n`;
  }
  return pool.latin1(s + "\r\n");
}

function emptyReader(): ReadableStreamDefaultReader<unknown> {
  return new ReadableStream<unknown>({ start: (c) => c.close() }).getReader();
}
