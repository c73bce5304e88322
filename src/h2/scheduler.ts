/**
 * Which stream's DATA goes next (RFC 9113 §5.3: priority signals are ignored, so every
 * stream gets an equal turn): round-robin over the streams with something queued, each
 * turn one frame as large as both send windows and the peer's frame size allow.
 */
import type { SendWindow } from "./flow-control.ts";
import type { StreamMap } from "./stream-map.ts";
import { type Stream, weSending } from "./streams.ts";

/** Bytes of frames queued before the scheduler stops and lets the transport take them. */
const OUTPUT_BATCH = 256 * 1024;
/** Bytes queued per stream before sendData reports backpressure. */
export const STREAM_HIGH_WATER_MARK = 64 * 1024;

/** Where the scheduler's frames go (the connection's output). */
export interface FrameSink {
  /** A DATA frame of `data` for the stream; `last` ends it (no trailers follow). */
  data(s: Stream, data: Uint8Array, last: boolean): void;
  /** The stream's end after its data: its trailers, or an empty DATA with END_STREAM. */
  end(s: Stream): void;
  /** Bytes queued and not yet taken by the transport. */
  queuedBytes(): number;
}

export class DataScheduler {
  /** Whose turn is first in the next round. */
  private rr = 0;
  /**
   * The last run stopped at OUTPUT_BATCH while frames were still being made: DATA may be
   * left that the windows allow. The connection runs again once the batch is taken.
   */
  cut = false;

  /** Moves queued DATA into frames as the windows allow; returns the streams whose queue went back under its mark. */
  run(streams: StreamMap<Stream>, connSend: SendWindow, maxFrame: number, sink: FrameSink): number[] {
    const writable: number[] = [];
    this.cut = false;
    let progress = true;
    while (progress) {
      progress = false;
      const ids = streams.keys();
      if (ids.length === 0) break;
      for (let k = 0; k < ids.length; k++) {
        const s = streams.get(ids[(this.rr + k) % ids.length]!);
        if (!s || (s.outbox.length === 0 && !s.endQueued) || !weSending(s)) continue;
        if (s.outbox.length > 0) {
          const n = Math.min(s.outbox.length, s.send.size, connSend.size, maxFrame);
          if (n <= 0) continue;
          const data = s.outbox.take(n);
          s.send.size -= n;
          connSend.size -= n;
          progress = true;
          if (s.wantsWritable && s.outbox.length < STREAM_HIGH_WATER_MARK) {
            s.wantsWritable = false;
            writable.push(s.id);
          }
          sink.data(s, data, s.outbox.length === 0 && s.endQueued && !s.trailers);
        } else {
          s.endQueued = false;
          sink.end(s);
          progress = true;
        }
      }
      this.rr++;
      if (progress && sink.queuedBytes() > OUTPUT_BATCH) {
        this.cut = true;
        break;
      }
    }
    return writable;
  }
}
