/**
 * purehttp: HTTP/1.1, HTTP/2 and WebSocket written from scratch in TypeScript,
 * served through the Fetch API on Node, Deno and Bun.
 *
 * @example
 * ```ts
 * import { serve } from "purehttp";
 * serve({ port: 8000 }, (req) => new Response("Hello World"));
 * ```
 * @module
 */
export { serve } from "./serve.ts";
export type { Addr, Handler, ReloadOptions, ServeInfo, ServeOptions, Server, Timeouts } from "./serve.ts";
export type { RouteHandler, RouteRequest, Routes, RouteValue } from "./facade/routes.ts";
export { H1ParseError } from "./h1/errors.ts";
export { setTrailers } from "./facade/exchange.ts";
export { getTrailers } from "./facade/request-trailers.ts";
export { serveFile, type ServeFileOptions } from "./files/serve-file.ts";
export { serveDir, type ServeDirOptions } from "./files/serve-dir.ts";
export type { DirEntry, FileInfo, FileSource, OpenFile } from "./transport/files/types.ts";
export { ConnectionError, ErrorCode, StreamError } from "./h2/errors.ts";
export { HpackError } from "./hpack/errors.ts";
export { upgradeWebSocket, PureWebSocket, type UpgradeWebSocketOptions } from "./facade/ws/deno-socket.ts";
export { ServerWebSocket, type BunWebSocketHandlers, type BunUpgradeOptions } from "./facade/ws/bun-socket.ts";
export { WebSocketHandshakeError } from "./facade/ws/claim.ts";
export type { WsOptions } from "./facade/ws/link.ts";
export { WsError } from "./ws/errors.ts";
