/**
 * `serveFile(req, path)`: a file as the Response to a GET or HEAD, with its validators
 * (ETag, Last-Modified), conditional requests (RFC 9110 §13) and range requests
 * (§14), streamed from disk as the client reads it.
 */
import { runtimeFiles } from "../transport/files/select.ts";
import type { FileInfo, FileSource } from "../transport/files/types.ts";
import { type Validators, evaluatePreconditions, rangeApplies } from "./conditional.ts";
import { contentTypeOf } from "./content-types.ts";
import { type ByteRange, MAX_RANGES, contentRange, parseRange } from "./ranges.ts";

export interface ServeFileOptions {
  /** Content-Type; default by the file's extension (content-types.ts). */
  contentType?: string;
  /** Fields added to every answer for the file (Cache-Control, say). */
  headers?: HeadersInit;
  /** Where the file is read from; default the runtime's own file system. */
  source?: FileSource;
}

/** Bytes read from disk at a time: each read is one chunk of the body. */
const CHUNK = 64 * 1024;

/**
 * The Response for `path` to `req`: 200 (or 206 with Range, 304 or 412 with
 * preconditions, 416 for a range past the end), 404 when there is no such file, 405
 * for methods other than GET and HEAD.
 */
export async function serveFile(req: Request, path: string, options: ServeFileOptions = {}): Promise<Response> {
  const source = options.source ?? await runtimeFiles();
  const info = await source.stat(path);
  if (info === null || info.kind !== "file") return plain(404, "Not Found", options.headers);
  return fileResponse(req, source, path, info, options);
}

/** A strong entity tag from the size and modification time, as many servers make one (nginx's shape). */
export function etagOf(info: FileInfo): string | null {
  if (info.mtimeMs === null) return null;
  return `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
}

/** The Response for a file whose `info` is known. */
export function fileResponse(req: Request, source: FileSource, path: string, info: FileInfo, options: ServeFileOptions): Response {
  const method = req.method;
  if (method !== "GET" && method !== "HEAD") return methodNotAllowed(options.headers);
  const v: Validators = { etag: etagOf(info), lastModified: info.mtimeMs };
  const headers = new Headers(options.headers);
  if (v.etag !== null) headers.set("etag", v.etag);
  if (v.lastModified !== null) headers.set("last-modified", new Date(v.lastModified).toUTCString());
  const pre = evaluatePreconditions(method, req.headers, v);
  // RFC 9110 §15.4.5: a 304 carries the validators a 200 would, and no content.
  if (pre === "not-modified") return new Response(null, { status: 304, headers });
  if (pre === "failed") return plain(412, "Precondition Failed", headers);

  const size = info.size;
  const type = options.contentType ?? contentTypeOf(path);
  headers.set("accept-ranges", "bytes");
  const range = req.headers.get("range");
  // §14.2: Range is for GET; HEAD gets what a GET without it would.
  const answer = range !== null && method === "GET" && rangeApplies(req.headers, v) ? parseRange(range, size) : null;
  if (answer?.kind === "unsatisfiable") {
    headers.set("content-range", `bytes */${size}`);
    return plain(416, "Range Not Satisfiable", headers);
  }
  if (answer?.kind === "ranges" && answer.ranges.length === 1) {
    const r = answer.ranges[0]!;
    headers.set("content-type", type);
    headers.set("content-range", contentRange(r, size));
    headers.set("content-length", String(r.last - r.first + 1));
    return new Response(fileStream(source, path, [{ range: r }]), { status: 206, headers });
  }
  if (answer?.kind === "ranges" && answer.ranges.length <= MAX_RANGES) return multipartResponse(source, path, answer.ranges, size, type, headers);
  headers.set("content-type", type);
  headers.set("content-length", String(size));
  if (method === "HEAD" || size === 0) return new Response(null, { status: 200, headers });
  return new Response(fileStream(source, path, [{ range: { first: 0, last: size - 1 } }]), { status: 200, headers });
}

/** A body part of the stream: bytes to write as they are, or a range of the file. */
type Piece = { bytes: Uint8Array } | { range: ByteRange };

const encoder = new TextEncoder();

/** §14.6: several ranges as multipart/byteranges, each part with its Content-Type and Content-Range. */
function multipartResponse(source: FileSource, path: string, ranges: ByteRange[], size: number, type: string, headers: Headers): Response {
  const boundary = boundaryString();
  const pieces: Piece[] = [];
  let length = 0;
  ranges.forEach((r, i) => {
    const head = encoder.encode(`${i === 0 ? "" : "\r\n"}--${boundary}\r\ncontent-type: ${type}\r\ncontent-range: ${contentRange(r, size)}\r\n\r\n`);
    pieces.push({ bytes: head }, { range: r });
    length += head.length + r.last - r.first + 1;
  });
  const end = encoder.encode(`\r\n--${boundary}--\r\n`);
  pieces.push({ bytes: end });
  length += end.length;
  headers.set("content-type", `multipart/byteranges; boundary=${boundary}`);
  headers.set("content-length", String(length));
  return new Response(fileStream(source, path, pieces), { status: 206, headers });
}

function boundaryString(): string {
  const b = crypto.getRandomValues(new Uint8Array(12));
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/**
 * The pieces as a byte stream that reads the file only when the reader asks for more
 * (highWaterMark 0): a slow client holds one chunk in memory, however large the file.
 * The file is opened on the first read and closed at the end, on an error or a cancel.
 */
function fileStream(source: FileSource, path: string, pieces: Piece[]): ReadableStream<Uint8Array> {
  let file: Awaited<ReturnType<FileSource["open"]>> | null = null;
  let k = 0;
  let at = -1;
  const close = () => {
    file?.close();
    file = null;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const piece = pieces[k];
        if (piece === undefined) {
          close();
          controller.close();
          return;
        }
        if ("bytes" in piece) {
          k++;
          controller.enqueue(piece.bytes);
          return;
        }
        const r = piece.range;
        if (at < 0) at = r.first;
        file ??= await source.open(path);
        const chunk = await file.read(at, Math.min(CHUNK, r.last + 1 - at));
        // The file shrank under us: the promised length cannot be sent; fail the body.
        if (chunk.length === 0) throw new Error(`${path} ended before byte ${r.last}`);
        at += chunk.length;
        if (at > r.last) {
          k++;
          at = -1;
        }
        controller.enqueue(chunk);
      } catch (e) {
        close();
        controller.error(e);
      }
    },
    cancel() {
      close();
    },
  }, { highWaterMark: 0 });
}

/** 405 for a method other than GET and HEAD, with Allow (RFC 9110 §15.5.6). */
export function methodNotAllowed(init?: HeadersInit): Response {
  const h = new Headers(init);
  h.set("allow", "GET, HEAD");
  return plain(405, "Method Not Allowed", h);
}

/** A short text answer (an error, or 412/416) with the given fields. */
export function plain(status: number, text: string, init?: HeadersInit): Response {
  const headers = new Headers(init);
  headers.set("content-type", "text/plain; charset=utf-8");
  headers.delete("content-length");
  return new Response(`${text}\n`, { status, headers });
}
