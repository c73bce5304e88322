/**
 * `serve()`: the Fetch API facade over our own protocol stack, in the shapes of
 * Deno.serve (`serve(handler)`, `serve(options, handler)`) and Bun.serve
 * (`serve({ fetch, port, websocket })`).
 */
import { WritePool } from "./buffers/pool.ts";
import { DEFAULT_H1_LIMITS } from "./h1/limits.ts";
import type { Handler, ServerContext, Timeouts } from "./facade/context.ts";
import { LiveConnections } from "./facade/live.ts";
import { H1Connection } from "./facade/h1-connection.ts";
import { ParkedConnections } from "./facade/parked.ts";
import { detectRuntime, runtimeTransport } from "./transport/select.ts";
import type { Addr, Connection, ConnectionHandler, Listener, Transport } from "./transport/types.ts";
import type { ReloadOptions, ServeOptions, Server } from "./server-types.ts";
import { exchangeOf } from "./facade/upgrade.ts";
import { Completion, type Peer, serveInfo, withInfoGetters } from "./facade/exchange.ts";
import { startH2 } from "./facade/h2-connection.ts";
import { type BunSockets, type BunUpgradeOptions, type BunWebSocketHandlers, bunUpgrade } from "./facade/ws/bun-socket.ts";
import { WsLink } from "./facade/ws/link.ts";
import { Topics } from "./facade/ws/topics.ts";
import { FixedResponse, type RouteRequest, Router, type Routes, pathOf } from "./facade/routes.ts";
import { installResponseClass } from "./facade/response-class.ts";
import { installRequestClass, requestStateVisible } from "./facade/request-class.ts";
import { ConnectionTrace } from "./trace/connection-trace.ts";
import { ProxyGate, applyProxyHeader } from "./facade/proxy-gate.ts";
import type { TraceSink } from "./trace/events.ts";
import { printer } from "./trace/print.ts";

export type { Handler, ServeInfo, Timeouts } from "./facade/context.ts";
export type { Addr } from "./transport/types.ts";
export type { ReloadOptions, ServeOptions, Server } from "./server-types.ts";

export function serve(handler: Handler): Server;
export function serve(options: ServeOptions, handler: Handler): Server;
export function serve(options: ServeOptions & ({ fetch: Handler } | { handler: Handler })): Server;
export function serve(options: ServeOptions & { routes: Routes }): Server;
export function serve(a: Handler | ServeOptions, b?: Handler): Server {
  const options: ServeOptions = typeof a === "function" ? {} : a;
  const handler = typeof a === "function" ? a : b ?? a.fetch ?? a.handler;
  const bunStyle = typeof a !== "function" && b === undefined && (a.fetch !== undefined || a.routes !== undefined);
  const port = options.port ?? (bunStyle ? bunDefaultPort() : 8000);
  return new PureServer({ ...options, port }, handlerOf(handler, options.routes));
}

type EnvPermissions = { permissions?: { querySync?(d: { name: "env"; variable: string }): { state: string } } };

/** An environment variable, where the runtime lets us read it without asking (Deno prompts without --allow-env). */
function envVar(name: string): string | undefined {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> }; Deno?: EnvPermissions };
  try {
    const query = g.Deno?.permissions?.querySync;
    if (query && query.call(g.Deno!.permissions, { name: "env", variable: name }).state !== "granted") return undefined;
    return g.process?.env?.[name];
  } catch {
    return undefined;
  }
}

/** Bun.serve's default port: from the environment where set, else 3000. */
function bunDefaultPort(): number {
  for (const name of ["BUN_PORT", "PORT", "NODE_PORT"]) {
    const v = envVar(name);
    if (v !== undefined && /^\d+$/.test(v) && Number(v) <= 65535) return Number(v);
  }
  return 3000;
}

/** The handler for `fetch` (or `handler`) and `routes`: a route's target if one takes the request, else `fetch`. */
function handlerOf(fetch: Handler | undefined, routes: Routes | undefined): Handler {
  if (fetch !== undefined && typeof fetch !== "function") throw new TypeError("serve(): the handler must be a function");
  if (routes === undefined) {
    if (fetch === undefined) throw new TypeError("serve() needs a handler function (or Bun-style `routes`)");
    return fetch;
  }
  const router = new Router(routes);
  return (req, info) => {
    const m = router.match(pathOf(req.url), req.method);
    if (m === null) return fetch ? fetch(req, info) : new Response(null, { status: 404 });
    const routed = req as RouteRequest;
    routed.params = m.params;
    return m.target instanceof FixedResponse ? m.target.respond(routed) : m.target(routed, info);
  };
}

/** The trace option as a sink: the default printer writes to stderr, a line per event. */
function traceSinkOf(option: ServeOptions["trace"]): TraceSink | null {
  if (option === undefined || option === false) return null;
  if (typeof option === "function") return option;
  return printer(option === "json" ? "json" : "text", (line) => console.error(line));
}

const SWEEP_MS = 1000;
/** server.fetch's request came from no connection: its info has an empty address. */
const NO_PEER: Peer = { remoteAddr: { hostname: "", port: 0, transport: "tcp" }, proxy: null };

class PureServer implements Server {
  addr: Addr;
  readonly listening: Promise<Addr>;
  readonly finished: Promise<void>;
  private listener: Listener | null = null;
  private readonly ctx: ServerContext;
  /** Idle connections the transport keeps with no object of ours, or only what the application holds (facade/parked.ts). */
  private readonly parked: ParkedConnections;
  private readonly bun: BunSockets;
  private resolveFinished!: () => void;
  private sweep: ReturnType<typeof setInterval> | null = null;
  private stopping: Promise<void> | null = null;

  constructor(private readonly options: ServeOptions, handler: Handler) {
    const runtime = detectRuntime();
    if (options.recordResponses !== false) installResponseClass();
    if (options.lazyRequests ?? ((runtime === "node" && !requestStateVisible()) || runtime === "bun")) installRequestClass();
    const tls = options.tls ?? (options.cert && options.key ? { cert: options.cert, key: options.key } : undefined);
    this.addr = { hostname: options.hostname ?? "0.0.0.0", port: options.port ?? 8000, transport: "tcp" };
    this.finished = new Promise((r) => (this.resolveFinished = r));
    const server = this;
    const infoPrototype = {
      upgrade: (req: Request, o?: BunUpgradeOptions) => server.upgrade(req, o),
      requestIP: (req: Request) => server.requestIP(req),
      publish: (t: string, d: string | ArrayBufferView | ArrayBuffer) => server.publish(t, d),
      subscriberCount: (t: string) => server.subscriberCount(t),
      get port() {
        return server.port;
      },
      get hostname() {
        return server.hostname;
      },
      get url() {
        return server.url;
      },
    };
    withInfoGetters(infoPrototype);
    this.bun = { handlers: options.websocket as BunWebSocketHandlers | undefined, topics: new Topics() };
    const ctx: ServerContext = {
      handler,
      onError: options.onError ?? options.error ?? defaultOnError,
      limits: {
        maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_H1_LIMITS.maxHeaderBytes,
        maxHeaderCount: options.maxHeaderCount ?? DEFAULT_H1_LIMITS.maxHeaderCount,
        maxTargetLength: options.maxTargetLength ?? DEFAULT_H1_LIMITS.maxTargetLength,
        maxBodyBytes: options.maxBodyBytes ?? DEFAULT_H1_LIMITS.maxBodyBytes,
      },
      timeouts: {
        headersTimeout: options.headersTimeout ?? 30_000,
        keepAliveTimeout: options.keepAliveTimeout ?? 5_000,
        requestTimeout: options.requestTimeout ?? 300_000,
      },
      pool: new WritePool(),
      infoPrototype,
      scheme: tls ? "https" : "http",
      shuttingDown: false,
      connections: new LiveConnections(),
      parkAbove: options.parkIdleAbove ?? 1024,
      fail: null,
      trace: traceSinkOf(options.trace),
      startH2: options.http2 !== false ? (conn, initial, upgrade) => startH2(conn, ctx, initial, upgrade) : undefined,
    };
    this.ctx = ctx;
    this.parked = new ParkedConnections(ctx);
    // On Deno and Bun the socket is bound before serve() returns (a failure to bind throws
    // here, as from Deno.serve and Bun.serve); on Node, once `listening` resolves.
    const started = this.start(tls);
    this.listening = Promise.resolve(started);
    this.listening.catch(() => {});
    options.signal?.addEventListener("abort", () => void this.shutdown(), { once: true });
  }

  private start(tls: { cert: string; key: string } | undefined): Addr | Promise<Addr> {
    // The PROXY header precedes the TLS handshake: only node:net + node:tls let us read it
    // first (transport/node.ts), and Deno and Bun run them too; their own TLS listeners
    // handshake before the header could be read.
    const proxiedTls = this.options.proxyProtocol && tls !== undefined && detectRuntime() !== "node";
    const transport = this.options.transport ?? (proxiedTls ? import("./transport/node.ts").then((m) => m.nodeTransport) : runtimeTransport());
    if (transport instanceof Promise) return transport.then((t) => this.listenOn(t, tls));
    return this.listenOn(transport, tls);
  }

  private listenOn(transport: Transport, tls: { cert: string; key: string } | undefined): Addr | Promise<Addr> {
    const ctx = this.ctx;
    const alpn = ctx.startH2 ? ["h2", "http/1.1"] : ["http/1.1"];
    // A PROXY protocol header must arrive as a request head must: within headersTimeout.
    const proxyProtocol = this.options.proxyProtocol ? { timeoutMs: ctx.timeouts.headersTimeout } : undefined;
    const protocolFor = (conn: Connection): ConnectionHandler => {
      // RFC 9113 §3.2: with TLS, ALPN "h2" means HTTP/2 from the first byte.
      if (conn.alpnProtocol === "h2" && ctx.startH2) return ctx.startH2(conn, []);
      return new H1Connection(conn, ctx);
    };
    // Idle HTTP/1.1 connections wait with no object of ours where the transport can park them (Bun).
    const parking = this.parked.sockets;
    const listener = transport.listen(
      { hostname: this.addr.hostname, port: this.addr.port, tls, alpnProtocols: tls ? alpn : undefined, proxyProtocol, reusePort: this.options.reusePort, parking },
      (conn: Connection) => {
        if (ctx.shuttingDown) {
          conn.destroy();
          return { data() {}, drain() {}, end() {}, close() {} };
        }
        // Over TLS the transport has read the header already (it precedes the handshake).
        if (conn.proxy) applyProxyHeader(conn, conn.proxy);
        if (ctx.trace !== null) conn.trace = new ConnectionTrace(ctx.trace, conn.remoteAddr, conn.localAddr, conn.encrypted, conn.alpnProtocol);
        if (proxyProtocol && !tls) return new ProxyGate(conn, proxyProtocol.timeoutMs, protocolFor);
        return protocolFor(conn);
      },
    );
    return listener instanceof Promise ? listener.then((l) => this.listeningOn(l)) : this.listeningOn(listener);
  }

  private listeningOn(listener: Listener): Addr {
    const ctx = this.ctx;
    this.listener = listener;
    this.addr = listener.addr;
    this.sweep = setInterval(() => {
      const now = Date.now();
      for (const c of ctx.connections) c.tick(now);
      this.parked.tick(now);
    }, SWEEP_MS);
    this.unref();
    if (this.stopping) this.listener.close();
    this.options.onListen?.(this.addr);
    return this.addr;
  }

  get port(): number {
    return this.addr.port;
  }

  get hostname(): string {
    return this.addr.hostname;
  }

  get url(): URL {
    const h = this.addr.hostname.includes(":") ? `[${this.addr.hostname}]` : this.addr.hostname;
    return new URL(`${this.ctx.scheme}://${h}:${this.addr.port}/`);
  }

  shutdown(): Promise<void> {
    return this.stop(false);
  }

  stop(closeActiveConnections = false): Promise<void> {
    if (!this.stopping) {
      this.ctx.shuttingDown = true;
      this.listener?.close();
      this.stopping = (async () => {
        await this.listening.catch(() => {});
        closeActiveConnections ? this.parked.destroy() : this.parked.shutdown();
        for (const c of this.ctx.connections) closeActiveConnections ? c.destroy() : c.shutdown();
        while (this.ctx.connections.size > 0) await new Promise((r) => setTimeout(r, 25));
        if (this.sweep) clearInterval(this.sweep);
        this.resolveFinished();
      })();
    } else if (closeActiveConnections) {
      this.parked.destroy();
      for (const c of this.ctx.connections) c.destroy();
    }
    return this.stopping;
  }

  upgrade(request: Request, options?: BunUpgradeOptions): boolean {
    return bunUpgrade(this.bun, request, options);
  }

  publish(topic: string, data: string | ArrayBufferView | ArrayBuffer): number {
    return this.bun.topics.publish(topic, data, null);
  }

  subscriberCount(topic: string): number {
    return this.bun.topics.count(topic);
  }

  requestIP(request: Request): { address: string; family: string; port: number } | null {
    const ref = exchangeOf(request);
    if (!ref) return null;
    const a = ref.conn.remoteAddr;
    return { address: a.hostname, family: a.hostname.includes(":") ? "IPv6" : "IPv4", port: a.port };
  }

  ref(): void {
    // The listener keeps the process alive; the sweep timer never does.
  }

  get pendingRequests(): number {
    let n = 0;
    for (const c of this.ctx.connections) n += c.requestsInFlight();
    return n;
  }

  get pendingWebSockets(): number {
    let n = this.parked.owned;
    for (const c of this.ctx.connections) if (c instanceof WsLink) n++;
    return n;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  [Symbol.dispose](): void {
    void this.stop(true);
  }

  get address(): { address: string; family: "IPv4" | "IPv6"; port: number } {
    const a = this.addr.hostname;
    return { address: a, family: a.includes(":") ? "IPv6" : "IPv4", port: this.addr.port };
  }

  get protocol(): "http" | "https" {
    return this.ctx.scheme;
  }

  /** As Bun.serve reports it by default; purehttp behaves the same either way. */
  readonly development = envVar("NODE_ENV") !== "production";
  readonly id = "";

  closeIdleConnections(): void {
    this.parked.closeIdle();
    for (const c of this.ctx.connections) if (!(c instanceof WsLink) && c.requestsInFlight() === 0) c.shutdown();
  }

  async fetch(request: Request | string | URL): Promise<Response> {
    const req = request instanceof Request ? request : new Request(request);
    const info = serveInfo(this.ctx, NO_PEER, Completion.settled(), "1.1");
    const res = await this.ctx.handler(req, info);
    if (!(res instanceof Response)) throw new TypeError("the handler returned no Response");
    return res;
  }

  reload(options: ReloadOptions): this {
    const fetch = options.fetch ?? options.handler;
    // Build everything first, so a bad route leaves the server as it was.
    const handler = handlerOf(fetch, options.routes);
    this.ctx.handler = handler;
    if (options.onError ?? options.error) this.ctx.onError = (options.onError ?? options.error)!;
    if (options.websocket) this.bun.handlers = options.websocket as BunWebSocketHandlers;
    return this;
  }

  unref(): void {
    const t = this.sweep as unknown as { unref?: () => void } | null;
    if (t && typeof t.unref === "function") t.unref();
    const D = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
    if (D?.unrefTimer && typeof this.sweep === "number") D.unrefTimer(this.sweep);
  }
}

function defaultOnError(error: unknown): Response {
  console.error("purehttp: handler failed:", error);
  return new Response("Internal Server Error\n", { status: 500, headers: { "content-type": "text/plain" } });
}
