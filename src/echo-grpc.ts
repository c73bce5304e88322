/**
 * The echo server's gRPC service, `purehttp.Echo`, over the Fetch facade: messages are
 * opaque bytes (any serializer works), each sent back as it is.
 *
 *   Unary         the one message back
 *   ServerStream  the one message back three times
 *   ClientStream  every message, concatenated, back as one
 *   BidiStream    each message back as it comes
 *
 * Any other method is UNIMPLEMENTED (12), answered trailers-only. A passed deadline
 * (grpc-timeout, which aborts request.signal) ends the call with DEADLINE_EXCEEDED (4).
 * Framing (gRPC's PROTOCOL-HTTP2.md): each message is a compressed flag byte, a 4-byte
 * big-endian length, and the message; grpc-status and grpc-message are trailers.
 */
import { concatBytes } from "./buffers/bytes.ts";
import { setTrailers } from "./facade/exchange.ts";

const Status = { OK: 0, CANCELLED: 1, DEADLINE_EXCEEDED: 4, UNIMPLEMENTED: 12, INTERNAL: 13 } as const;

/** Largest message accepted (gRPC's usual default is 4 MiB; the echo takes 64 MiB). */
const MAX_MESSAGE = 64 * 1024 * 1024;

const HEADERS = { "content-type": "application/grpc", "grpc-accept-encoding": "identity" };

/** A call that ends with `status` and nothing else: one HEADERS frame with END_STREAM (trailers-only). */
function trailersOnly(status: number, message: string): Response {
  return new Response(null, { headers: { ...HEADERS, "grpc-status": String(status), "grpc-message": encodeURIComponent(message) } });
}

class GrpcError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Bytes received and not yet made into messages, kept as the chunks they came in. */
class Pending {
  private chunks: Uint8Array[] = [];
  length = 0;

  push(c: Uint8Array): void {
    this.chunks.push(c);
    this.length += c.length;
  }

  /** The byte at `i`. */
  at(i: number): number {
    for (const c of this.chunks) {
      if (i < c.length) return c[i]!;
      i -= c.length;
    }
    throw new RangeError("past the end");
  }

  /** Takes the first n bytes, copied once. */
  take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.length -= n;
    return out;
  }
}

/** Reads length-prefixed messages from a request body as they complete. */
async function* messages(body: ReadableStream<Uint8Array> | null, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  if (body === null) return;
  const reader = body.getReader();
  const onAbort = () => reader.cancel().catch(() => {});
  signal.addEventListener("abort", onAbort);
  const buf = new Pending();
  const deadline = () => new GrpcError(Status.DEADLINE_EXCEEDED, "deadline exceeded");
  try {
    for (;;) {
      while (buf.length >= 5) {
        if (buf.at(0) !== 0) throw new GrpcError(Status.INTERNAL, "compressed messages are not supported (grpc-accept-encoding: identity)");
        const len = ((buf.at(1) << 24) | (buf.at(2) << 16) | (buf.at(3) << 8) | buf.at(4)) >>> 0;
        if (len > MAX_MESSAGE) throw new GrpcError(Status.INTERNAL, `message of ${len} bytes over the ${MAX_MESSAGE}-byte limit`);
        if (buf.length < 5 + len) break;
        buf.take(5);
        yield buf.take(len);
      }
      if (signal.aborted) throw deadline();
      const r = await reader.read().catch((e) => {
        throw signal.aborted ? deadline() : e;
      });
      if (r.done) break;
      buf.push(r.value);
    }
    if (signal.aborted) throw deadline();
    if (buf.length) throw new GrpcError(Status.INTERNAL, "request ended inside a message");
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  out[1] = message.length >>> 24;
  out[2] = (message.length >>> 16) & 0xff;
  out[3] = (message.length >>> 8) & 0xff;
  out[4] = message.length & 0xff;
  out.set(message, 5);
  return out;
}

/** Exactly one request message, as unary and server-streaming calls have. */
async function single(req: Request): Promise<Uint8Array> {
  let one: Uint8Array | null = null;
  for await (const m of messages(req.body, req.signal)) {
    if (one) throw new GrpcError(Status.UNIMPLEMENTED, "more than one request message for a unary request");
    one = m;
  }
  if (!one) throw new GrpcError(Status.UNIMPLEMENTED, "no request message");
  return one;
}

/** The messages `produce` yields, streamed, then the status as trailers. */
function streamed(produce: () => AsyncGenerator<Uint8Array>): Response {
  let status: number = Status.OK, message = "";
  let done!: (h: HeadersInit) => void;
  const trailers = new Promise<HeadersInit>((r) => (done = r));
  const it = produce();
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const r = await it.next();
        if (!r.done) return c.enqueue(frame(r.value));
      } catch (e) {
        status = e instanceof GrpcError ? e.status : Status.INTERNAL;
        message = (e as Error).message;
      }
      c.close();
      done({ "grpc-status": String(status), ...(message ? { "grpc-message": encodeURIComponent(message) } : {}) });
    },
    cancel() {
      it.return(undefined).catch(() => {});
      done({ "grpc-status": String(Status.CANCELLED) });
    },
  }, { highWaterMark: 0 });
  return setTrailers(new Response(body, { headers: HEADERS }), trailers);
}

/** Answers a gRPC request (content-type application/grpc) to `path`. */
export async function grpcEcho(req: Request, path: string): Promise<Response> {
  if (req.method !== "POST") return trailersOnly(Status.UNIMPLEMENTED, "gRPC calls are POST");
  try {
    switch (path) {
      case "/purehttp.Echo/Unary": {
        const m = await single(req);
        return streamed(async function* () {
          yield m;
        });
      }
      case "/purehttp.Echo/ServerStream": {
        const m = await single(req);
        return streamed(async function* () {
          for (let i = 0; i < 3; i++) yield m;
        });
      }
      case "/purehttp.Echo/ClientStream": {
        const parts: Uint8Array[] = [];
        for await (const m of messages(req.body, req.signal)) parts.push(m);
        const all = concatBytes(parts);
        return streamed(async function* () {
          yield all;
        });
      }
      case "/purehttp.Echo/BidiStream":
        return streamed(() => messages(req.body, req.signal));
      default:
        return trailersOnly(Status.UNIMPLEMENTED, `method ${path} is not implemented`);
    }
  } catch (e) {
    if (e instanceof GrpcError) return trailersOnly(e.status, e.message);
    return trailersOnly(Status.INTERNAL, (e as Error).message);
  }
}
