/**
 * HTTP/2 for the Fetch facade: streams become Requests, Responses become
 * HEADERS/DATA/trailers, with flow control as backpressure in both directions.
 */
import { ConnectionError, ErrorCode } from "../h2/errors.ts";
import { H2ServerConnection } from "../h2/connection.ts";
import type { RequestPseudo } from "../h2/fields.ts";
import { httpDate } from "../h1/serializer.ts";
import type { Connection, ConnectionHandler } from "../transport/types.ts";
import { byteLength, concatBytes } from "../buffers/bytes.ts";
import { RequestBody } from "./body.ts";
import type { H2UpgradeRequest, LiveConnection, ServerContext } from "./context.ts";
import type { UpgradeClaim } from "./upgrade.ts";
import { invokeHandler, runHandler, trailersOf } from "./invoke.ts";
import { isUrlOf } from "./lazy-request.ts";
import { notImplemented, unservableMethod } from "./method.ts";
import { planResponse, toBytes } from "./response-body.ts";

/** Fields HTTP/2 must not carry (RFC 9113 §8.2.2). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "http2-settings"]);

interface StreamCtx {
  body: RequestBody | null;
  /** Body bytes pushed into the stream; credit is returned as they are read. */
  pushed: number;
  credited: number;
  /** Made when the handler first reads request.signal. */
  abort: AbortController | null;
  completed: () => void;
  /** Resolves with `completed()`: the handler's info.completed. */
  done: Promise<void>;
  writable: (() => void) | null;
  reset: boolean;
  /** Body bytes that came in the read that opened the stream, before its handler was called. */
  early: Uint8Array[] | null;
  /** The body ended within that read. */
  earlyEnd: boolean;
  /** An extended CONNECT's handler claimed the stream (upgrade.ts), and once answered, the tunnel it became. */
  claim: UpgradeClaim | null;
  tunnel: H2Tunnel | null;
}

export function startH2(conn: Connection, ctx: ServerContext, initial: Uint8Array[], upgrade?: { request: H2UpgradeRequest }) {
  const h = new H2Facade(conn, ctx);
  if (upgrade) h.acceptUpgrade(upgrade.request);
  for (const chunk of initial) h.data(chunk);
  h.flush();
  return h;
}

class H2Facade implements ConnectionHandler, LiveConnection {
  readonly core: H2ServerConnection;
  private readonly streams = new Map<number, StreamCtx>();
  /** Requests with a body, opened in the read being processed: their handlers are called when it is done. */
  private undispatched: { id: number; req: RequestPseudo; s: StreamCtx }[] = [];
  private lastActivity = Date.now();
  private ended = false;
  /** Reading is paused until the transport drains (see backedUp). */
  private readPaused = false;

  constructor(private readonly conn: Connection, private readonly ctx: ServerContext) {
    this.core = new H2ServerConnection(ctx.pool, {
      onRequest: (id, req, end) => this.onRequest(id, req, end),
      onData: (id, data, end) => this.onData(id, data, end),
      onTrailers: (id) => this.onData(id, new Uint8Array(0), true),
      onReset: (id) => this.onReset(id),
      onWritable: (id) => this.wake(id),
      onClose: () => this.onClose(),
    });
    ctx.connections.add(this);
  }

  acceptUpgrade(up: H2UpgradeRequest): void {
    this.core.acceptUpgrade(up.settings);
    const s = this.newStream(1, null);
    this.respondTo(1, up.request.method, up.request, s);
  }

  // ---- transport ----

  data(chunk: Uint8Array): void {
    this.lastActivity = Date.now();
    this.core.receive(chunk, this.lastActivity);
    if (this.undispatched.length > 0) this.dispatchOpened();
    this.flush();
  }

  flush(): void {
    for (const b of this.core.takeOutput()) if (!this.conn.write(b)) this.backedUp();
    if (this.core.closed && !this.ended) {
      this.ended = true;
      this.conn.end();
    }
  }

  /**
   * The transport holds more unsent bytes than its high-water mark: DATA waits, and so
   * does reading, since every frame read may add an answer (a RST_STREAM, a PING or
   * SETTINGS ACK, a response) for a peer that is not reading them.
   */
  private backedUp(): void {
    this.core.outputPaused = true;
    if (!this.readPaused) {
      this.readPaused = true;
      this.conn.pause();
    }
  }

  drain(): void {
    this.core.resumeOutput();
    this.flush();
    if (this.readPaused && !this.core.outputPaused) {
      this.readPaused = false;
      this.conn.resume();
    }
  }

  /**
   * The client closed its side (a FIN): it sends nothing more, not even WINDOW_UPDATE.
   * Streams are answered as far as the windows allow, but every handler at work is told
   * the client has gone (request.signal), and request bodies still coming fail.
   */
  end(): void {
    const gone = new Error("client closed its side of the connection");
    for (const s of this.streams.values()) {
      s.body?.error(gone);
      (s.abort ??= new AbortController()).abort(gone);
    }
    this.core.shutdown();
    this.flush();
  }

  close(): void {
    this.ctx.connections.delete(this);
    for (const id of [...this.streams.keys()]) this.onReset(id);
    if (!this.core.closed) this.core.fail(new ConnectionError(ErrorCode.CANCEL, "transport closed"));
  }

  requestsInFlight(): number {
    return this.streams.size;
  }

  tick(now: number): void {
    this.core.tick(now);
    this.flush();
    const idle = this.ctx.timeouts.keepAliveTimeout;
    if (this.streams.size === 0 && idle && now - this.lastActivity > Math.max(idle, 30_000)) this.shutdown();
  }

  shutdown(): void {
    this.core.shutdown();
    this.flush();
  }

  destroy(): void {
    this.conn.destroy();
  }

  // ---- streams ----

  private newStream(id: number, body: RequestBody | null): StreamCtx {
    let completed!: () => void;
    const done = new Promise<void>((r) => (completed = r));
    const s: StreamCtx = {
      body, pushed: 0, credited: 0, abort: null, completed, done, writable: null, reset: false, early: null, earlyEnd: false,
      claim: null, tunnel: null,
    };
    this.streams.set(id, s);
    return s;
  }

  private onRequest(id: number, req: RequestPseudo, end: boolean): void {
    this.lastActivity = Date.now();
    const s = this.newStream(id, null);
    if (req.protocol !== "") return this.openTunnel(id, req, s);
    const unservable = unservableMethod(req.method);
    if (unservable !== null) {
      this.respondWith(id, "GET", notImplemented(unservable), s);
      return;
    }
    if (end || req.method === "GET" || req.method === "HEAD") return this.dispatch(id, req, s, null);
    // The body's first DATA frames usually share the read with the HEADERS: the handler is
    // called once this read is done, with the body as bytes if it has all come by then.
    s.early = [];
    this.undispatched.push({ id, req, s });
  }

  /** Calls the handlers of the requests opened in this read (see onRequest). */
  private dispatchOpened(): void {
    const opened = this.undispatched;
    this.undispatched = [];
    for (const { id, req, s } of opened) {
      const parts = s.early!;
      s.early = null;
      const size = byteLength(parts);
      if (s.reset) {
        // Reset before its handler was called: nobody to tell, and its DATA is given back.
        this.core.consumed(id, size);
        continue;
      }
      if (s.earlyEnd) {
        // All of the body: bytes for the handler, no stream. Its window credit goes back at once.
        if (size > 0) this.core.consumed(id, size);
        this.dispatch(id, req, s, size === 0 ? null : concatBytes(parts));
        continue;
      }
      s.body = new RequestBody({
        onFirstRead: () => {},
        onPull: () => this.credit(id, s),
        onCancel: () => this.credit(id, s),
      }, false);
      for (const p of parts) s.body.push(p);
      s.pushed = size;
      this.dispatch(id, req, s, s.body.stream);
      this.credit(id, s);
    }
  }

  private dispatch(id: number, req: RequestPseudo, s: StreamCtx, body: ReadableStream<Uint8Array> | Uint8Array | null): void {
    const authority = req.authority || `${this.conn.localAddr.hostname}:${this.conn.localAddr.port}`;
    const path = req.path === "*" ? "/*" : req.path;
    const { response } = invokeHandler(this.ctx, {
      url: this.urlOf(req.scheme, authority, path),
      method: req.method,
      fields: req.fields,
      body,
      signal: () => (s.abort ??= new AbortController()).signal,
      httpVersion: "2",
      conn: this.conn,
      completed: s.done,
      ref: { minor: undefined, conn: this.conn, host: this.ctx, setClaim: null },
    });
    this.finishWith(id, req.method, response, s);
  }

  private respondTo(id: number, method: string, request: Request, s: StreamCtx): void {
    this.finishWith(id, method, runHandler(this.ctx, request, this.conn, s.done, "2"), s);
  }

  /**
   * The request's URL; the same string as last time when scheme, authority and path
   * repeat (a client asks for the same few URLs again and again), so the lazy Request's
   * URL memo finds it without hashing a new string.
   */
  private lastUrl = "";

  private urlOf(scheme: string, authority: string, path: string): string {
    if (isUrlOf(this.lastUrl, scheme, authority, path)) return this.lastUrl;
    const url = `${scheme}://${authority}${path}`;
    url.charCodeAt(0); // flattened once, kept flat
    return (this.lastUrl = url);
  }

  private async finishWith(id: number, method: string, response: Promise<Response | undefined>, s: StreamCtx): Promise<void> {
    let res = await response;
    if (!(res instanceof Response)) res = new Response("handler returned no Response\n", { status: 500 });
    await this.respondWith(id, method, res, s);
  }

  /** Gives back the credit of every body byte received and not yet returned: nobody will read them. */
  private release(id: number, s: StreamCtx): void {
    if (s.pushed > s.credited) {
      this.core.consumed(id, s.pushed - s.credited);
      s.credited = s.pushed;
    }
  }

  /** Returns flow-control credit for body bytes the application has read. */
  private credit(id: number, s: StreamCtx): void {
    const read = s.pushed - (s.body?.queuedBytes ?? 0);
    if (read > s.credited) {
      this.core.consumed(id, read - s.credited);
      s.credited = read;
      this.flush();
    }
  }

  private onData(id: number, data: Uint8Array, end: boolean): void {
    const s = this.streams.get(id);
    if (s?.tunnel) {
      // The tunnel's protocol reads each chunk as it comes: its credit goes back at once.
      if (data.length) {
        this.core.consumed(id, data.length);
        s.tunnel.handler.data(data);
      }
      if (end) s.tunnel.peerEnded();
      this.flush();
      return;
    }
    if (s?.early) {
      if (data.length) s.early.push(data);
      if (end) s.earlyEnd = true;
      return;
    }
    if (!s || !s.body || s.body.closed) {
      // Nobody reads this body: return the credit at once.
      if (data.length) this.core.consumed(id, data.length);
    } else {
      if (data.length) {
        s.pushed += data.length;
        s.body.push(data);
      }
      if (end) s.body.end();
      this.credit(id, s);
    }
  }

  private onReset(id: number): void {
    const s = this.streams.get(id);
    if (!s) return;
    s.reset = true;
    this.streams.delete(id);
    s.body?.error(new Error("stream reset"));
    this.release(id, s);
    s.abort?.abort(new Error("stream reset"));
    s.completed();
    this.wake(id, s);
    s.tunnel?.gone();
  }

  private wake(id: number, s = this.streams.get(id)): void {
    const w = s?.writable;
    if (s) s.writable = null;
    w?.();
  }

  private onClose(): void {
    this.flush();
  }

  private async respondWith(id: number, method: string, res: Response, s: StreamCtx): Promise<void> {
    if (s.reset) {
      res.body?.cancel().catch(() => {});
      return;
    }
    const fields: [string, string][] = [[":status", String(res.status)]];
    let hasDate = false;
    res.headers.forEach((v, n) => {
      if (HOP_BY_HOP.has(n)) return;
      if (n === "date") hasDate = true;
      fields.push([n, v]);
    });
    if (!hasDate) fields.push(["date", httpDate(Date.now())]);
    const trailers = trailersOf(res);
    const noBody = method === "HEAD" || res.status === 204 || res.status === 304;
    const core = this.core;
    try {
      if (noBody) {
        // RFC 9110 §9.3.2: HEAD gets the fields GET would, content-length included when known.
        if (method === "HEAD" && res.status !== 204 && res.status !== 304 && !res.headers.has("content-length")) {
          const plan = await planResponse(res, this.ctx.pool);
          if (plan.kind === "stream") plan.reader.cancel().catch(() => {});
          else fields.push(["content-length", String(plan.kind === "bytes" ? plan.length : 0)]);
        } else res.body?.cancel().catch(() => {});
        if (s.reset) return;
        core.respond(id, fields, true);
        return;
      }
      const plan = await planResponse(res, this.ctx.pool);
      if (s.reset) return;
      if (plan.kind !== "stream" && !trailers) {
        const parts = plan.kind === "bytes" ? plan.parts : [];
        if (!res.headers.has("content-length")) fields.push(["content-length", String(plan.kind === "bytes" ? plan.length : 0)]);
        core.respond(id, fields, parts.length === 0);
        for (let k = 0; k < parts.length; k++) await this.send(id, s, parts[k]!, k === parts.length - 1);
        return;
      }
      core.respond(id, fields, false);
      this.flush();
      if (plan.kind === "bytes") for (const part of plan.parts) await this.send(id, s, part, false);
      if (plan.kind === "stream") {
        for (const c of plan.first) await this.send(id, s, c, false);
        for (;;) {
          if (s.reset) {
            plan.reader.cancel().catch(() => {});
            return;
          }
          const r = await plan.reader.read();
          if (r.done) break;
          await this.send(id, s, toBytes(r.value), false);
        }
      }
      if (trailers) core.sendTrailers(id, [...new Headers(await trailers)].filter(([n]) => !HOP_BY_HOP.has(n)));
      else core.sendData(id, new Uint8Array(0), true);
    } catch {
      core.resetStream(id, ErrorCode.INTERNAL_ERROR);
    } finally {
      if (!s.reset) {
        this.streams.delete(id);
        // The response is complete: if the request is still coming, the rest is not read
        // (a later read fails, as on HTTP/1.1) and the client is asked to stop sending
        // (the core does nothing for a request that has ended).
        s.body?.abandon();
        this.core.stopReceiving(id);
        this.release(id, s);
        s.completed();
      }
      this.flush();
    }
  }

  // ---- extended CONNECT (RFC 8441): WebSocket over an HTTP/2 stream ----

  /**
   * A CONNECT with :protocol. Only "websocket" is known; its handler sees a GET with
   * `upgrade: websocket` and `connection: upgrade` (what the :protocol stands for), so
   * `upgradeWebSocket(req)` and `server.upgrade(req)` work as over HTTP/1.1. The stream's
   * DATA waits until the handler has answered.
   */
  private openTunnel(id: number, req: RequestPseudo, s: StreamCtx): void {
    if (req.protocol !== "websocket") {
      this.respondWith(id, "GET", notImplemented(`:protocol "${req.protocol}" is not supported by this server`), s);
      return;
    }
    s.early = [];
    const { response } = invokeHandler(this.ctx, {
      url: this.urlOf(req.scheme, req.authority, req.path),
      method: "GET",
      fields: [...req.fields, "upgrade", "websocket", "connection", "upgrade"],
      body: null,
      signal: () => (s.abort ??= new AbortController()).signal,
      httpVersion: "2",
      conn: this.conn,
      completed: s.done,
      ref: { minor: undefined, conn: this.conn, host: this.ctx, setClaim: (claim) => (s.claim = claim), extendedConnect: true },
    });
    this.finishTunnel(id, response, s);
  }

  /** RFC 8441 §5: a 200 opens the tunnel (no 101 in HTTP/2); any other answer ends the stream. */
  private async finishTunnel(id: number, response: Promise<Response | undefined>, s: StreamCtx): Promise<void> {
    const res = await response;
    if (s.reset) return;
    const early = s.early ?? [];
    s.early = null;
    const size = byteLength(early);
    if (size > 0) this.core.consumed(id, size);
    const claim = s.claim;
    if (!claim || (res !== claim.response && res !== undefined)) {
      const answer = res instanceof Response ? res : new Response("handler returned no Response\n", { status: 500 });
      return this.respondWith(id, "GET", answer, s);
    }
    const fields: [string, string][] = [[":status", "200"]];
    for (const [n, v] of claim.headers) {
      const name = n.toLowerCase();
      if (!HOP_BY_HOP.has(name)) fields.push([name, v]);
    }
    fields.push(["date", httpDate(Date.now())]);
    this.core.respond(id, fields, false);
    const tunnel = new H2Tunnel(this, id, s, this.conn);
    s.tunnel = tunnel;
    tunnel.handler = claim.start(tunnel, early);
    if (s.earlyEnd) tunnel.peerEnded();
    this.flush();
  }

  /** A tunnel's bytes as DATA; false when the stream's queue is over its mark (drain follows). */
  tunnelWrite(id: number, s: StreamCtx, bytes: Uint8Array): boolean {
    const more = this.core.sendData(id, bytes, false);
    this.flush();
    if (!more) s.writable = () => s.tunnel?.handler.drain();
    return more;
  }

  tunnelEnd(id: number): void {
    this.core.sendData(id, new Uint8Array(0), true);
    this.flush();
  }

  tunnelReset(id: number): void {
    this.core.resetStream(id, ErrorCode.CANCEL);
    this.flush();
  }

  /** Both sides have ended the tunnel's stream (or it was reset): it is done. */
  tunnelClosed(id: number, s: StreamCtx): void {
    if (this.streams.get(id) !== s) return;
    this.streams.delete(id);
    s.completed();
  }

  /** Sends body bytes, waiting while the stream's queue is full (flow control is backpressure). */
  private async send(id: number, s: StreamCtx, data: Uint8Array, end: boolean): Promise<void> {
    const more = this.core.sendData(id, data, end);
    this.flush();
    if (!more && !s.reset) await new Promise<void>((r) => (s.writable = r));
  }
}

/**
 * An extended CONNECT stream seen as a connection (transport/types.ts), for the
 * protocol the handler switched it to: writes become DATA, end() END_STREAM, destroy()
 * RST_STREAM(CANCEL); the peer's DATA and END_STREAM arrive as data() and end().
 */
class H2Tunnel implements Connection {
  handler!: ConnectionHandler;
  private ended = false;
  private peerDone = false;
  private closed = false;

  constructor(private readonly facade: H2Facade, private readonly id: number, private readonly s: StreamCtx, private readonly conn: Connection) {}

  get remoteAddr() {
    return this.conn.remoteAddr;
  }
  get localAddr() {
    return this.conn.localAddr;
  }
  get alpnProtocol() {
    return this.conn.alpnProtocol;
  }
  get encrypted() {
    return this.conn.encrypted;
  }

  write(bytes: Uint8Array): boolean {
    if (this.closed || this.ended) return true;
    return this.facade.tunnelWrite(this.id, this.s, bytes);
  }

  end(): void {
    if (this.closed || this.ended) return;
    this.ended = true;
    this.facade.tunnelEnd(this.id);
    if (this.peerDone) this.gone();
  }

  destroy(): void {
    if (this.closed) return;
    this.facade.tunnelReset(this.id);
    this.gone();
  }

  // Credit goes back as each chunk is handed on: nothing to hold back.
  pause(): void {}
  resume(): void {}

  /** The peer's END_STREAM: its half of the tunnel is done. */
  peerEnded(): void {
    if (this.peerDone || this.closed) return;
    this.peerDone = true;
    this.handler.end();
    if (this.ended) this.gone();
  }

  /** The stream is over (both ends, or a reset): the protocol hears of it as a closed socket. */
  gone(): void {
    if (this.closed) return;
    this.closed = true;
    this.facade.tunnelClosed(this.id, this.s);
    queueMicrotask(() => this.handler.close());
  }
}
