/**
 * The echo application behind `purehttp echo`: the conformance target.
 *   /hello  -> "Hello World" (text/plain)
 *   else    -> JSON { method, url, httpVersion, headers, body (base64), bodyLength }
 */
import { base64 } from "./buffers/bytes.ts";
import type { ServeInfo } from "./facade/context.ts";

export async function echoHandler(request: Request, info: ServeInfo): Promise<Response> {
  const url = new URL(request.url);
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
  });
}
