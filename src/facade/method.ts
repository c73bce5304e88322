/**
 * Which request methods a Fetch handler can be given.
 *
 * Method names are case-sensitive (RFC 9110 §9.1): "post" is not POST but a method of
 * its own. A Fetch Request cannot keep such a name: the standard upper-cases DELETE,
 * GET, HEAD, OPTIONS, POST and PUT in any mix of case, and Bun's Request upper-cases
 * every method. So the request would reach the handler as a method the client did not
 * send (a "head" request answered as HEAD, without its body, say). Fetch forbids
 * CONNECT, TRACE and TRACK outright. Those rules are the same on every runtime.
 *
 * Past them, a runtime's Request may still change a method: Bun's turns every method it
 * does not know (an extension method such as FOO) into GET, so a handler that takes GET
 * for safe would run for a request that was not one. Whether the runtime keeps a method
 * is therefore asked of the runtime itself: a Request is made with it once and its
 * `method` compared with what the client sent (see `keptByRequest`).
 *
 * A method that cannot be represented is answered 501 (Not Implemented), the status RFC
 * 9110 §15.6.2 gives a method the server does not support, with the reason.
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
  const kept = keptByRequest(method);
  if (kept !== method) {
    return kept === null
      ? `method "${method}" is not supported by this server (this runtime's Fetch Request refuses it)`
      : changedByRequest(method, kept);
  }
  return null;
}

/** What this runtime's Request makes of each method asked about (null: it refuses it). */
const madeOf = new Map<string, string | null>();
const MAX_REMEMBERED_METHODS = 256;

/**
 * The method a Request made with `method` reports, or null when the constructor throws.
 * Asked once per method name; the answer is the runtime's, whatever list it keeps.
 */
function keptByRequest(method: string): string | null {
  let kept = madeOf.get(method);
  if (kept === undefined) {
    try {
      kept = new Request("http://method.invalid/", { method }).method;
    } catch {
      kept = null;
    }
    if (madeOf.size >= MAX_REMEMBERED_METHODS) madeOf.clear();
    madeOf.set(method, kept);
  }
  return kept;
}

/**
 * Thrown where a Request was made for the handler and does not carry the method the
 * client sent (the check above, made again on the Request itself): answered 501.
 */
export class MethodNotKeptError extends Error {
  constructor(sent: string, made: string) {
    super(changedByRequest(sent, made));
  }
}

/** The reason given when this runtime's Request would hand the handler `made` for `sent`. */
function changedByRequest(sent: string, made: string): string {
  return `method "${sent}" is not supported by this server (this runtime's Fetch Request would read it as ${made})`;
}

/** The 501 for a request the server cannot carry out, with the reason as text. */
export function notImplemented(reason: string): Response {
  return new Response(`${reason}\n`, { status: 501, headers: { "content-type": "text/plain" } });
}
