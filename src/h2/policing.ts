/**
 * Bounds on what a peer may make us do (RFC 9113 §10.5): frames that cost us work and
 * the peer nothing are counted per 10 s, and streams a peer leaves stalled on a zero
 * window are counted and timed. Past a bound: GOAWAY(ENHANCE_YOUR_CALM).
 */
import { ConnectionError, ErrorCode } from "./errors.ts";
import type { SendWindow } from "./flow-control.ts";
import type { H2Options } from "./options.ts";
import type { Stream } from "./streams.ts";

const WINDOW_MS = 10_000;

/** Events within a 10 s window. */
export class RateBound {
  private count = 0;
  private since = 0;
  constructor(private readonly limit: number) {}

  /** Counts one event at `now`; true when the limit is passed. */
  hit(now: number): boolean {
    if (now - this.since > WINDOW_MS) {
      this.since = now;
      this.count = 0;
    }
    return ++this.count > this.limit;
  }
}

/**
 * Zero-window streams: a peer that never opens its window keeps our queued data
 * forever. Returns the error that ends the connection, or null.
 */
export function stallCheck(streams: Iterable<Stream>, connSend: SendWindow, now: number, opts: H2Options): ConnectionError | null {
  let stalled = 0;
  let oldest = now;
  for (const s of streams) {
    const blocked = s.outbox.length > 0 && (s.send.size <= 0 || connSend.size <= 0);
    if (!blocked) {
      s.stalledSince = 0;
      continue;
    }
    if (s.stalledSince === 0) s.stalledSince = now;
    stalled++;
    oldest = Math.min(oldest, s.stalledSince);
  }
  if (stalled > opts.maxStalledStreams) return new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `${stalled} streams stalled on a zero window`);
  if (stalled > 0 && now - oldest > opts.maxStallMs) return new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "a stream stalled on a zero window for too long");
  return null;
}
