/**
 * A response plan (exchange.ts) written as HTTP/1.1 bytes (RFC 9112 §6): the head
 * with the framing chosen for the content, then the content itself: nothing, a known
 * length in as few writes as it can, or chunks (HTTP/1.1) or bytes until the close
 * (HTTP/1.0), with trailers after the last chunk when the client accepts them.
 */
import type { WritePool } from "../buffers/pool.ts";
import { HEADROOM, bodyRecycler } from "../buffers/recycler.ts";
import type { RequestHead } from "../h1/head.ts";
import { CRLF, type Framing, LAST_CHUNK, chunkHeader, serializeResponse, serializeResponseBefore, serializeResponseHead } from "../h1/serializer.ts";
import { type ContentPlan, allowedInTrailers, declaredLength, planContent, trailersOf } from "./exchange.ts";
import { toBytes } from "./response-body.ts";
import { fixedFields, responseFields } from "./response-class.ts";
import type { ConnectionTrace } from "../trace/connection-trace.ts";

/** Where the response goes: the connection, seen from the writer. */
export interface H1Output {
  readonly pool: WritePool;
  /**
   * Writes bytes; a promise while the transport is over its high-water mark (resolves on
   * drain), else null. `sent` as in Connection.write.
   */
  write(bytes: Uint8Array, sent?: () => void): Promise<void> | null;
  /** The connection has gone: stop writing. */
  readonly gone: boolean;
  /** The message cannot be completed (its body failed mid-way): the connection must be dropped. */
  abort(): void;
  /** The wire trace, when the server keeps one. */
  readonly trace: ConnectionTrace | null;
}

/** How the connection wants this response framed. */
export interface H1ResponseTerms {
  /** "Connection: close" on a streamed response: the connection ends after it. */
  close: boolean;
  /** The same for a response complete at once, which may also close because a request body is left unread. */
  closeAtOnce: boolean;
}

/** Leading body bytes copied into the head's pooled region; the rest go out as the views they are. */
const COPY_WITH_HEAD = 16 * 1024;
/** A chunk up to this size is copied between its chunk header and CRLF, for one write instead of three. */
const COPY_CHUNK = 4096;

/**
 * Writes `res` as the answer to `head`. Returns true when the connection must close
 * after it: the content was sent until the close (HTTP/1.0), or could not be finished.
 * A response whose content is at hand and whose writes the transport took at once is
 * written without a promise (the answer itself is returned); otherwise a promise of it.
 */
export function writeH1Response(out: H1Output, head: RequestHead, res: Response, terms: H1ResponseTerms): boolean | Promise<boolean> {
  // RFC 9112 §7.1.2: trailers only in a chunked body, and only to a client that said "TE: trailers".
  const trailers = head.minor === 1 && acceptsTrailers(head.fields) ? trailersOf(res) : undefined;
  let planned: ContentPlan | Promise<ContentPlan>;
  try {
    planned = planContent(head.method, res, out.pool, trailers !== undefined);
  } catch {
    return writePlanned(out, head, ...failedContent(out.pool), terms, undefined);
  }
  if (!(planned instanceof Promise)) return writePlanned(out, head, res, planned, terms, trailers);
  return planned.then(
    (plan) => writePlanned(out, head, res, plan, terms, trailers),
    () => writePlanned(out, head, ...failedContent(out.pool), terms, undefined),
  );
}

/**
 * The body failed before any of it was sent: the handler's status would claim what
 * cannot be delivered, so the answer is a 500 instead (as HTTP/2 resets the stream).
 */
function failedContent(pool: WritePool): [Response, ContentPlan] {
  return [new Response("response body failed\n", { status: 500 }), { kind: "bytes", parts: [pool.latin1("response body failed\n")], length: 21 }];
}

function writePlanned(
  out: H1Output,
  head: RequestHead,
  res: Response,
  plan: ContentPlan,
  terms: H1ResponseTerms,
  trailers: ReturnType<typeof trailersOf>,
): boolean | Promise<boolean> {
  const pool = out.pool;
  const now = Date.now();
  const { close, closeAtOnce } = terms;
  const http10KeepAlive = head.minor === 0 && !closeAtOnce;
  const status = res.status;
  const fields = responseFields(res);
  const fixed = fixedFields(fields);
  const statusText = res.statusText;

  if (plan.kind === "none") {
    const framing: Framing = plan.length === null ? { kind: "none" } : { kind: "length", length: plan.length };
    const bytes = serializeResponseHead(pool, { status, statusText, fields, framing, close: closeAtOnce, now, http10KeepAlive, fixedFields: fixed });
    out.trace?.response(bytes, "none", plan.length ?? undefined);
    const wait = out.write(bytes);
    return wait === null ? false : wait.then(() => false);
  }
  if (plan.kind === "empty" || plan.kind === "bytes") {
    const parts = plan.kind === "bytes" ? plan.parts : [];
    const length = plan.kind === "bytes" ? plan.length : 0;
    const init = { status, statusText, fields, framing: { kind: "length", length } as const, close: closeAtOnce, now, http10KeepAlive, fixedFields: fixed };
    // A recycled region (buffers/recycler.ts) is the writer's alone, with room for the head
    // before it: head and body go as one view of it, and it goes back once the transport is
    // done with it.
    const recycled = plan.kind === "bytes" ? plan.recycled : undefined;
    if (recycled !== undefined && parts.length === 1) {
      const whole = serializeResponseBefore(init, recycled, HEADROOM);
      if (whole !== null) {
        out.trace?.response(whole, "content-length", length);
        const wait = out.write(whole, () => bodyRecycler.give(whole));
        return wait === null ? false : wait.then(() => false);
      }
    }
    // The head goes out in one pooled region with the leading parts that fit (the whole of
    // a small body); the rest as the views they are.
    let k = 0;
    for (let copied = 0; k < parts.length && copied + parts[k]!.length <= COPY_WITH_HEAD; k++) copied += parts[k]!.length;
    const bytes = serializeResponse(pool, init, k === parts.length ? parts : parts.slice(0, k));
    out.trace?.response(bytes, "content-length", length);
    let last = out.write(bytes);
    for (; k < parts.length; k++) last = out.write(parts[k]!, parts[k] === recycled ? () => bodyRecycler.give(recycled!) : undefined);
    return last === null ? false : last.then(() => false);
  }
  return writeStreamed(out, head, plan, fields, { status, statusText, close, now, http10KeepAlive }, trailers);
}

/** The head of a streamed response, as writePlanned found it. */
interface StreamedHead {
  status: number;
  statusText: string;
  close: boolean;
  now: number;
  http10KeepAlive: boolean;
}

async function writeStreamed(
  out: H1Output,
  head: RequestHead,
  plan: ContentPlan & { kind: "stream" },
  fields: ReturnType<typeof responseFields>,
  { status, statusText, close, now, http10KeepAlive }: StreamedHead,
  trailers: ReturnType<typeof trailersOf>,
): Promise<boolean> {
  const pool = out.pool;
  // Streaming: with the length the handler declared (a file, say), else chunked for
  // HTTP/1.1 and read-until-close for HTTP/1.0.
  const declared = trailers === undefined ? declaredLength(fields) : null;
  const chunked = declared === null && head.minor === 1;
  const framing: Framing = declared !== null ? { kind: "length", length: declared } : chunked ? { kind: "chunked" } : { kind: "close" };
  const closeAfter = declared === null && !chunked;
  const headBytes = serializeResponseHead(pool, { status, statusText, fields, framing, close: close || closeAfter, now, http10KeepAlive: declared !== null && http10KeepAlive });
  out.trace?.response(headBytes, framing.kind === "length" ? "content-length" : framing.kind === "close" ? "until-close" : "chunked", declared ?? undefined);
  out.write(headBytes);
  const reader = plan.reader;
  let left = declared ?? 0;
  const send = (data: Uint8Array) => {
    if (data.length === 0) return null;
    if (declared !== null) {
      // RFC 9112 §6.3: the length sent is the message's end; more content would be read as the next response.
      if (data.length > left) throw new RangeError("response body longer than its Content-Length");
      left -= data.length;
      return out.write(data);
    }
    if (!chunked) return out.write(data);
    const h = chunkHeader(pool, data.length);
    if (data.length <= COPY_CHUNK) {
      const bytes = pool.take(h.length + data.length + 2);
      bytes.set(h, 0);
      bytes.set(data, h.length);
      bytes.set(CRLF, h.length + data.length);
      return out.write(bytes);
    }
    out.write(h);
    out.write(data);
    return out.write(CRLF);
  };
  try {
    for (const c of plan.first) await send(c);
    while (!out.gone) {
      const r = await reader.read();
      if (r.done) break;
      await send(toBytes(r.value));
    }
    if (out.gone) {
      reader.cancel().catch(() => {});
      return true;
    }
    if (declared !== null) {
      if (left !== 0) throw new RangeError("response body shorter than its Content-Length");
      return false;
    }
    if (chunked && trailers) out.write(trailerSection(pool, new Headers(await trailers)));
    else if (chunked) out.write(LAST_CHUNK);
    return !chunked;
  } catch {
    // The body stream failed mid-way: the message cannot be completed, so the connection ends.
    reader.cancel().catch(() => {});
    out.abort();
    return true;
  }
}

/** Whether the request's TE field lists "trailers". */
function acceptsTrailers(fields: string[]): boolean {
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === "te" && fields[i + 1]!.split(",").some((t) => t.trim().toLowerCase().startsWith("trailers"))) return true;
  }
  return false;
}

/** last-chunk, the trailer fields (those allowed as trailers, exchange.ts), and the final CRLF. */
function trailerSection(pool: WritePool, fields: Headers): Uint8Array {
  let s = "0\r\n";
  for (const [n, v] of fields) if (allowedInTrailers(n)) s += `${n}: ${v}\r\n`;
  return pool.latin1(s + "\r\n");
}
