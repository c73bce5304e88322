/** What serve() takes and what it returns: the options and the Server, in the shapes of Deno.serve and Bun.serve. */
import type { Handler, Timeouts } from "./facade/context.ts";
import type { BunUpgradeOptions, BunWebSocketHandlers } from "./facade/ws/bun-socket.ts";
import type { Routes } from "./facade/routes.ts";
import type { H1Limits } from "./h1/limits.ts";
import type { Addr, Transport } from "./transport/types.ts";
import type { TraceSink } from "./trace/events.ts";

export interface ServeOptions extends Partial<H1Limits>, Partial<Timeouts> {
  /**
   * Port to listen on; 0 picks a free one (see `onListen` / `server.addr`). Default 8000,
   * as Deno.serve; called Bun's way (`serve({ fetch })` or `serve({ routes })`), Bun's
   * default: $BUN_PORT, $PORT or $NODE_PORT, else 3000.
   */
  port?: number;
  /** Default "0.0.0.0". */
  hostname?: string;
  /** Aborting it shuts the server down gracefully. */
  signal?: AbortSignal;
  onListen?: (addr: Addr) => void;
  /** Turns a handler's exception into a Response. Default: 500 and a log line. */
  onError?: (error: unknown) => Response | Promise<Response>;
  /** Bun's name for `onError`. */
  error?: (error: unknown) => Response | Promise<Response>;
  /** PEM certificate chain and key: serves HTTPS, with ALPN h2 and http/1.1. */
  tls?: { cert: string; key: string };
  /** Deno-style TLS options. */
  cert?: string;
  key?: string;
  /** Serve HTTP/2 (prior knowledge, h2c upgrade, ALPN). Default true. */
  http2?: boolean;
  /** Bun-style handler: for the requests no route takes, when there are `routes`. */
  fetch?: Handler;
  /**
   * Bun-style routes: path patterns (`/users/:id`, `/api/*`) to a handler, a fixed
   * Response, or either per method (`{ GET, POST }`). See facade/routes.ts.
   */
  routes?: Routes;
  /** Deno-style handler in the options. */
  handler?: Handler;
  /** Bun-style WebSocket handlers, for `server.upgrade()`. */
  // deno-lint-ignore no-explicit-any
  websocket?: BunWebSocketHandlers<any>;
  /** Use this transport instead of the runtime's own. */
  transport?: Transport;
  /**
   * Replace the global Response with one that keeps a string or bytes body where the
   * server can send it whole, without a trip through its stream, and that makes the
   * runtime's Response only when a handler asks for more than its status (see
   * facade/response-class.ts; @hono/node-server does the same by default). Default: on,
   * on every runtime; false leaves the global alone.
   */
  recordResponses?: boolean;
  /**
   * Replace the global Request and fetch with ones that take the handler's Request for
   * the runtime's own, so that it can be a light stand-in made on first need (see
   * facade/request-class.ts). Default: on Node where undici keeps a Request's state out
   * of reach (Node 24 and later), and on Bun (whose Request is native); false leaves the
   * globals alone, and every request is then the runtime's own Request, made as it arrives.
   */
  lazyRequests?: boolean;
  /**
   * A wire trace: per connection, what was received and sent (HTTP/1.1 heads and the
   * decisions taken, with the RFC rule behind each rejection; every HTTP/2 frame with
   * its decoded fields; every WebSocket frame). `true` or "text" prints lines in the
   * way of `nghttp -v` to stderr, "json" prints JSON lines, a function receives the
   * events. Default off.
   */
  trace?: boolean | "text" | "json" | TraceSink;
  /**
   * Require a PROXY protocol header (HAProxy's, v1 or v2) at the start of every
   * connection, as a load balancer sends with `send-proxy`: the client's address
   * (`info.remoteAddr`, `requestIP()`) is the one it names, and `info.proxy` holds it
   * with its v2 TLVs. A connection without a valid header within `headersTimeout` is
   * closed with nothing answered. With `tls`, the header precedes the handshake: on Deno
   * and Bun the server then listens through their node:net and node:tls, as their own
   * TLS listeners handshake before it could be read (and binds asynchronously: await
   * `listening`). Default false:
   * a PROXY line is then a malformed request like any other.
   */
  proxyProtocol?: boolean;
  /**
   * SO_REUSEPORT, as Deno.serve and Bun.serve take it: several processes listen on one
   * port and the kernel spreads new connections among them (Linux). Node 22.12 and later
   * (on older ones listening fails and says so); Deno with --unstable-net. Default false.
   */
  reusePort?: boolean;
  /**
   * While more than this many connections hold their objects, an HTTP/1.1 connection that
   * goes idle between requests gives its up, where the transport can keep the socket
   * alone (Bun; see transport/parking.ts): about 580 bytes each, made anew when its next
   * request comes, which costs that request a microsecond or two. So the objects of at
   * most this many idle connections are kept. 0 parks every idle connection, Infinity
   * none. Default 1024.
   */
  parkIdleAbove?: number;
}

export interface Server {
  /** Address we listen on; the port is real once `listening` resolved. */
  readonly addr: Addr;
  readonly port: number;
  readonly hostname: string;
  readonly url: URL;
  /** Resolves with the address once the socket accepts connections. */
  readonly listening: Promise<Addr>;
  /** Resolves when the server has shut down and every connection is closed. */
  readonly finished: Promise<void>;
  /** Stop accepting, finish in-flight requests, close idle connections. */
  shutdown(): Promise<void>;
  /** Bun-style stop; `closeActiveConnections` closes at once instead of finishing. */
  stop(closeActiveConnections?: boolean): Promise<void>;
  /** Bun-style WebSocket upgrade of `request`; true if it will happen. */
  upgrade(request: Request, options?: BunUpgradeOptions): boolean;
  /** Bun-style publish to every WebSocket subscribed to `topic`; bytes sent. */
  publish(topic: string, data: string | ArrayBufferView | ArrayBuffer, compress?: boolean): number;
  subscriberCount(topic: string): number;
  requestIP(request: Request): { address: string; family: string; port: number } | null;
  ref(): void;
  unref(): void;
  /** Bun-style: serve with another `fetch`, `routes`, `error` or `websocket` from the next request on. */
  reload(options: ReloadOptions): this;
  /** Bun-style: requests received and not yet fully answered. */
  readonly pendingRequests: number;
  /** Bun-style: open WebSockets. */
  readonly pendingWebSockets: number;
  /** `await using server = serve(...)`: shuts down gracefully at the end of the scope, as Deno's server does. */
  [Symbol.asyncDispose](): Promise<void>;
  /** `using server = serve(...)`: stops at the end of the scope, closing active connections, as Bun's server does. */
  [Symbol.dispose](): void;
  /** Bun-style: the bound address as `{ address, family, port }`. */
  readonly address: { address: string; family: "IPv4" | "IPv6"; port: number };
  /** Bun-style: "http", or "https" with TLS. */
  readonly protocol: "http" | "https";
  /** Bun-style: true unless NODE_ENV is "production", as Bun.serve's default (purehttp has no development mode). */
  readonly development: boolean;
  /** Bun-style server id: "" as Bun.serve's unless given one. */
  readonly id: string;
  /** Bun-style: closes the connections that have no request in flight (WebSockets stay). */
  closeIdleConnections(): void;
  /** Bun-style: runs the server's handler (routes included) on a Request, without a socket. */
  fetch(request: Request | string | URL): Promise<Response>;
}

/** What `server.reload()` can change. */
export type ReloadOptions = Pick<ServeOptions, "fetch" | "handler" | "routes" | "error" | "onError" | "websocket">;
