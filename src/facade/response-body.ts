/**
 * Looks at a Response body to choose its framing: bytes that are all there are
 * sent with a length in one write; anything else is streamed.
 */

import { type WritePool, writeLatin1 } from "../buffers/pool.ts";
import { knownBody, takeRecycledBody } from "./response-class.ts";

const encoder = new TextEncoder();

export type BodyPlan =
  | { kind: "empty" }
  /**
   * A body of known length, as the chunks it came in (views, not copied together).
   * `recycled`: one of the parts is a buffers/recycler.ts region that is the writer's
   * alone, to give back once sent (or to leave to the collector).
   */
  | { kind: "bytes"; parts: Uint8Array[]; length: number; recycled?: Uint8Array }
  | { kind: "stream"; first: Uint8Array[]; reader: ReadableStreamDefaultReader<unknown> };

/** A body chunk as bytes; a string is UTF-8 encoded, anything else is a handler bug. */
export function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return encoder.encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError("response body chunk is not bytes");
}

/** Text up to this many code units is encoded into the write pool; longer text by the runtime. */
const POOLED_TEXT = 1024;

/**
 * The UTF-8 bytes of s. Short text goes into a pooled region: TextEncoder.encode makes
 * a fresh ArrayBuffer each time, which costs more than the rest of writing a small
 * response (bench/README.md). ASCII, the common case, is its own UTF-8.
 */
export function utf8(pool: WritePool, s: string): Uint8Array {
  if (s.length > POOLED_TEXT) return encoder.encode(s);
  const out = pool.take(utf8Length(s));
  if (out.length === s.length) writeLatin1(out, s);
  else encoder.encodeInto(s, out);
  return out;
}

/** Bytes s takes in UTF-8; a lone surrogate becomes U+FFFD (3 bytes), as TextEncoder does. */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: two code units, four bytes
      i++;
    } else n += 2;
  }
  return n;
}

const tick = () => new Promise<"tick">((r) => setTimeout(r, 0, "tick"));

/** Resolves after a few microtask turns: long enough for a source that already has its data. */
async function microtasks(): Promise<"tick"> {
  for (let i = 0; i < 4; i++) await null;
  return "tick";
}

/** The symbol under which a runtime keeps a Response's state, found once by its description. */
const symbolCache = new Map<string, symbol | null>();
function internal(res: Response, description: string): unknown {
  let sym = symbolCache.get(description);
  if (sym === undefined) {
    sym = Object.getOwnPropertySymbols(res).find((s) => s.description === description) ?? null;
    symbolCache.set(description, sym);
  }
  return sym === null ? undefined : (res as unknown as Record<symbol, unknown>)[sym];
}

const isStatic = (x: unknown): x is string | Uint8Array => typeof x === "string" || x instanceof Uint8Array;

/** Decided on the first Response seen: does this runtime's Response hold its state under symbols? */
let keepsNoState: boolean | undefined;

/**
 * The bytes of a Response built from a string or bytes, read from where the runtime
 * keeps them, so the body is written without a stream round-trip. Returns null for
 * no body, undefined when unknown (a stream, a used body, or a runtime whose
 * internals we do not recognise: Bun), and then the stream is read as usual.
 */
export function staticBody(res: Response): string | Uint8Array | null | undefined {
  const known = knownBody(res);
  if (known !== undefined) return known;
  // A runtime whose Response keeps no state under symbols (Bun's is native) never will.
  if (keepsNoState ??= Object.getOwnPropertySymbols(res).length === 0) return undefined;
  if (res.bodyUsed) return undefined;
  // Node (undici): state.body = { stream, source, length }, source the string or bytes given.
  const state = internal(res, "state") as { body?: { stream?: ReadableStream; source?: unknown } | null } | undefined;
  if (state && typeof state === "object" && "body" in state) {
    const body = state.body;
    if (body === null) return null;
    if (body && isStatic(body.source) && !body.stream?.locked) return body.source;
    return undefined;
  }
  // Deno: a string body waits in "lazy static body"; bytes sit in body.streamOrStatic.
  const lazy = internal(res, "lazy static body");
  if (isStatic(lazy)) return lazy;
  const inner = internal(res, "response") as { body?: { streamOrStatic?: { body?: unknown; consumed?: boolean } } | null } | undefined;
  if (inner && typeof inner === "object" && "body" in inner) {
    if (inner.body === null) return lazy === undefined ? null : undefined;
    const st = inner.body?.streamOrStatic;
    if (st && !st.consumed && isStatic(st.body)) return st.body;
  }
  return undefined;
}

/** Plans a Response's body: its known bytes when the runtime lets us see them, else from its stream. */
export function planResponse(res: Response, pool: WritePool): BodyPlan | Promise<BodyPlan> {
  const known = staticBody(res);
  if (known === null) return { kind: "empty" };
  if (known !== undefined) {
    if (typeof known !== "string") {
      const recycled = takeRecycledBody(res);
      if (recycled !== null) return { kind: "bytes", parts: [recycled], length: recycled.length, recycled };
    }
    const bytes = typeof known === "string" ? utf8(pool, known) : known;
    return bytes.length ? { kind: "bytes", parts: [bytes], length: bytes.length } : { kind: "empty" };
  }
  return planBody(res.body);
}

/** Lets go of a body that will not be sent (HEAD, 204, 304, a reset stream) without making a stream for it. */
export function discardBody(res: Response): void {
  if (staticBody(res) === undefined) res.body?.cancel().catch(() => {});
}

/** A body the stream has ready at once is gathered up to this size and sent with a length. */
export const MAX_GATHERED_BODY = 256 * 1024;

/**
 * Reads what the stream has ready: while each read settles at once (within
 * microtasks), chunks are gathered, and a body that ends that way is sent whole with
 * a Content-Length. Bun, for one, hands a 64 KiB byte body out as 16 KiB + 48 KiB.
 * A stream that has more to say later (server-sent events, say) is not held back:
 * after one timer turn it is streamed with what it has produced so far, and so is
 * one that has produced more than MAX_GATHERED_BODY.
 */
export async function planBody(body: ReadableStream<unknown> | null): Promise<BodyPlan> {
  if (body === null) return { kind: "empty" };
  const reader = body.getReader();
  const r1 = await reader.read();
  if (r1.done) return { kind: "empty" };
  const chunks = [toBytes(r1.value)];
  let size = chunks[0]!.length;
  for (;;) {
    const next = reader.read();
    // Most bodies (strings, bytes) settle within microtasks; only then pay for a timer.
    let r = await Promise.race([next, microtasks()]);
    if (r === "tick") r = await Promise.race([next, tick()]);
    // Still pending: keep the read, so no chunk is lost.
    if (r === "tick") return { kind: "stream", first: chunks, reader: pendingReader(reader, next) };
    if (r.done) return size === 0 ? { kind: "empty" } : { kind: "bytes", parts: chunks, length: size };
    const chunk = toBytes(r.value);
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_GATHERED_BODY) return { kind: "stream", first: chunks, reader };
  }
}

/** A reader whose next read() is the one already in flight. */
function pendingReader(
  reader: ReadableStreamDefaultReader<unknown>,
  pending: Promise<ReadableStreamReadResult<unknown>>,
): ReadableStreamDefaultReader<unknown> {
  let p: Promise<ReadableStreamReadResult<unknown>> | null = pending;
  return {
    read() {
      if (p) {
        const q = p;
        p = null;
        return q;
      }
      return reader.read();
    },
    cancel: (reason?: unknown) => reader.cancel(reason),
    releaseLock: () => reader.releaseLock(),
    closed: reader.closed,
  } as ReadableStreamDefaultReader<unknown>;
}
