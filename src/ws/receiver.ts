/**
 * The WebSocket frame receiver (RFC 6455 §5), sans-I/O: a loop over a few named
 * states consuming from a queue of received chunks. A frame payload that lies within one
 * chunk is handed out as a view (unmasked in place: received bytes belong to us);
 * only a payload split across chunks, or a fragmented message, is copied.
 */
import { ByteQueue } from "../buffers/byte-queue.ts";
import { EMPTY, copyBytes } from "../buffers/bytes.ts";
import { WsError } from "./errors.ts";
import { Opcode, isControl, isKnownOpcode, isValidCloseCode } from "./frame.ts";
import { InflateError, type Inflater } from "./deflate.ts";
import { maskWith } from "./mask.ts";
import { Utf8Validator, isValidUtf8 } from "./utf8.ts";

export type WsEvent =
  | { type: "message"; binary: boolean; data: Uint8Array }
  | { type: "ping"; data: Uint8Array }
  | { type: "pong"; data: Uint8Array }
  /** code 1005 when the Close frame had no code (§7.1.5). */
  | { type: "close"; code: number; reason: string }
  | { type: "error"; error: WsError };

export interface WsLimits {
  /** Largest message (all fragments) accepted; 1009 past it. Default 64 MiB. */
  maxMessageSize: number;
  /** Largest single frame payload accepted; 1009 past it. Default 64 MiB. */
  maxFrameSize: number;
}

export const DEFAULT_WS_LIMITS: WsLimits = { maxMessageSize: 64 * 1024 * 1024, maxFrameSize: 64 * 1024 * 1024 };

/** Limits with the defaults filled in: one object for every receiver that takes the defaults or sets them all. */
export function wsLimits(limits: Partial<WsLimits>): WsLimits {
  const whole = limits.maxMessageSize !== undefined && limits.maxFrameSize !== undefined;
  return whole ? (limits as WsLimits) : Object.keys(limits).length === 0 ? DEFAULT_WS_LIMITS : { ...DEFAULT_WS_LIMITS, ...limits };
}

const enum State {
  Header,
  Length16,
  Length64,
  MaskKey,
  Payload,
  Closed,
}

// ignoreBOM: a leading U+FEFF is the application's data, kept as sent (WebSocket's "UTF-8 decode without BOM").
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** What fragments holds between fragmented messages: an idle receiver keeps no array. Never written. */
const NO_FRAGMENTS: Uint8Array[] = [];

export class Receiver {
  private readonly input = new ByteQueue();
  private state = State.Header;
  private fin = false;
  private opcode = 0;
  private masked = false;
  private length = 0;
  /** The frame's masking key as maskWith() takes it. */
  private key = 0;
  /** The data message being assembled from fragments; a fresh array from its first fragment. */
  private fragments: Uint8Array[] = NO_FRAGMENTS;
  private fragmentsLength = 0;
  private messageOpcode = -1;
  private readonly utf8 = new Utf8Validator();
  readonly limits: WsLimits;
  /** permessage-deflate was negotiated (RFC 7692): RSV1 on a message's first frame means compressed. */
  private inflater: Inflater | null = null;
  /** The message being assembled is compressed: its UTF-8 is checked once inflated. */
  private compressed = false;

  /** `role` is ours: a server requires masked frames, a client refuses them (§5.1). */
  constructor(readonly role: "server" | "client", limits: Partial<WsLimits> = {}) {
    this.limits = wsLimits(limits);
  }

  /**
   * Between messages with nothing unread: every field that outlives a frame is as the
   * constructor left it (the UTF-8 validator is reset at each text message's end), so
   * a new receiver would go on the same. A session lets an idle socket keep none.
   */
  get atRest(): boolean {
    return this.state === State.Header && this.input.length === 0 && this.messageOpcode === -1 && this.fragments === NO_FRAGMENTS;
  }

  /** RFC 7692: from now on, messages may come compressed (RSV1), inflated with this. */
  acceptCompression(inflater: Inflater): void {
    this.inflater = inflater;
  }

  feed(chunk: Uint8Array): void {
    if (this.state === State.Closed) return;
    this.input.push(chunk);
  }

  next(): WsEvent | null {
    for (;;) {
      switch (this.state) {
        case State.Header: {
          if (this.input.length < 2) return null;
          const b0 = this.input.at(0), b1 = this.input.at(1);
          this.input.skip(2);
          this.fin = (b0 & 0x80) !== 0;
          // §5.2: RSV1-3 MUST be 0 unless an extension defines them; permessage-deflate defines RSV1
          // (RFC 7692 §6): set on the first frame of a compressed data message, nowhere else.
          if (b0 & 0x30) return this.fail(1002, "WS_ERR_UNEXPECTED_RSV", "RSV2 or RSV3 set without a negotiated extension");
          this.opcode = b0 & 0x0f;
          if (b0 & 0x40) {
            if (!this.inflater) return this.fail(1002, "WS_ERR_UNEXPECTED_RSV", "RSV1 set without a negotiated extension");
            if (isControl(this.opcode) || this.opcode === Opcode.Continuation) {
              return this.fail(1002, "WS_ERR_UNEXPECTED_RSV", "RSV1 set on a control or continuation frame");
            }
          }
          if (!isKnownOpcode(this.opcode)) return this.fail(1002, "WS_ERR_INVALID_OPCODE", `reserved opcode 0x${this.opcode.toString(16)}`);
          this.masked = (b1 & 0x80) !== 0;
          if (this.role === "server" && !this.masked) return this.fail(1002, "WS_ERR_EXPECTED_MASK", "client frame not masked");
          if (this.role === "client" && this.masked) return this.fail(1002, "WS_ERR_UNEXPECTED_MASK", "server frame masked");
          this.length = b1 & 0x7f;
          if (isControl(this.opcode)) {
            // §5.5: control frames are never fragmented and carry at most 125 bytes.
            if (!this.fin) return this.fail(1002, "WS_ERR_FRAGMENTED_CONTROL", "fragmented control frame");
            if (this.length > 125) return this.fail(1002, "WS_ERR_CONTROL_TOO_LONG", "control frame payload over 125 bytes");
          } else if (this.opcode === Opcode.Continuation) {
            if (this.messageOpcode < 0) return this.fail(1002, "WS_ERR_UNEXPECTED_CONTINUATION", "continuation frame without a message to continue");
          } else if (this.messageOpcode >= 0) {
            return this.fail(1002, "WS_ERR_EXPECTED_CONTINUATION", "new data frame inside a fragmented message");
          } else this.compressed = (b0 & 0x40) !== 0;
          if (this.length === 126) this.state = State.Length16;
          else if (this.length === 127) this.state = State.Length64;
          else {
            const e = this.lengthKnown(this.length);
            if (e) return e;
          }
          break;
        }
        case State.Length16: {
          if (this.input.length < 2) return null;
          const length = (this.input.at(0) << 8) | this.input.at(1);
          this.input.skip(2);
          const e = this.lengthKnown(length);
          if (e) return e;
          break;
        }
        case State.Length64: {
          if (this.input.length < 8) return null;
          const q = this.input;
          // §5.2: the most significant bit MUST be 0.
          if (q.at(0) & 0x80) return this.fail(1002, "WS_ERR_INVALID_LENGTH", "64-bit payload length with the high bit set");
          const hi = ((q.at(0) << 24) | (q.at(1) << 16) | (q.at(2) << 8) | q.at(3)) >>> 0;
          const lo = ((q.at(4) << 24) | (q.at(5) << 16) | (q.at(6) << 8) | q.at(7)) >>> 0;
          q.skip(8);
          const e = this.lengthKnown(hi * 2 ** 32 + lo);
          if (e) return e;
          break;
        }
        case State.MaskKey: {
          if (this.masked) {
            if (this.input.length < 4) return null;
            const q = this.input;
            this.key = (q.at(0) | (q.at(1) << 8) | (q.at(2) << 16) | (q.at(3) << 24)) >>> 0;
            this.input.skip(4);
          }
          this.validated = 0;
          this.state = State.Payload;
          break;
        }
        case State.Payload: {
          if (this.input.length < this.length) {
            // §8.1 fail fast: check a text payload's bytes as they arrive, not only when the frame is whole.
            if (this.isText() && this.input.length > this.validated && !this.validatePartial())
              return this.fail(1007, "WS_ERR_INVALID_UTF8", "text message is not valid UTF-8");
            return null;
          }
          const data = this.length === 0 ? EMPTY : this.input.take(this.length);
          if (this.masked && data.length) maskWith(data, 0, data.length, this.key);
          this.state = State.Header;
          const ev = this.frame(data);
          if (ev) return ev;
          break;
        }
        case State.Closed:
          return null;
      }
    }
  }

  /** Bytes of the current frame's payload already fed to the UTF-8 validator. */
  private validated = 0;

  /** Text whose UTF-8 can be checked as it arrives (a compressed message is checked once inflated). */
  private isText(): boolean {
    if (this.compressed) return false;
    return this.opcode === Opcode.Text || (this.opcode === Opcode.Continuation && this.messageOpcode === Opcode.Text);
  }

  /** Validates the payload bytes received so far, unmasking a copy (the queued bytes stay as they are). */
  private validatePartial(): boolean {
    const end = Math.min(this.input.length, this.length);
    const part = this.input.copy(this.validated, end);
    if (this.masked) maskWith(part, 0, part.length, this.key, this.validated);
    this.validated = end;
    return this.utf8.push(part);
  }

  /**
   * The payload length is known (§5.2): next comes the masking key. An over-limit frame
   * or message is refused here, before its payload is buffered (§10.4, 1009).
   */
  private lengthKnown(length: number): WsEvent | null {
    this.length = length;
    this.state = State.MaskKey;
    if (this.length > this.limits.maxFrameSize) return this.fail(1009, "WS_ERR_FRAME_TOO_BIG", `frame of ${this.length} bytes is over the limit`);
    if (!isControl(this.opcode) && this.fragmentsLength + this.length > this.limits.maxMessageSize)
      return this.fail(1009, "WS_ERR_MESSAGE_TOO_BIG", "message over the size limit");
    return null;
  }

  private frame(data: Uint8Array): WsEvent | null {
    switch (this.opcode) {
      case Opcode.Ping:
        return { type: "ping", data };
      case Opcode.Pong:
        return { type: "pong", data };
      case Opcode.Close:
        return this.closeFrame(data);
    }
    if (this.opcode !== Opcode.Continuation) this.messageOpcode = this.opcode;
    // §8.1: text must be UTF-8; check as fragments arrive, to fail fast (the first
    // `validated` bytes were checked while the frame was still arriving).
    if (this.messageOpcode === Opcode.Text && !this.compressed && !this.utf8.push(data, this.validated))
      return this.fail(1007, "WS_ERR_INVALID_UTF8", "text message is not valid UTF-8");
    if (!this.fin) {
      // Views of received bytes stay valid: the transport never reuses them.
      if (data.length) {
        if (this.fragments === NO_FRAGMENTS) this.fragments = [];
        this.fragments.push(data);
      }
      this.fragmentsLength += data.length;
      return null;
    }
    let message = data;
    if (this.fragments.length) {
      this.fragments.push(data);
      message = copyBytes(this.fragments);
    }
    const binary = this.messageOpcode === Opcode.Binary;
    this.fragments = NO_FRAGMENTS;
    this.fragmentsLength = 0;
    this.messageOpcode = -1;
    if (this.compressed) {
      this.compressed = false;
      try {
        // The limit holds for what the message inflates to: no bomb is ever inflated whole.
        message = this.inflater!.inflate(message, this.limits.maxMessageSize);
      } catch (e) {
        if (e instanceof InflateError && e.tooBig) return this.fail(1009, "WS_ERR_MESSAGE_TOO_BIG", "message inflates past the size limit");
        return this.fail(1007, "WS_ERR_INVALID_COMPRESSION", `compressed message does not inflate: ${(e as Error).message}`);
      }
      if (!binary && !isValidUtf8(message)) return this.fail(1007, "WS_ERR_INVALID_UTF8", "text message is not valid UTF-8");
      return { type: "message", binary, data: message };
    }
    if (!binary) {
      const complete = this.utf8.complete;
      this.utf8.reset();
      if (!complete) return this.fail(1007, "WS_ERR_INVALID_UTF8", "text message ends inside a UTF-8 sequence");
    }
    return { type: "message", binary, data: message };
  }

  private closeFrame(data: Uint8Array): WsEvent {
    this.state = State.Closed;
    if (data.length === 0) return { type: "close", code: 1005, reason: "" };
    if (data.length === 1) return this.fail(1002, "WS_ERR_INVALID_CLOSE_PAYLOAD", "close payload of one byte");
    const code = (data[0]! << 8) | data[1]!;
    if (!isValidCloseCode(code)) return this.fail(1002, "WS_ERR_INVALID_CLOSE_CODE", `invalid close code ${code}`);
    const r = data.subarray(2);
    if (!isValidUtf8(r)) return this.fail(1007, "WS_ERR_INVALID_UTF8", "close reason is not valid UTF-8");
    return { type: "close", code, reason: r.length ? decoder.decode(r) : "" };
  }

  private fail(closeCode: WsError["closeCode"], code: string, message: string): WsEvent {
    this.state = State.Closed;
    this.input.clear();
    return { type: "error", error: new WsError(closeCode, code, message) };
  }
}

