/**
 * Incremental HTTP/1.1 request parser (RFC 9112), sans-I/O.
 *
 *   parser.feed(bytes)          // as many times as the transport has bytes
 *   parser.next()               // -> the next event, or null when more bytes are needed
 *
 * Events are pulled, so the caller can stop between messages (pipelining limits,
 * an Upgrade awaiting its answer) and the unread bytes stay here.
 *
 * Zero-copy: body data events are `subarray` views of the fed chunks. When a head,
 * chunk-size line or trailer section is split across chunks, the pieces are
 * gathered into a fresh accumulation buffer that grows by doubling; once a view of
 * it has been handed out it is never written again (see buffers/pool.ts).
 */
import { EMPTY } from "../buffers/bytes.ts";
import { CR, LF } from "./chars.ts";
import { chunkSize } from "./chunked.ts";
import { H1ParseError, err } from "./errors.ts";
import { type RequestHead, parseFieldLines, parseHead } from "./head.ts";
import { DEFAULT_H1_LIMITS, type H1Limits } from "./limits.ts";

export type H1Event =
  | { type: "head"; head: RequestHead }
  | { type: "data"; data: Uint8Array }
  | { type: "end"; trailers: string[] | null }
  | { type: "error"; error: H1ParseError };

const enum State {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  /** After a message with Upgrade: waiting for `resume()` or `detach()`. */
  Paused,
  Failed,
}

/** RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line. */
const MAX_LEADING_EMPTY_LINES = 8;
const MAX_CHUNK_LINE = 4096;
const LIMIT_NAMES = Object.keys(DEFAULT_H1_LIMITS) as (keyof H1Limits)[];
/** What trailerFields holds outside a trailer section: an idle parser keeps no array of its own. Never written. */
const NO_TRAILERS: string[] = [];
/** What queue holds while nothing waits behind buf (almost always): no array per idle parser. Never written. */
const NO_CHUNKS: Uint8Array[] = [];

export class RequestParser {
  readonly limits: H1Limits;
  private state = State.Head;
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  /** Chunks received behind buf, in order. */
  private queue: Uint8Array[] = NO_CHUNKS;
  /** buf is our own accumulation buffer with spare room, not yet handed out. */
  private accumulating = false;
  /** Bytes after pos already scanned without finding a terminator. */
  private scanned = 0;
  private remaining = 0;
  /** Body bytes of the current message so far (for chunked, counted from the chunk sizes). */
  private bodyBytes = 0;
  private upgradePending = false;
  /** The trailer section being read; a fresh array from its start (see readChunkSize). */
  private trailerFields: string[] = NO_TRAILERS;
  failure: H1ParseError | null = null;

  /** A server's parsers share its limits object when it sets every limit (one object less per connection). */
  constructor(limits: Partial<H1Limits> = {}) {
    const whole = LIMIT_NAMES.every((k) => limits[k] !== undefined);
    this.limits = whole ? (limits as H1Limits) : { ...DEFAULT_H1_LIMITS, ...limits };
  }

  feed(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.state === State.Failed) return;
    if (this.pos >= this.buf.length && this.queue.length === 0) {
      this.buf = chunk;
      this.pos = 0;
      this.accumulating = false;
    } else if (this.queue === NO_CHUNKS) this.queue = [chunk];
    else this.queue.push(chunk);
  }

  /** Bytes received and not yet parsed. */
  get buffered(): number {
    let n = this.buf.length - this.pos;
    for (let i = 0; i < this.queue.length; i++) n += this.queue[i]!.length;
    return n;
  }

  /** True between messages: nothing of a next request has been parsed. */
  get idle(): boolean {
    return this.state === State.Head && this.buffered === 0;
  }

  get paused(): boolean {
    return this.state === State.Paused;
  }

  /** Continues after an Upgrade request that was not accepted. */
  resume(): void {
    if (this.state === State.Paused) this.state = State.Head;
  }

  /** A copy of up to n unread bytes, without consuming them. */
  peek(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.buffered));
    let o = 0;
    for (let i = this.pos; i < this.buf.length && o < out.length; i++) out[o++] = this.buf[i]!;
    for (let q = 0; q < this.queue.length && o < out.length; q++) {
      const part = this.queue[q]!;
      for (let i = 0; i < part.length && o < out.length; i++) out[o++] = part[i]!;
    }
    return out;
  }

  /** Ends HTTP/1.1 on this connection (upgrade accepted): returns the bytes after the message. */
  detach(): Uint8Array[] {
    const rest: Uint8Array[] = [];
    if (this.pos < this.buf.length) rest.push(this.buf.subarray(this.pos));
    rest.push(...this.queue);
    this.buf = EMPTY;
    this.pos = 0;
    this.queue = NO_CHUNKS;
    this.state = State.Failed;
    return rest;
  }

  next(): H1Event | null {
    switch (this.state) {
      case State.Head:
        return this.readHead();
      case State.Body:
        return this.readBody();
      case State.ChunkSize:
        return this.readChunkSize();
      case State.ChunkData:
        return this.readChunkData();
      case State.ChunkDataEnd:
        return this.readChunkDataEnd();
      case State.Trailers:
        return this.readTrailers();
      case State.Paused:
      case State.Failed:
        return null;
    }
  }

  private fail(e: H1ParseError): H1Event {
    this.state = State.Failed;
    this.failure = e;
    this.buf = EMPTY;
    this.pos = 0;
    this.queue = NO_CHUNKS;
    return { type: "error", error: e };
  }

  /** Moves to the next queued chunk when the current one is used up. */
  private available(): number {
    while (this.pos >= this.buf.length && this.queue.length > 0) {
      this.buf = this.takeQueued();
      this.pos = 0;
      this.accumulating = false;
      this.scanned = 0;
    }
    return this.buf.length - this.pos;
  }

  /** The first queued chunk, taken off the queue (whose array is let go once empty). */
  private takeQueued(): Uint8Array {
    const next = this.queue.shift()!;
    if (this.queue.length === 0) this.queue = NO_CHUNKS;
    return next;
  }

  /** Appends the next queued chunk to the unread part of buf, in an accumulation buffer. */
  private absorb(): boolean {
    if (this.queue.length === 0) return false;
    const next = this.takeQueued();
    const rest = this.buf.length - this.pos;
    if (this.accumulating && this.buf.byteOffset + this.buf.length + next.length <= this.buf.buffer.byteLength) {
      const grown = new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.buf.length + next.length);
      grown.set(next, this.buf.length);
      this.buf = grown;
      return true;
    }
    const acc = new Uint8Array(Math.max(4096, 2 * (rest + next.length)));
    acc.set(this.buf.subarray(this.pos), 0);
    acc.set(next, rest);
    this.buf = acc.subarray(0, rest + next.length);
    this.pos = 0;
    this.accumulating = true;
    return true;
  }

  /** Once a view of buf is handed out, buf must never be written again. */
  private seal(): void {
    this.accumulating = false;
  }

  private readHead(): H1Event | null {
    if (this.available() === 0) return null;
    // Skip empty lines before the request-line.
    let skipped = 0;
    while (true) {
      if (this.available() === 0) return null;
      const c = this.buf[this.pos]!;
      if (c !== CR && c !== LF) break;
      if (c === LF) return this.fail(err(400, "BARE_LF", "bare LF where CRLF is required"));
      if (this.pos + 1 >= this.buf.length && !this.absorb()) return null;
      if (this.buf[this.pos + 1] !== LF) return this.fail(err(400, "BARE_CR", "bare CR before the request-line"));
      this.pos += 2;
      if (++skipped > MAX_LEADING_EMPTY_LINES) return this.fail(err(400, "EMPTY_LINES", "too many empty lines before the request-line"));
    }
    // First look: a head that is whole in buf is parsed in one pass, with no search for its end first.
    const limit = this.limits.maxHeaderBytes;
    let head =
      this.scanned === 0 ? parseHead(this.buf, this.pos, Math.min(this.buf.length, this.pos + limit + 4), this.limits) : null;
    if (head === null || head instanceof H1ParseError) {
      // Otherwise the search decides: wait for more bytes, a framing error (bare LF, too long), or a whole head to parse.
      const end = this.scanHeadEnd();
      if (end instanceof H1ParseError) return this.fail(end);
      if (end < 0) return null;
      head = parseHead(this.buf, this.pos, end, this.limits);
      if (head === null) return this.fail(err(400, "INVALID_HEAD", "head does not end at its empty line"));
      if (head instanceof H1ParseError) return this.fail(head);
    }
    this.pos += head.size;
    this.scanned = 0;
    this.seal();
    this.bodyBytes = 0;
    this.upgradePending = head.upgrade !== null;
    if (head.chunked) this.state = State.ChunkSize;
    else if (head.contentLength > 0) {
      this.state = State.Body;
      this.remaining = head.contentLength;
    } else {
      this.state = State.Body;
      this.remaining = 0;
    }
    return { type: "head", head };
  }

  /** Finds CRLF CRLF ending the head; checks each LF has its CR. Returns the index after it, -1, or an error. */
  private scanHeadEnd(): number | H1ParseError {
    const limit = this.limits.maxHeaderBytes;
    for (;;) {
      const b = this.buf;
      const start = this.pos;
      const stop = Math.min(b.length, start + limit + 4);
      // Jump from LF to LF with the native search; each LF must follow a CR.
      let i = b.indexOf(LF, start + this.scanned);
      while (i >= 0 && i < stop) {
        if (i === start || b[i - 1] !== CR) return err(400, "BARE_LF", "bare LF where CRLF is required");
        if (i - start >= 3 && b[i - 2] === LF) return i + 1;
        i = b.indexOf(LF, i + 1);
      }
      if (b.length - start > limit) {
        const firstLf = b.indexOf(LF, start);
        if (firstLf < 0 || firstLf - start > limit) return err(414, "URI_TOO_LONG", "request-line longer than the header limit");
        return err(431, "HEADERS_TOO_LARGE", `request head larger than ${limit} bytes`);
      }
      this.scanned = Math.max(0, b.length - start - 3);
      if (!this.absorb()) return -1;
    }
  }

  private readBody(): H1Event | null {
    if (this.remaining === 0) return this.endMessage(null);
    if (this.available() === 0) return null;
    const data = this.takeBody();
    this.bodyBytes += data.length;
    return { type: "data", data };
  }

  /**
   * The whole Content-Length body of the message just headed, as one view, when it has
   * all arrived in the current chunk (a small POST usually comes in one read with its
   * head). Consumes it: the next event is "end". Otherwise null, and nothing changes.
   */
  takeWholeBody(): Uint8Array | null {
    if (this.state !== State.Body || this.remaining === 0 || this.bodyBytes !== 0) return null;
    if (this.available() < this.remaining) return null;
    this.bodyBytes = this.remaining;
    return this.takeBody();
  }

  /** Up to `remaining` body bytes from the current chunk, as a view (zero-copy). */
  private takeBody(): Uint8Array {
    const n = Math.min(this.remaining, this.buf.length - this.pos);
    const data = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.remaining -= n;
    this.seal();
    return data;
  }

  private endMessage(trailers: string[] | null): H1Event {
    // Between messages, hold no view of consumed input: an idle connection keeps no buffer alive.
    if (this.pos >= this.buf.length && this.queue.length === 0) {
      this.buf = EMPTY;
      this.pos = 0;
    }
    this.state = this.upgradePending ? State.Paused : State.Head;
    this.upgradePending = false;
    return { type: "end", trailers };
  }

  /** Finds the CRLF ending a line at pos; returns the index of its CR, -1, or an error. */
  private scanLine(max: number): number | H1ParseError {
    for (;;) {
      const b = this.buf;
      const start = this.pos;
      for (let i = start + this.scanned; i < b.length; i++) {
        if (b[i] === LF) {
          if (i === start || b[i - 1] !== CR) return err(400, "BARE_LF", "bare LF where CRLF is required");
          return i - 1;
        }
        if (i - start > max) return err(400, "LINE_TOO_LONG", "chunk-size line or trailer section too long");
      }
      this.scanned = Math.max(0, b.length - start - 1);
      if (!this.absorb()) return -1;
    }
  }

  private readChunkSize(): H1Event | null {
    if (this.available() === 0) return null;
    const cr = this.scanLine(MAX_CHUNK_LINE);
    if (cr instanceof H1ParseError) return this.fail(cr);
    if (cr < 0) return null;
    const size = chunkSize(this.buf, this.pos, cr);
    if (size instanceof H1ParseError) return this.fail(size);
    this.pos = cr + 2;
    this.scanned = 0;
    if (size === 0) {
      this.state = State.Trailers;
      this.trailerFields = [];
      return this.next();
    }
    this.bodyBytes += size;
    if (this.bodyBytes > this.limits.maxBodyBytes)
      return this.fail(err(413, "BODY_TOO_LARGE", `chunked body exceeds the ${this.limits.maxBodyBytes}-byte limit`));
    this.remaining = size;
    this.state = State.ChunkData;
    return this.readChunkData();
  }

  private readChunkData(): H1Event | null {
    if (this.available() === 0) return null;
    const data = this.takeBody();
    if (this.remaining === 0) this.state = State.ChunkDataEnd;
    return { type: "data", data };
  }

  private readChunkDataEnd(): H1Event | null {
    if (this.available() === 0) return null;
    if (this.buf.length - this.pos < 2 && !this.absorb()) return null;
    if (this.buf[this.pos] !== CR || this.buf[this.pos + 1] !== LF)
      return this.fail(err(400, "CHUNK_NO_CRLF", "chunk-data not followed by CRLF"));
    this.pos += 2;
    this.state = State.ChunkSize;
    return this.readChunkSize();
  }

  private readTrailers(): H1Event | null {
    for (;;) {
      if (this.available() === 0) return null;
      const cr = this.scanLine(this.limits.maxHeaderBytes);
      if (cr instanceof H1ParseError) return this.fail(cr);
      if (cr < 0) return null;
      const lineStart = this.pos;
      this.pos = cr + 2;
      this.scanned = 0;
      if (cr === lineStart) {
        const t = this.trailerFields;
        this.trailerFields = NO_TRAILERS;
        return this.endMessage(t.length ? t : null);
      }
      const e = parseFieldLines(this.buf, lineStart, cr + 2, this.trailerFields, this.limits);
      if (e) return this.fail(e);
    }
  }
}
