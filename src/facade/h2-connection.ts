/**
 * HTTP/2 for the Fetch facade: streams become exchanges (exchange.ts), response plans
 * become HEADERS, DATA and trailers, with flow control as backpressure both ways.
 */
import { traceOf } from "../trace/connection-trace.ts";
import { ConnectionError, ErrorCode } from "../h2/errors.ts";
import { H2ServerConnection } from "../h2/connection.ts";
import type { RequestPseudo } from "../h2/fields.ts";
import { ReadLedger } from "../h2/flow-control.ts";
import { StreamMap } from "../h2/stream-map.ts";
import type { Connection, ConnectionHandler } from "../transport/types.ts";
import { byteLength, concatBytes } from "../buffers/bytes.ts";
import type { WritePool } from "../buffers/pool.ts";
import { RequestBody } from "./body.ts";
import type { H2UpgradeRequest, ServerContext } from "./context.ts";
import { UrlMemo, answerOf, authorityOf, openExchange, refusedMethod, runHandler } from "./exchange.ts";
import { TrailerSlot } from "./request-trailers.ts";
import { h2Fields, writeH2Response } from "./h2-response.ts";
import { StreamCtx, type StreamHost, grpcTimeout } from "./h2-stream.ts";
import { H2Tunnel } from "./h2-tunnel.ts";
import { RecyclingRegions } from "./h2-recycling.ts";
import { discardBody } from "./response-body.ts";
import type { LiveConnection } from "./live.ts";
import { notImplemented } from "./method.ts";

export function startH2(conn: Connection, ctx: ServerContext, initial: Uint8Array[], upgrade?: { request: H2UpgradeRequest }) {
  traceOf(conn)?.switchTo("h2", initial);
  const h = new H2Facade(conn, ctx);
  if (upgrade) h.acceptUpgrade(upgrade.request);
  for (const chunk of initial) h.data(chunk);
  h.flush();
  return h;
}

class H2Facade implements ConnectionHandler, LiveConnection, StreamHost {
  readonly core: H2ServerConnection;
  private readonly streams = new StreamMap<StreamCtx>();
  /** Requests with a body, opened in the read being processed: their handlers are called when it is done. */
  private undispatched: { id: number; req: RequestPseudo; s: StreamCtx }[] = [];
  private readonly urls = new UrlMemo();
  private lastActivity = Date.now();
  private ended = false;
  liveSlot = -1;
  /** Reading is paused until the transport drains (see backedUp). */
  private readPaused = false;
  private readonly recycling = new RecyclingRegions();

  constructor(private readonly conn: Connection, private readonly ctx: ServerContext) {
    this.core = new H2ServerConnection(ctx.pool, {
      onRequest: (id, req, end) => this.onRequest(id, req, end),
      onData: (id, data, end) => this.onData(id, data, end),
      onTrailers: (id, fields) => {
        const s = this.streams.get(id);
        if (s) s.trailerFields = fields;
        this.onData(id, new Uint8Array(0), true);
      },
      onReset: (id) => this.onReset(id),
      onWritable: (id) => this.wake(id),
      onClose: () => this.onClose(),
    });
    ctx.connections.add(this);
  }

  acceptUpgrade(up: H2UpgradeRequest): void {
    this.core.acceptUpgrade(up.settings);
    const s = this.newStream(1);
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
    do {
      for (const b of this.core.takeOutput()) if (!this.conn.write(b, this.recycling.sentCallback(b))) this.backedUp();
    } while (this.core.refill());
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
      s.trailers?.failed(gone);
      (s.abort ??= new AbortController()).abort(gone);
    }
    this.core.shutdown();
    this.flush();
  }

  close(): void {
    this.ctx.connections.delete(this);
    for (const id of this.streams.keys()) this.onReset(id);
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

  private newStream(id: number): StreamCtx {
    const s = new StreamCtx(this, id);
    this.streams.set(id, s);
    return s;
  }

  get pool(): WritePool {
    return this.ctx.pool;
  }

  private onRequest(id: number, req: RequestPseudo, end: boolean): void {
    this.lastActivity = Date.now();
    const s = this.newStream(id);
    if (req.protocol !== "") return this.openTunnel(id, req, s);
    const refused = refusedMethod(req.method);
    if (refused) {
      this.respondWith(id, "GET", refused, s);
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
      s.ledger = new ReadLedger();
      s.ledger.handOut(size);
      this.dispatch(id, req, s, s.body.stream);
      this.credit(id, s);
    }
  }

  private dispatch(id: number, req: RequestPseudo, s: StreamCtx, body: ReadableStream<Uint8Array> | Uint8Array | null): void {
    const authority = req.authority || authorityOf(this.conn);
    const path = req.path === "*" ? "/*" : req.path;
    const { request, response } = openExchange(this.ctx, {
      url: this.urls.of(req.scheme, authority, path),
      method: req.method,
      fields: req.fields,
      body,
      signal: () => (s.abort ??= new AbortController()).signal,
      completed: s.completion,
      // A body still arriving may end with trailers; one that came whole came with its own, if any.
      ref: { minor: undefined, conn: this.conn, host: this.ctx, setClaim: null, trailers: s.body !== null || s.trailerFields !== null ? (s.trailers = new TrailerSlot()) : null },
    });
    if (s.body === null) s.trailers?.ended(s.trailerFields);
    const timeout = grpcTimeout(req.fields);
    if (timeout !== null) {
      s.deadline = setTimeout(() => (s.abort ??= new AbortController()).abort(new DOMException("grpc-timeout passed", "TimeoutError")), timeout);
    }
    this.finishWith(id, req.method, response, s);
  }

  private respondTo(id: number, method: string, request: Request, s: StreamCtx): void {
    this.finishWith(id, method, runHandler(this.ctx, request, this.conn, s.completion, "2"), s);
  }

  private finishWith(id: number, method: string, response: Promise<Response | undefined>, s: StreamCtx): void {
    response.then((res) => this.respondWith(id, method, answerOf(res), s));
  }

  /** Gives back the credit of every body byte received and not yet returned: nobody will read them. */
  private release(id: number, s: StreamCtx): void {
    const n = s.ledger?.release() ?? 0;
    if (n > 0) this.core.consumed(id, n);
  }

  /** Returns flow-control credit for body bytes the application has read. */
  private credit(id: number, s: StreamCtx): void {
    const n = s.ledger?.read(s.body?.queuedBytes ?? 0) ?? 0;
    if (n > 0) {
      this.core.consumed(id, n);
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
        s.ledger!.handOut(data.length);
        s.body.push(data);
      }
      if (end) {
        s.body.end();
        s.trailers?.ended(s.trailerFields);
      }
      this.credit(id, s);
    }
  }

  private onReset(id: number): void {
    this.recycling.drop(id); // answered or not: what it queued will not all be written
    const s = this.streams.get(id);
    if (!s) return;
    s.reset = true;
    this.streams.delete(id);
    s.body?.error(new Error("stream reset"));
    s.trailers?.failed(new Error("stream reset"));
    if (s.deadline) clearTimeout(s.deadline);
    this.release(id, s);
    s.abort?.abort(new Error("stream reset"));
    s.completion.complete();
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

  private respondWith(id: number, method: string, res: Response, s: StreamCtx): Promise<void> | void {
    if (s.reset) return discardBody(res);
    return writeH2Response(s, method, res);
  }

  /** A stream's response is complete (or failed): the stream is done, unless it was reset. */
  answered(s: StreamCtx): void {
    if (s.deadline) clearTimeout(s.deadline);
    if (!s.reset) {
      this.streams.delete(s.id);
      // The response is complete: if the request is still coming, the rest is not read
      // (a later read fails, as on HTTP/1.1) and the client is asked to stop sending
      // (the core does nothing for a request that has ended).
      s.body?.abandon();
      this.core.stopReceiving(s.id);
      this.release(s.id, s);
      s.completion.complete();
    }
    this.flush();
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
    const { response } = openExchange(this.ctx, {
      url: this.urls.of(req.scheme, req.authority, req.path),
      method: "GET",
      fields: [...req.fields, "upgrade", "websocket", "connection", "upgrade"],
      body: null,
      signal: () => (s.abort ??= new AbortController()).signal,
      completed: s.completion,
      ref: { minor: undefined, conn: this.conn, host: this.ctx, setClaim: (claim) => (s.claim = claim), extendedConnect: true, trailers: null },
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
    if (!claim || (res !== claim.response && res !== undefined)) return this.respondWith(id, "GET", answerOf(res), s);
    this.core.respond(id, h2Fields(200, new Headers(claim.headers)), false);
    const tunnel = new H2Tunnel({
      write: (bytes) => this.tunnelWrite(id, s, bytes),
      end: () => this.tunnelEnd(id),
      reset: () => this.tunnelReset(id),
      closed: () => this.tunnelClosed(id, s),
    }, this.conn);
    s.tunnel = tunnel;
    tunnel.handler = claim.start(tunnel, early);
    if (s.earlyEnd) tunnel.peerEnded();
    this.flush();
  }

  /** A tunnel's bytes as DATA; false when the stream's queue is over its mark (drain follows). */
  private tunnelWrite(id: number, s: StreamCtx, bytes: Uint8Array): boolean {
    const more = this.core.sendData(id, bytes, false);
    this.flush();
    if (!more) s.writable = () => s.tunnel?.handler.drain();
    return more;
  }

  private tunnelEnd(id: number): void {
    this.core.sendData(id, new Uint8Array(0), true);
    this.flush();
  }

  private tunnelReset(id: number): void {
    this.core.resetStream(id, ErrorCode.CANCEL);
    this.flush();
  }

  /** Both sides have ended the tunnel's stream (or it was reset): it is done. */
  private tunnelClosed(id: number, s: StreamCtx): void {
    if (this.streams.get(id) !== s) return;
    this.streams.delete(id);
    s.completion.complete();
  }

  /** Sends body bytes; a promise while the stream's queue is full, resolved when it has room (flow control is backpressure). */
  send(s: StreamCtx, data: Uint8Array, end: boolean, recycled = false): Promise<void> | void {
    if (recycled) this.recycling.expect(s.id, data);
    const more = this.core.sendData(s.id, data, end);
    this.flush();
    if (!more && !s.reset) return new Promise<void>((r) => (s.writable = r));
  }
}
