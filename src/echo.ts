/**
 * The echo application behind `purehttp echo`: the conformance target.
 *   /hello  -> "Hello World" (text/plain)
 *   /ws     -> WebSocket that echoes every message with its opcode
 *   gRPC    -> the purehttp.Echo service (echo-grpc.ts) for content-type application/grpc
 *   else    -> JSON { method, url, httpVersion, headers, body (base64), bodyLength, remoteAddr }
 */
import { base64 } from "./buffers/bytes.ts";
import type { ServeInfo } from "./facade/context.ts";
import { upgradeWebSocket } from "./facade/ws/deno-socket.ts";
import { grpcEcho } from "./echo-grpc.ts";

/** The echo handler; a worker of `--workers N` adds `"worker": i` to its JSON. */
export function echoHandlerFor(worker?: number): (request: Request, info: ServeInfo) => Promise<Response> {
  return worker === undefined ? echoHandler : (request, info) => echoHandler(request, info, worker);
}

export async function echoHandler(request: Request, info: ServeInfo, worker?: number): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/ws") return echoWebSocket(request);
  if (request.headers.get("content-type")?.startsWith("application/grpc")) return grpcEcho(request, url.pathname);
  if (url.pathname === "/hello") {
    return new Response("Hello World", { headers: { "content-type": "text/plain" } });
  }
  const body = new Uint8Array(await request.arrayBuffer());
  return Response.json({
    method: request.method,
    url: request.url,
    httpVersion: info.httpVersion,
    headers: [...request.headers],
    body: base64(body),
    bodyLength: body.length,
    remoteAddr: { hostname: info.remoteAddr.hostname, port: info.remoteAddr.port },
    ...(worker === undefined ? {} : { worker }),
  });
}

/** Echoes text as text and binary as binary; selects the first subprotocol offered. */
function echoWebSocket(request: Request): Response {
  const offered = request.headers.get("sec-websocket-protocol")?.split(",")[0]?.trim();
  const { socket, response } = upgradeWebSocket(request, { protocol: offered || undefined, maxMessageSize: 64 * 1024 * 1024 });
  socket.onmessage = (e) => socket.send(e.data as string | ArrayBuffer);
  return response;
}
