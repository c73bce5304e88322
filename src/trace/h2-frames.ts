/**
 * Reads one direction of an HTTP/2 connection as the trace shows it: frame by frame
 * (RFC 9113 §4.1), each header block decoded with an HPACK decoder of the trace's own,
 * which stays in step with the connection's because it reads the same blocks in the
 * same order. It only watches: what it cannot read it reports, and stops.
 */
import { ByteQueue } from "../buffers/byte-queue.ts";
import { concatBytes, latin1 } from "../buffers/bytes.ts";
import { errorName } from "../h2/errors.ts";
import { CONNECTION_PREFACE, FRAME_HEADER_LENGTH, Flag, FrameType } from "../h2/frames.ts";
import { HpackDecoder, type Representation } from "../hpack/decoder.ts";
import type { H2FrameEvent, TracedField } from "./events.ts";

/** An event before the connection stamps it with its number and time. */
export type Draft<E> = E extends unknown ? Omit<E, "conn" | "ms"> : never;

const TYPE_NAMES = Object.fromEntries(Object.entries(FrameType).map(([k, v]) => [v, k])) as Record<number, string>;

/** §6.5.2's settings, by identifier. */
const SETTING_NAMES: Record<number, string> = {
  1: "HEADER_TABLE_SIZE", 2: "ENABLE_PUSH", 3: "MAX_CONCURRENT_STREAMS", 4: "INITIAL_WINDOW_SIZE",
  5: "MAX_FRAME_SIZE", 6: "MAX_HEADER_LIST_SIZE", 8: "ENABLE_CONNECT_PROTOCOL", 9: "NO_RFC7540_PRIORITIES",
};

const PREFACE_LENGTH = CONNECTION_PREFACE.length;

/** The names of a frame's flags: which bits mean what depends on its type (§6). */
function flagNames(type: number, flags: number): string[] {
  const out: string[] = [];
  if (type === FrameType.SETTINGS || type === FrameType.PING) {
    if (flags & Flag.ACK) out.push("ACK");
    return out;
  }
  if ((type === FrameType.DATA || type === FrameType.HEADERS) && flags & Flag.END_STREAM) out.push("END_STREAM");
  if ((type === FrameType.HEADERS || type === FrameType.CONTINUATION || type === FrameType.PUSH_PROMISE) && flags & Flag.END_HEADERS) out.push("END_HEADERS");
  if ((type === FrameType.DATA || type === FrameType.HEADERS || type === FrameType.PUSH_PROMISE) && flags & Flag.PADDED) out.push("PADDED");
  if (type === FrameType.HEADERS && flags & Flag.PRIORITY) out.push("PRIORITY");
  return out;
}

const u32 = (b: Uint8Array, i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

export class H2FrameReader {
  private readonly input = new ByteQueue();
  /** Reading the client's side: it opens with the connection preface (§3.4). */
  private prefaceLeft: number;
  private readonly decoder = new HpackDecoder(2 ** 32 - 1);
  private block: Uint8Array[] = [];
  private failed = false;

  constructor(private readonly dir: "recv" | "send", private readonly emit: (e: Draft<H2FrameEvent>) => void) {
    this.prefaceLeft = dir === "recv" ? PREFACE_LENGTH : 0;
  }

  feed(bytes: Uint8Array): void {
    if (this.failed || bytes.length === 0) return;
    // The connection may reuse the bytes it wrote once they are sent: keep a copy.
    this.input.push(Uint8Array.prototype.slice.call(bytes)); // Uint8Array's slice copies; a Buffer's would not
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, this.input.length);
      this.input.take(n);
      this.prefaceLeft -= n;
      if (this.prefaceLeft > 0) return;
      this.emit({ proto: "h2", dir: this.dir, event: "preface" });
    }
    while (this.input.length >= FRAME_HEADER_LENGTH) {
      const length = (this.input.at(0) << 16) | (this.input.at(1) << 8) | this.input.at(2);
      if (this.input.length < FRAME_HEADER_LENGTH + length) return;
      const h = this.input.take(FRAME_HEADER_LENGTH);
      const payload = length ? this.input.take(length).slice() : new Uint8Array(0);
      try {
        this.emit(this.describe(h[3]!, h[4]!, u32(h, 5) & 0x7fffffff, payload));
      } catch (e) {
        this.failed = true;
        this.emit({ proto: "h2", dir: this.dir, event: "error", reason: `the trace cannot read on: ${(e as Error).message}` });
        return;
      }
    }
  }

  private describe(type: number, flags: number, stream: number, payload: Uint8Array): Draft<H2FrameEvent> {
    const e: Draft<H2FrameEvent> = {
      proto: "h2", dir: this.dir, event: "frame", type: TYPE_NAMES[type] ?? `UNKNOWN(0x${type.toString(16)})`,
      flags: flagNames(type, flags), stream, length: payload.length,
    };
    let p = payload;
    if ((type === FrameType.DATA || type === FrameType.HEADERS) && flags & Flag.PADDED && p.length > 0) {
      e.padLength = p[0]!;
      p = p.subarray(1, Math.max(1, p.length - p[0]!));
    }
    switch (type) {
      case FrameType.HEADERS:
        if (flags & Flag.PRIORITY) p = p.subarray(5);
        this.block = [p];
        if (flags & Flag.END_HEADERS) e.fields = this.fields();
        break;
      case FrameType.CONTINUATION:
        this.block.push(p);
        if (flags & Flag.END_HEADERS) e.fields = this.fields();
        break;
      case FrameType.SETTINGS: {
        const settings: Record<string, number> = {};
        for (let i = 0; i + 6 <= p.length; i += 6) {
          const id = (p[i]! << 8) | p[i + 1]!;
          settings[SETTING_NAMES[id] ?? `0x${id.toString(16)}`] = u32(p, i + 2);
        }
        if (!(flags & Flag.ACK)) e.settings = settings;
        break;
      }
      case FrameType.RST_STREAM:
        if (p.length >= 4) e.errorCode = errorName(u32(p, 0));
        break;
      case FrameType.GOAWAY:
        if (p.length >= 8) {
          e.lastStreamId = u32(p, 0) & 0x7fffffff;
          e.errorCode = errorName(u32(p, 4));
          if (p.length > 8) e.debug = latin1(p, 8, p.length);
        }
        break;
      case FrameType.WINDOW_UPDATE:
        if (p.length >= 4) e.increment = u32(p, 0) & 0x7fffffff;
        break;
      case FrameType.PING:
        e.opaque = hex(p);
        break;
    }
    return e;
  }

  /** The header block gathered so far, decoded. */
  private fields(): TracedField[] {
    const block = concatBytes(this.block);
    this.block = [];
    const reprs: Representation[] = [];
    const { fields } = this.decoder.decode(block, reprs);
    const out: TracedField[] = [];
    for (let i = 0; i < fields.length; i += 2) out.push({ name: fields[i]!, value: fields[i + 1]!, repr: reprs[i / 2] });
    return out;
  }
}
