/**
 * Which request methods a Fetch handler can be given.
 *
 * Method names are case-sensitive (RFC 9110 §9.1): "post" is not POST but a method of
 * its own. A Fetch Request cannot keep such a name: the standard upper-cases DELETE,
 * GET, HEAD, OPTIONS, POST and PUT in any mix of case, and Bun's Request upper-cases
 * every method. So the request would reach the handler as a method the client did not
 * send (a "head" request answered as HEAD, without its body, say). And Fetch forbids
 * CONNECT, TRACE and TRACK outright. Neither can be represented, so both are answered
 * 501 (Not Implemented), the status RFC 9110 §15.6.2 gives a method the server does not
 * support, with the reason: the same methods on every runtime.
 */

const FORBIDDEN = new Set(["CONNECT", "TRACE", "TRACK"]);

/** Why `method` cannot be served through a Fetch Request, or null when it can. */
export function unservableMethod(method: string): string | null {
  switch (method) {
    case "GET":
    case "POST":
    case "HEAD":
    case "PUT":
    case "DELETE":
    case "OPTIONS":
    case "PATCH":
      return null;
  }
  const upper = method.toUpperCase();
  if (FORBIDDEN.has(upper)) return `${method} is not supported by this server (a Fetch Request cannot carry it)`;
  if (upper !== method) {
    return `method "${method}" is not supported by this server (method names are case-sensitive, and a Fetch Request would read it as ${upper})`;
  }
  return null;
}

/** The 501 for a request the server cannot carry out, with the reason as text. */
export function notImplemented(reason: string): Response {
  return new Response(`${reason}\n`, { status: 501, headers: { "content-type": "text/plain" } });
}
