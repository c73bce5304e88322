/**
 * HTTP/1.1 response serialization (RFC 9112 §4, §6, §7), sans-I/O. The caller
 * passes the current time for the Date field (RFC 9110 §6.6.1).
 */
import { byteLength, concatBytes, latin1Bytes, setParts } from "../buffers/bytes.ts";
import { type WritePool, writeLatin1 } from "../buffers/pool.ts";

export const REASON: Record<number, string> = {
  100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
  200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content",
  205: "Reset Content", 206: "Partial Content", 207: "Multi-Status", 208: "Already Reported", 226: "IM Used",
  300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
  305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
  400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
  405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout",
  409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Content Too Large",
  414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed",
  418: "I'm a teapot", 421: "Misdirected Request", 422: "Unprocessable Content", 423: "Locked", 424: "Failed Dependency",
  425: "Too Early", 426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
  431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
  500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
  504: "Gateway Timeout", 505: "HTTP Version Not Supported", 506: "Variant Also Negotiates",
  507: "Insufficient Storage", 508: "Loop Detected", 510: "Not Extended", 511: "Network Authentication Required",
};

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
let dateSecond = -1;
let dateValue = "";

/** IMF-fixdate of `nowMs`, cached for the second it falls in. */
export function httpDate(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== dateSecond) {
    const d = new Date(second * 1000);
    const p2 = (n: number) => (n < 10 ? "0" : "") + n;
    dateValue = `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(
      d.getUTCHours(),
    )}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT`;
    dateSecond = second;
  }
  return dateValue;
}

/** How the body of a response is delimited on the wire. */
export type Framing =
  | { kind: "none" } // HEAD, 1xx, 204, 304: no body, Content-Length left as the handler set it
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "close" }; // HTTP/1.0 client and unknown length: the body ends when we close

export interface ResponseHeadInit {
  status: number;
  statusText?: string;
  /** Field lines; names as given (Headers gives lowercase). Framing fields are overridden by `framing`. */
  fields: Iterable<readonly [string, string]>;
  framing: Framing;
  /** Adds "connection: close". */
  close: boolean;
  /** Current time in ms, for Date. */
  now: number;
  /** Answer as HTTP/1.0 (HTTP/1.0 clients ignore chunked and need an explicit keep-alive). */
  http10KeepAlive?: boolean;
  /**
   * `fields` never changes: the same object always holds the same lines (a Response's
   * shared field list, say, never a Headers). A head made from it is kept, and the next
   * alike within the same second is the same string.
   */
  fixedFields?: boolean;
}

/** The last head made from fixed fields, and what it was made of. */
class LastHead {
  fields: unknown = null;
  status = 0;
  statusText: string | undefined = undefined;
  kind = "";
  length = -1;
  close = false;
  http10KeepAlive = false;
  date = "";
  head = "";
  /** The head's bytes, made at its first reuse: copying them is a third of encoding the string again. */
  private bytes: Uint8Array | null = null;

  /** The head, if the last one was made of the same (its date current). */
  match(init: ResponseHeadInit, date: string): string | null {
    const f = init.framing;
    return this.fields === init.fields && this.date === date && this.status === init.status && this.statusText === init.statusText &&
        this.kind === f.kind && this.length === (f.kind === "length" ? f.length : -1) && this.close === init.close &&
        this.http10KeepAlive === !!init.http10KeepAlive
      ? this.head
      : null;
  }

  keep(init: ResponseHeadInit, date: string, head: string): void {
    const f = init.framing;
    this.fields = init.fields;
    this.status = init.status;
    this.statusText = init.statusText;
    this.kind = f.kind;
    this.length = f.kind === "length" ? f.length : -1;
    this.close = init.close;
    this.http10KeepAlive = !!init.http10KeepAlive;
    this.date = date;
    this.head = head;
    this.bytes = null;
  }

  /** Writes head at the start of out: the kept bytes when it reads the same as the kept head. */
  write(out: Uint8Array, head: string): void {
    // The same string is found by identity; an equal one built anew has the same bytes too.
    if (head !== this.head) return writeLatin1(out, head);
    out.set(this.bytes ??= latin1Bytes(head));
  }
}
const lastHead = new LastHead();

/** Builds the status line and field section into pooled bytes. */
export function serializeResponseHead(pool: WritePool, init: ResponseHeadInit): Uint8Array {
  const head = responseHead(init);
  const out = pool.take(head.length);
  lastHead.write(out, head);
  return out;
}

/**
 * The status line and field section with a body of known bytes after it (the parts
 * it came in, one after another), in one pooled region: one allocation and one write
 * for the whole response.
 */
export function serializeResponse(pool: WritePool, init: ResponseHeadInit, body: readonly Uint8Array[]): Uint8Array {
  const head = responseHead(init);
  const out = pool.take(head.length + byteLength(body));
  lastHead.write(out, head);
  setParts(out, body, head.length);
  return out;
}

/**
 * The status line and field section written into the `room` bytes just before `body`
 * in its buffer, bytes that the caller holds and nobody reads: the whole response as one
 * view, and the body not copied. null when the head does not fit there.
 */
export function serializeResponseBefore(init: ResponseHeadInit, body: Uint8Array, room: number): Uint8Array | null {
  const head = responseHead(init);
  if (head.length > room || head.length > body.byteOffset) return null;
  const out = new Uint8Array(body.buffer, body.byteOffset - head.length, head.length + body.length);
  lastHead.write(out, head);
  return out;
}

/** The status line and field section as a latin1 string (Headers values are ByteStrings). */
function responseHead(init: ResponseHeadInit): string {
  if (init.fixedFields !== true) return buildHead(init);
  const date = httpDate(init.now);
  const kept = lastHead.match(init, date);
  if (kept !== null) return kept;
  const head = buildHead(init);
  lastHead.keep(init, date, head);
  return head;
}

function buildHead(init: ResponseHeadInit): string {
  const reason = init.statusText || REASON[init.status] || "";
  let s = `HTTP/1.1 ${init.status} ${reason}\r\n`;
  let hasDate = false;
  const f = init.framing;
  const field = (value: string, name: string) => {
    const lower = name.length > 0 && name.charCodeAt(0) < 0x61 ? name.toLowerCase() : name;
    // Framing and hop-by-hop fields are ours to write (RFC 9112 §6, §9.6).
    if (lower === "content-length") {
      if (f.kind === "none") s += `${name}: ${value}\r\n`;
      return;
    }
    if (lower === "transfer-encoding" || lower === "keep-alive") return;
    if (lower === "connection" && init.status !== 101) return;
    if (lower === "date") hasDate = true;
    s += `${name}: ${value}\r\n`;
  };
  forEachField(init.fields, field);
  if (!hasDate) s += `date: ${httpDate(init.now)}\r\n`;
  if (f.kind === "length") s += `content-length: ${f.length}\r\n`;
  else if (f.kind === "chunked") s += "transfer-encoding: chunked\r\n";
  if (init.close || f.kind === "close") s += "connection: close\r\n";
  else if (init.http10KeepAlive) s += "connection: keep-alive\r\n";
  s += "\r\n";
  return s;
}

/** Field lines that can call back (value, name) for each line: a Headers or a Map. */
type ForEachFields = { forEach(fn: (value: string, name: string) => void): void };

/**
 * Calls fn(value, name) for each field line. A Headers is walked with its own
 * forEach, which yields the same lines as its iterator (Set-Cookie kept apart, other
 * repeats combined) without an iterator object and a pair array per line: a third
 * to a half of the cost on Node and Deno. Found by shape, not by the Headers global,
 * which a core may not assume.
 */
export function forEachField(fields: Iterable<readonly [string, string]>, fn: (value: string, name: string) => void): void {
  if (Array.isArray(fields)) {
    // By index: a 101's or an error's few pairs are walked once each, and for-of would make an iterator and an entry per line.
    for (let i = 0; i < fields.length; i++) fn(fields[i]![1], fields[i]![0]);
  } else if (typeof (fields as Partial<ForEachFields>).forEach === "function") {
    (fields as unknown as ForEachFields).forEach(fn);
  } else for (const [name, value] of fields) fn(value, name);
}

/** chunk-size CRLF, for a chunk of n bytes (RFC 9112 §7.1). */
export function chunkHeader(pool: WritePool, n: number): Uint8Array {
  return pool.latin1(n.toString(16) + "\r\n");
}

export const CRLF = new Uint8Array([0x0d, 0x0a]);
/** last-chunk and an empty trailer section. */
export const LAST_CHUNK = new Uint8Array([0x30, 0x0d, 0x0a, 0x0d, 0x0a]);

/** A complete response for a rejected request: status, reason as text, then close. */
export function serializeErrorResponse(pool: WritePool, status: number, reason: string, now: number): Uint8Array {
  const body = reason + "\n";
  const head = serializeResponseHead(pool, {
    status,
    fields: [["content-type", "text/plain; charset=utf-8"]],
    framing: { kind: "length", length: body.length },
    close: true,
    now,
  });
  const out = pool.take(head.length + body.length);
  out.set(head, 0);
  for (let i = 0; i < body.length; i++) out[head.length + i] = body.charCodeAt(i) & 0xff;
  return out;
}

/**
 * A request message (the client role), for tests and tools that talk to servers:
 * the body is sent with Content-Length, or chunked when `chunks` is given.
 */
export function serializeRequest(
  method: string,
  target: string,
  fields: readonly (readonly [string, string])[],
  body: { bytes: Uint8Array } | { chunks: Uint8Array[]; trailers?: [string, string][] } | null,
): Uint8Array {
  let head = `${method} ${target} HTTP/1.1\r\n`;
  for (const [n, v] of fields) head += `${n}: ${v}\r\n`;
  const parts: Uint8Array[] = [];
  if (body && "bytes" in body) head += `content-length: ${body.bytes.length}\r\n`;
  if (body && "chunks" in body) head += "transfer-encoding: chunked\r\n";
  parts.push(latin1Bytes(head + "\r\n"));
  if (body && "bytes" in body) parts.push(body.bytes);
  if (body && "chunks" in body) {
    for (const c of body.chunks) {
      if (c.length === 0) continue;
      parts.push(latin1Bytes(c.length.toString(16) + "\r\n"), c, CRLF);
    }
    let t = "0\r\n";
    for (const [n, v] of body.trailers ?? []) t += `${n}: ${v}\r\n`;
    parts.push(latin1Bytes(t + "\r\n"));
  }
  return concatBytes(parts);
}
