/**
 * A response plan (exchange.ts) sent as HTTP/2 frames (RFC 9113 §8.1): a HEADERS
 * frame with the fields HTTP/2 may carry, DATA as the stream's window allows, and a
 * trailing HEADERS with the trailers, or END_STREAM on the last DATA.
 */
import type { WritePool } from "../buffers/pool.ts";
import type { H2ServerConnection } from "../h2/connection.ts";
import { httpDate } from "../h1/serializer.ts";
import { CONNECTION_FIELDS, type ContentPlan, declaredLength, planContent, trailerFields, trailersOf } from "./exchange.ts";
import { toBytes } from "./response-body.ts";
import { type ResponseFields, responseFields } from "./response-class.ts";

/** One stream of the connection, seen from the writer. */
export interface H2StreamOutput {
  readonly core: H2ServerConnection;
  readonly id: number;
  readonly pool: WritePool;
  /** Hands the frames queued so far to the transport. */
  flush(): void;
  /**
   * Queues body bytes; a promise while the stream's queue is full, resolved when it has
   * room (flow control is backpressure). `recycled`: data is a recycled region, given
   * back once the transport has written it (h2-recycling.ts).
   */
  send(data: Uint8Array, end: boolean, recycled?: boolean): Promise<void> | void;
  /** The stream was reset: nothing more is sent on it. */
  isReset(): boolean;
  /** The body failed mid-way: the stream is reset (INTERNAL_ERROR). */
  failed(): void;
  /** The response is done, completed or not. */
  answered(): void;
}

/** Sends `res` on the stream as the answer to a `method` request; `answered()` follows, after `failed()` if its body failed. */
export async function writeH2Response(out: H2StreamOutput, method: string, res: Response): Promise<void> {
  try {
    const { core, id } = out;
    const headers = responseFields(res);
    const fields = h2Fields(res.status, headers);
    const trailers = trailersOf(res);
    const planned = planContent(method, res, out.pool, trailers !== undefined);
    const plan: ContentPlan = planned instanceof Promise ? await planned : planned;
    if (out.isReset()) {
      if (plan.kind === "stream") plan.reader.cancel().catch(() => {});
      return;
    }
    if (plan.kind === "none") {
      if (plan.length !== null) fields.push(["content-length", String(plan.length)]);
      core.respond(id, fields, true);
      return;
    }
    if (plan.kind !== "stream") {
      const parts = plan.kind === "bytes" ? plan.parts : [];
      if (!headers.has("content-length")) fields.push(["content-length", String(plan.kind === "bytes" ? plan.length : 0)]);
      core.respond(id, fields, parts.length === 0);
      for (let k = 0; k < parts.length; k++) {
        const wait = out.send(parts[k]!, k === parts.length - 1, plan.kind === "bytes" && parts[k] === plan.recycled);
        if (wait) await wait;
      }
      return;
    }
    core.respond(id, fields, false);
    out.flush();
    // RFC 9113 §8.1.1: DATA must add up to a Content-Length that was sent; a body that
    // does not is cut off with RST_STREAM rather than sent malformed.
    let left = declaredLength(headers) ?? Infinity;
    const send = (data: Uint8Array) => {
      if (data.length > left) {
        plan.reader.cancel().catch(() => {});
        throw new RangeError("response body longer than its Content-Length");
      }
      left -= data.length;
      return out.send(data, false);
    };
    for (const c of plan.first) await send(c);
    for (;;) {
      if (out.isReset()) {
        plan.reader.cancel().catch(() => {});
        return;
      }
      const r = await plan.reader.read();
      if (r.done) break;
      await send(toBytes(r.value));
    }
    if (left !== Infinity && left !== 0) throw new RangeError("response body shorter than its Content-Length");
    if (trailers) core.sendTrailers(id, await trailerFields(trailers));
    else core.sendData(id, new Uint8Array(0), true);
  } catch {
    out.failed();
  } finally {
    out.answered();
  }
}

/** A response's header section for HTTP/2: :status, the fields HTTP/2 may carry (RFC 9113 §8.2.2), and Date. */
export function h2Fields(status: number, headers: ResponseFields): [string, string][] {
  const fields: [string, string][] = [[":status", String(status)]];
  let hasDate = false;
  headers.forEach((v, n) => {
    if (CONNECTION_FIELDS.has(n)) return;
    if (n === "date") hasDate = true;
    fields.push([n, v]);
  });
  if (!hasDate) fields.push(["date", httpDate(Date.now())]);
  return fields;
}
