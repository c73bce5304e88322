/**
 * An HTTP/2 server connection (RFC 9113), sans-I/O: `receive(bytes, now)` parses
 * frames and calls the handler; the API calls queue frames; `takeOutput()` gives
 * the bytes to send. Every error is a ConnectionError (GOAWAY, then close) or a
 * StreamError (RST_STREAM), with the code RFC 9113 assigns.
 */
import { copyBytes, latin1Bytes } from "../buffers/bytes.ts";
import { ByteQueue } from "../buffers/byte-queue.ts";
import type { WritePool } from "../buffers/pool.ts";
import { HpackDecoder } from "../hpack/decoder.ts";
import { HpackEncoder } from "../hpack/encoder.ts";
import { HpackError } from "../hpack/errors.ts";
import { ConnectionError, ErrorCode, StreamError } from "./errors.ts";
import { type RequestPseudo, checkRequestFields, checkTrailerFields } from "./fields.ts";
import { ReceiveWindow, SendWindow } from "./flow-control.ts";
import {
  CONNECTION_PREFACE, FRAME_HEADER_LENGTH, Flag, type Frame, FrameType, dataFrameHeader, frame, goawayFrame,
  headerFrames, readU32, rstStreamFrame, settingsFrame, windowUpdateFrame,
} from "./frames.ts";
import { DEFAULT_SETTINGS, MAX_WINDOW, SettingId, type Settings, applySetting, parseSettings } from "./settings.ts";
import { StreamInput, StreamState, transition } from "./stream-state.ts";

export interface H2Options {
  /** SETTINGS_MAX_CONCURRENT_STREAMS we advertise. Default 1000. */
  maxConcurrentStreams: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE we advertise: unread bytes a client may send per stream. Default 256 KiB. */
  initialWindowSize: number;
  /** Receive window of the whole connection. Default 1 MiB. */
  connectionWindowSize: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE we advertise; larger requests get 431. Default 64 KiB. */
  maxHeaderListSize: number;
  /**
   * Abuse bounds per 10 s window; past any of them: GOAWAY ENHANCE_YOUR_CALM. Resets
   * count the peer's RST_STREAM frames, the stream errors it provokes (each one a
   * RST_STREAM of ours) and header blocks it sends on closed streams.
   */
  maxResetsPer10s: number;
  maxControlFramesPer10s: number;
  maxEmptyFramesPer10s: number;
  /** Largest header block (HEADERS + CONTINUATION) accepted before ENHANCE_YOUR_CALM. */
  maxHeaderBlockBytes: number;
  /**
   * Zero-window streams: a peer that never opens its window keeps our queued data
   * forever. More than this many stalled streams at once, or one stalled longer
   * than `maxStallMs`, ends the connection with ENHANCE_YOUR_CALM.
   */
  maxStalledStreams: number;
  maxStallMs: number;
  /** Advertise SETTINGS_ENABLE_CONNECT_PROTOCOL and accept RFC 8441's extended CONNECT (WebSocket over HTTP/2). Default true. */
  enableConnectProtocol: boolean;
}

export const DEFAULT_H2_OPTIONS: H2Options = {
  maxConcurrentStreams: 1000,
  initialWindowSize: 256 * 1024,
  connectionWindowSize: 1024 * 1024,
  maxHeaderListSize: 64 * 1024,
  maxResetsPer10s: 1000,
  maxControlFramesPer10s: 2000,
  maxEmptyFramesPer10s: 1000,
  maxHeaderBlockBytes: 256 * 1024,
  maxStalledStreams: 100,
  maxStallMs: 60_000,
  enableConnectProtocol: true,
};

export interface H2Handler {
  onRequest(streamId: number, req: RequestPseudo, endStream: boolean): void;
  onData(streamId: number, data: Uint8Array, endStream: boolean): void;
  onTrailers(streamId: number, fields: string[]): void;
  /** The stream is gone (peer's RST_STREAM, or our stream error): abort its work. */
  onReset(streamId: number, code: number, byPeer: boolean): void;
  /** Send capacity opened for a stream whose outbox was full. */
  onWritable(streamId: number): void;
  /** The connection failed or finished; send what is queued, then close. */
  onClose(error: ConnectionError | null): void;
}

interface Stream {
  id: number;
  state: StreamState;
  send: SendWindow;
  recv: ReceiveWindow;
  /** Body bytes queued for DATA frames. */
  outbox: ByteQueue;
  endQueued: boolean;
  trailers: [string, string][] | null;
  /** The request headers have arrived (so HEADERS now means trailers). */
  headersReceived: boolean;
  contentLength: number;
  received: number;
  wantsWritable: boolean;
  /** When this stream last had data queued and no window to send it (0: not stalled). */
  stalledSince: number;
  /** The application reads no more of the request: once our side ends, RST_STREAM(NO_ERROR) (see stopReceiving). */
  stopAfterEnd: boolean;
}

/** How a stream closed (§5.1 "closed"): it decides what a frame that still arrives on it gets. */
const enum Closed {
  /** Both sides sent END_STREAM: WINDOW_UPDATE may still come a while; DATA and HEADERS are STREAM_CLOSED. */
  Ended,
  /** We sent RST_STREAM: what the peer sent before it reached them is ignored. */
  ResetByUs,
  /** The peer sent RST_STREAM: it sends nothing more, so any frame but PRIORITY is STREAM_CLOSED. */
  ResetByPeer,
}

interface ClosedStream {
  how: Closed;
  /** Our send window when it closed: a late WINDOW_UPDATE must not take it past 2^31-1 either (§6.9.1). */
  window: number;
}

/** Bytes queued per stream before sendData reports backpressure. */
export const STREAM_HIGH_WATER_MARK = 64 * 1024;
const RECENTLY_CLOSED = 1024;

class Counter {
  private count = 0;
  private since = 0;
  constructor(private readonly limit: number) {}
  /** Counts one event at `now`; true when the limit is passed. */
  hit(now: number): boolean {
    if (now - this.since > 10_000) {
      this.since = now;
      this.count = 0;
    }
    return ++this.count > this.limit;
  }
}

const PREFACE = latin1Bytes(CONNECTION_PREFACE);

export class H2ServerConnection {
  readonly options: H2Options;
  private readonly input = new ByteQueue();
  private out: Uint8Array[] = [];
  private readonly decoder: HpackDecoder;
  private readonly encoder = new HpackEncoder();
  private readonly remote: Settings = { ...DEFAULT_SETTINGS };
  private readonly streams = new Map<number, Stream>();
  /** Streams closed lately, each with how it closed (see Closed). */
  private readonly recentlyClosed = new Map<number, ClosedStream>();
  /** The same ids in the order they closed, a ring: the oldest is forgotten first, with no iterator to make. */
  private readonly closedOrder: number[] = [];
  private closedNext = 0;
  private readonly connSend = new SendWindow(65535);
  private readonly connRecv: ReceiveWindow;
  private prefaceSeen = false;
  private settingsSeen = false;
  private lastPeerStreamId = 0;
  /** A header block being continued: CONTINUATION must follow on this stream. */
  private continuation: { streamId: number; flags: number; parts: Uint8Array[]; bytes: number; frames: number; selfDependent: boolean } | null = null;
  private goawaySent = false;
  private goawayLastStreamId = 2 ** 31 - 1;
  closed = false;
  /** The transport is backed up: hold DATA until `resumeOutput()`. */
  outputPaused = false;
  private readonly resets: Counter;
  private readonly control: Counter;
  private readonly empty: Counter;
  private rr = 0;

  constructor(private readonly pool: WritePool, private readonly handler: H2Handler, options: Partial<H2Options> = {}) {
    this.options = { ...DEFAULT_H2_OPTIONS, ...options };
    this.decoder = new HpackDecoder(4096);
    this.connRecv = new ReceiveWindow(this.options.connectionWindowSize);
    this.resets = new Counter(this.options.maxResetsPer10s);
    this.control = new Counter(this.options.maxControlFramesPer10s);
    this.empty = new Counter(this.options.maxEmptyFramesPer10s);
    // §3.4: the server preface is a SETTINGS frame.
    this.out.push(settingsFrame(pool, [
      [SettingId.MAX_CONCURRENT_STREAMS, this.options.maxConcurrentStreams],
      [SettingId.INITIAL_WINDOW_SIZE, this.options.initialWindowSize],
      [SettingId.MAX_HEADER_LIST_SIZE, this.options.maxHeaderListSize],
      [SettingId.ENABLE_PUSH, 0],
      ...(this.options.enableConnectProtocol ? [[SettingId.ENABLE_CONNECT_PROTOCOL, 1] as [number, number]] : []),
    ]));
    if (this.options.connectionWindowSize > 65535)
      this.out.push(windowUpdateFrame(pool, 0, this.options.connectionWindowSize - 65535));
  }

  /**
   * RFC 7540 §3.2: after "Upgrade: h2c", the request is stream 1, half-closed
   * (remote), and HTTP2-Settings stands for the client's first SETTINGS.
   */
  acceptUpgrade(http2Settings: Uint8Array): void {
    for (const [id, v] of parseSettings(http2Settings)) this.applyRemoteSetting(id, v);
    this.lastPeerStreamId = 1;
    const s = this.newStream(1);
    s.state = StreamState.HalfClosedRemote;
    s.headersReceived = true;
  }

  // ---- input ----

  receive(bytes: Uint8Array, now: number): void {
    if (this.closed) return;
    this.input.push(bytes);
    try {
      if (!this.prefaceSeen) {
        const n = Math.min(this.input.length, PREFACE.length);
        for (let i = 0; i < n; i++)
          if (this.input.at(i) !== PREFACE[i]) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "invalid connection preface");
        if (this.input.length < PREFACE.length) return;
        this.input.take(PREFACE.length);
        this.prefaceSeen = true;
      }
      while (this.input.length >= FRAME_HEADER_LENGTH && !this.closed) {
        const length = (this.input.at(0) << 16) | (this.input.at(1) << 8) | this.input.at(2);
        // §4.2: a frame over our SETTINGS_MAX_FRAME_SIZE (16384) is a FRAME_SIZE_ERROR.
        if (length > 16384) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${length} bytes over SETTINGS_MAX_FRAME_SIZE`);
        if (this.input.length < FRAME_HEADER_LENGTH + length) break;
        const h = this.input.take(FRAME_HEADER_LENGTH);
        const f: Frame = {
          type: h[3]!,
          flags: h[4]!,
          streamId: readU32(h, 5) & 0x7fffffff, // §4.1: the reserved bit is ignored
          payload: length ? this.input.take(length) : new Uint8Array(0),
        };
        try {
          this.onFrame(f, now);
        } catch (e) {
          if (!(e instanceof StreamError)) throw e;
          // §5.1: what arrives on a stream we have reset is ignored, a malformed frame too:
          // it gets no second RST_STREAM (it is still counted below).
          if (this.recentlyClosed.get(e.streamId)?.how !== Closed.ResetByUs) this.resetStream(e.streamId, e.code);
          // Each stream error the peer provokes costs a RST_STREAM it may never read: they
          // share the rapid-reset bound with the resets it sends.
          if (this.resets.hit(now)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many stream errors");
        }
      }
    } catch (e) {
      if (e instanceof ConnectionError) this.fail(e);
      else if (e instanceof HpackError) this.fail(new ConnectionError(ErrorCode.COMPRESSION_ERROR, e.message));
      else throw e;
    }
    this.pump();
  }

  private onFrame(f: Frame, now: number): void {
    if (!this.settingsSeen) {
      // §3.4: the client preface ends with a SETTINGS frame, which must come first.
      if (f.type !== FrameType.SETTINGS || f.flags & Flag.ACK) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "first frame is not SETTINGS");
      this.settingsSeen = true;
    }
    // §6.10: nothing may come between HEADERS and its CONTINUATION frames.
    if (this.continuation && f.type !== FrameType.CONTINUATION)
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "expected CONTINUATION");
    switch (f.type) {
      case FrameType.DATA: return this.onData(f, now);
      case FrameType.HEADERS: return this.onHeaders(f, now);
      case FrameType.PRIORITY: return this.onPriority(f);
      case FrameType.RST_STREAM: return this.onRstStream(f, now);
      case FrameType.SETTINGS: return this.onSettings(f, now);
      case FrameType.PUSH_PROMISE: throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE from a client");
      case FrameType.PING: return this.onPing(f, now);
      case FrameType.GOAWAY: return this.onGoaway(f);
      case FrameType.WINDOW_UPDATE: return this.onWindowUpdate(f);
      case FrameType.CONTINUATION: return this.onContinuation(f, now);
      default: return; // §4.1: unknown frame types are ignored
    }
  }

  /** Removes padding (§6.1, §6.2); a pad length reaching past the payload is a PROTOCOL_ERROR. */
  private unpad(f: Frame): Uint8Array {
    let p = f.payload;
    if (!(f.flags & Flag.PADDED)) return p;
    if (p.length < 1) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PADDED frame without a pad length");
    const pad = p[0]!;
    if (pad >= p.length) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "padding exceeds the frame payload");
    return p.subarray(1, p.length - pad);
  }

  private onData(f: Frame, now: number): void {
    if (f.streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0");
    const data = this.unpad(f);
    const flowLength = f.payload.length;
    // §6.9: the whole payload, padding included, counts against both windows.
    if (!this.connRecv.receive(flowLength)) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the connection window");
    const s = this.streams.get(f.streamId);
    if (!s) {
      this.returnCredit(null, flowLength);
      // §5.1: after our RST_STREAM the peer may still have DATA in flight; it is ignored, as
      // is DATA on streams newer than our GOAWAY's last stream id (§6.8).
      if (this.recentlyClosed.get(f.streamId)?.how === Closed.ResetByUs || this.ignoredAfterGoaway(f.streamId)) {
        // Ignored, but not free: empty frames count toward the flood bound as on open streams.
        if (flowLength === 0 && !(f.flags & Flag.END_STREAM) && this.empty.hit(now))
          throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many empty DATA frames");
        return;
      }
      if (f.streamId > this.lastPeerStreamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on an idle stream");
      throw new StreamError(f.streamId, ErrorCode.STREAM_CLOSED, "DATA on a closed stream");
    }
    if (s.state !== StreamState.Open && s.state !== StreamState.HalfClosedLocal) {
      this.returnCredit(null, flowLength);
      throw new StreamError(f.streamId, ErrorCode.STREAM_CLOSED, "DATA after END_STREAM");
    }
    if (!s.recv.receive(flowLength)) throw new StreamError(f.streamId, ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the stream window");
    if (flowLength > data.length) this.consumed(f.streamId, flowLength - data.length); // padding is never read
    const end = (f.flags & Flag.END_STREAM) !== 0;
    if (data.length === 0 && !end && this.empty.hit(now)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many empty DATA frames");
    s.received += data.length;
    // §8.1.1: content-length must agree with the DATA received.
    if (s.contentLength >= 0 && (s.received > s.contentLength || (end && s.received !== s.contentLength)))
      throw new StreamError(f.streamId, ErrorCode.PROTOCOL_ERROR, "content-length does not match the DATA received");
    if (end) s.state = transition(s.state, StreamInput.RecvEndStream);
    this.handler.onData(f.streamId, data, end);
    if (s.state === StreamState.Closed) this.closeStream(s);
  }

  private onHeaders(f: Frame, now: number): void {
    if (f.streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0");
    let block = this.unpad(f);
    let selfDependent = false;
    if (f.flags & Flag.PRIORITY) {
      if (block.length < 5) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS too short for its priority fields");
      selfDependent = (readU32(block, 0) & 0x7fffffff) === f.streamId;
      block = block.subarray(5);
    }
    if (!(f.flags & Flag.END_HEADERS)) {
      this.continuation = { streamId: f.streamId, flags: f.flags, parts: [block], bytes: block.length, frames: 1, selfDependent };
      return;
    }
    this.onHeaderBlock(f.streamId, f.flags, block, selfDependent, now);
  }

  private onContinuation(f: Frame, now: number): void {
    const c = this.continuation;
    if (!c || c.streamId !== f.streamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "unexpected CONTINUATION");
    c.parts.push(f.payload);
    c.bytes += f.payload.length;
    c.frames++;
    // A CONTINUATION flood: a header block without end costs memory and CPU.
    if (c.bytes > this.options.maxHeaderBlockBytes || (c.frames > 64 && f.payload.length < 16))
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "header block too large or split into too many CONTINUATION frames");
    if (!(f.flags & Flag.END_HEADERS)) return;
    this.continuation = null;
    this.onHeaderBlock(c.streamId, c.flags, copyBytes(c.parts), c.selfDependent, now);
  }

  private onHeaderBlock(id: number, flags: number, block: Uint8Array, selfDependent: boolean, now: number): void {
    // Decode first, always: the HPACK context must stay in step even for refused streams.
    const decoded = this.decoder.decode(block);
    const end = (flags & Flag.END_STREAM) !== 0;
    const existing = this.streams.get(id);
    if (existing) {
      if (existing.state === StreamState.HalfClosedRemote || existing.state === StreamState.Closed)
        throw new StreamError(id, ErrorCode.STREAM_CLOSED, "HEADERS after END_STREAM");
      // A second HEADERS is the trailer section, and it must end the stream (§8.1).
      if (!end) throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "trailers without END_STREAM");
      const problem = checkTrailerFields(decoded.fields);
      if (problem) throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, problem);
      if (existing.contentLength >= 0 && existing.received !== existing.contentLength)
        throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "content-length does not match the DATA received");
      existing.state = transition(existing.state, StreamInput.RecvEndStream);
      this.handler.onTrailers(id, decoded.fields);
      if (existing.state === StreamState.Closed) this.closeStream(existing);
      return;
    }
    // §6.8: streams newer than our GOAWAY's last stream id are ignored, trailers included.
    if (this.ignoredAfterGoaway(id)) {
      this.lastPeerStreamId = Math.max(this.lastPeerStreamId, id);
      return this.ignoredBlock(now);
    }
    const closed = this.recentlyClosed.get(id);
    if (closed) {
      // §5.1: frames the peer sent before our RST_STREAM reached it are ignored (the block is decoded above).
      if (closed.how === Closed.ResetByUs) return this.ignoredBlock(now);
      throw new ConnectionError(ErrorCode.STREAM_CLOSED, `HEADERS on closed stream ${id}`);
    }
    // §5.1.1: client streams are odd and increase.
    if (id % 2 === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `client stream id ${id} is even`);
    if (id <= this.lastPeerStreamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `stream id ${id} is not above ${this.lastPeerStreamId}`);
    this.lastPeerStreamId = id;
    if (selfDependent) throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
    if (this.activeStreams() >= this.options.maxConcurrentStreams)
      throw new StreamError(id, ErrorCode.REFUSED_STREAM, "over SETTINGS_MAX_CONCURRENT_STREAMS");
    const req = checkRequestFields(decoded.fields, this.options.enableConnectProtocol);
    if (typeof req === "string") throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, `malformed request: ${req}`);
    const s = this.newStream(id);
    s.headersReceived = true;
    s.contentLength = req.contentLength;
    s.state = transition(StreamState.Idle, StreamInput.RecvHeaders);
    if (end) {
      if (req.contentLength > 0) throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "content-length does not match the DATA received");
      s.state = transition(s.state, StreamInput.RecvEndStream);
    }
    if (decoded.listSize > this.options.maxHeaderListSize) {
      // RFC 9113 §10.5.1: over SETTINGS_MAX_HEADER_LIST_SIZE: answer 431.
      this.respond(id, [[":status", "431"]], true);
      return;
    }
    this.handler.onRequest(id, req, end);
  }

  private onPriority(f: Frame): void {
    if (f.streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0");
    if (f.payload.length !== 5) throw new StreamError(f.streamId, ErrorCode.FRAME_SIZE_ERROR, "PRIORITY length is not 5");
    if ((readU32(f.payload, 0) & 0x7fffffff) === f.streamId) throw new StreamError(f.streamId, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
    // RFC 9113 §5.3.2: priority signals are accepted and ignored.
  }

  private onRstStream(f: Frame, now: number): void {
    if (f.streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0");
    if (f.payload.length !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM length is not 4");
    if (f.streamId > this.lastPeerStreamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on an idle stream");
    // Rapid reset (CVE-2023-44487): opening and cancelling streams costs us work and them nothing.
    if (this.resets.hit(now)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many stream resets");
    const s = this.streams.get(f.streamId);
    if (!s) {
      // Closed already (by both ends, or by our RST_STREAM crossing theirs): from now on the
      // peer has said it sends nothing more on it.
      const closed = this.recentlyClosed.get(f.streamId);
      if (closed) closed.how = Closed.ResetByPeer;
      return;
    }
    this.closeStream(s, Closed.ResetByPeer);
    this.handler.onReset(f.streamId, readU32(f.payload, 0), true);
  }

  private onSettings(f: Frame, now: number): void {
    if (f.streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    if (f.flags & Flag.ACK) {
      if (f.payload.length !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
      return;
    }
    if (this.control.hit(now)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "SETTINGS flood");
    for (const [id, v] of parseSettings(f.payload)) this.applyRemoteSetting(id, v);
    this.out.push(frame(this.pool, FrameType.SETTINGS, Flag.ACK, 0, null));
  }

  private applyRemoteSetting(id: number, v: number): void {
    if (id === SettingId.INITIAL_WINDOW_SIZE) {
      // §6.9.2: the change applies to every stream's send window, and may make it negative.
      const delta = v - this.remote.initialWindowSize;
      for (const s of this.streams.values())
        if (!s.send.grow(delta)) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE overflows a window");
    }
    if (id === SettingId.HEADER_TABLE_SIZE) this.encoder.setMaxTableSize(v);
    applySetting(this.remote, id, v);
  }

  private onPing(f: Frame, now: number): void {
    if (f.streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
    if (f.payload.length !== 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PING length is not 8");
    if (f.flags & Flag.ACK) return;
    if (this.control.hit(now)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "PING flood");
    this.out.push(frame(this.pool, FrameType.PING, Flag.ACK, 0, f.payload));
  }

  private onGoaway(f: Frame): void {
    if (f.streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
    if (f.payload.length < 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY shorter than 8 bytes");
    // The client will open no more streams; finish the open ones, then close.
    this.shutdown();
  }

  private onWindowUpdate(f: Frame): void {
    if (f.payload.length !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE length is not 4");
    const inc = readU32(f.payload, 0) & 0x7fffffff;
    if (f.streamId === 0) {
      if (inc === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE increment of 0");
      if (!this.connSend.grow(inc)) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window above 2^31-1");
      return;
    }
    if (f.streamId > this.lastPeerStreamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE on an idle stream");
    const s = this.streams.get(f.streamId);
    const closed = s ? undefined : this.recentlyClosed.get(f.streamId);
    // §5.1: after our RST_STREAM, frames the peer had in flight are ignored.
    if (closed?.how === Closed.ResetByUs) return;
    if (inc === 0) throw new StreamError(f.streamId, ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE increment of 0");
    if (s) {
      if (!s.send.grow(inc)) throw new StreamError(f.streamId, ErrorCode.FLOW_CONTROL_ERROR, "stream window above 2^31-1");
      return;
    }
    if (!closed) return;
    if (closed.how === Closed.ResetByPeer) throw new StreamError(f.streamId, ErrorCode.STREAM_CLOSED, "WINDOW_UPDATE after RST_STREAM");
    // §5.1: WINDOW_UPDATE may come a while after our END_STREAM, and §6.9.1 still holds for it.
    closed.window += inc;
    if (closed.window > MAX_WINDOW) throw new StreamError(f.streamId, ErrorCode.FLOW_CONTROL_ERROR, "stream window above 2^31-1");
  }

  // ---- streams ----

  private newStream(id: number): Stream {
    const s: Stream = {
      id, state: StreamState.Idle, send: new SendWindow(this.remote.initialWindowSize),
      recv: new ReceiveWindow(this.options.initialWindowSize), outbox: new ByteQueue(), endQueued: false,
      trailers: null, headersReceived: false, contentLength: -1, received: 0, wantsWritable: false, stalledSince: 0,
      stopAfterEnd: false,
    };
    this.streams.set(id, s);
    return s;
  }

  /**
   * A header block decoded for nothing (on a stream we reset, or past our GOAWAY): a
   * stream yields at most one such block legitimately, so they share the rapid-reset
   * bound, or a peer could make us decode blocks without end.
   */
  private ignoredBlock(now: number): void {
    if (this.resets.hit(now)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many header blocks on closed streams");
  }

  /** §6.8: after our GOAWAY, frames on streams above its last stream id are ignored. */
  private ignoredAfterGoaway(id: number): boolean {
    return this.goawaySent && id > this.goawayLastStreamId;
  }

  private activeStreams(): number {
    return this.streams.size;
  }

  private closeStream(s: Stream, how = Closed.Ended): void {
    s.state = StreamState.Closed;
    this.streams.delete(s.id);
    this.closedRecently(s.id, how, s.send.size);
    if (this.goawaySent && this.streams.size === 0) this.finish();
  }

  /** Remembers how a stream closed; a later stream error on it (the peer sent on a stream it knew closed) changes nothing. */
  private closedRecently(id: number, how: Closed, window: number): void {
    if (this.recentlyClosed.has(id)) return;
    this.recentlyClosed.set(id, { how, window });
    if (this.closedOrder.length < RECENTLY_CLOSED) this.closedOrder.push(id);
    else {
      this.recentlyClosed.delete(this.closedOrder[this.closedNext]!);
      this.closedOrder[this.closedNext] = id;
      this.closedNext = (this.closedNext + 1) % RECENTLY_CLOSED;
    }
  }

  /** §5.4.2: a stream error: RST_STREAM, and the application is told. */
  resetStream(id: number, code: number): void {
    if (this.closed) return;
    this.out.push(rstStreamFrame(this.pool, id, code));
    const s = this.streams.get(id);
    if (s) {
      this.closeStream(s, Closed.ResetByUs);
      this.handler.onReset(id, code, false);
    } else this.closedRecently(id, Closed.ResetByUs, 0);
  }

  /**
   * The application will read no more of this stream's request body (its response is
   * complete without it). RFC 9113 §8.1: once the response has ended, the client is
   * asked to stop sending with RST_STREAM(NO_ERROR); what is still in flight is ignored
   * and its credit returned. Nothing happens if the request has already ended.
   */
  stopReceiving(id: number): void {
    const s = this.streams.get(id);
    if (!s || s.state === StreamState.HalfClosedRemote || s.state === StreamState.Closed) return;
    if (s.state === StreamState.HalfClosedLocal) this.resetStream(id, ErrorCode.NO_ERROR);
    else s.stopAfterEnd = true;
  }

  // ---- output ----

  /** Sends a header section (response headers), ending the stream if asked. */
  respond(id: number, fields: [string, string][], endStream: boolean): void {
    const s = this.streams.get(id);
    if (!s || this.closed) return;
    const block = this.encoder.encode(fields);
    for (const b of headerFrames(this.pool, id, block, endStream, this.remote.maxFrameSize)) this.out.push(b);
    if (endStream) this.endSent(s);
  }

  /** Queues body bytes; false when the stream's queue is over its high-water mark (wait for onWritable). */
  sendData(id: number, data: Uint8Array, endStream: boolean): boolean {
    const s = this.streams.get(id);
    if (!s || this.closed) return true;
    s.outbox.push(data);
    if (endStream) s.endQueued = true;
    this.pump();
    if (s.outbox.length >= STREAM_HIGH_WATER_MARK) {
      s.wantsWritable = true;
      return false;
    }
    return true;
  }

  /** Ends the stream with a trailer section, after the queued data. */
  sendTrailers(id: number, fields: [string, string][]): void {
    const s = this.streams.get(id);
    if (!s) return;
    s.trailers = fields;
    s.endQueued = true;
    this.pump();
  }

  /** The application read n body bytes of a stream: give the credit back (§6.9.1). */
  consumed(id: number, n: number): void {
    this.returnCredit(this.streams.get(id) ?? null, n);
  }

  private returnCredit(s: Stream | null, n: number): void {
    if (this.closed || n === 0) return;
    const c = this.connRecv.consume(n);
    if (c) this.out.push(windowUpdateFrame(this.pool, 0, c));
    if (s && s.state !== StreamState.HalfClosedRemote && s.state !== StreamState.Closed) {
      const i = s.recv.consume(n);
      if (i) this.out.push(windowUpdateFrame(this.pool, s.id, i));
    }
  }

  private endSent(s: Stream): void {
    s.state = transition(s.state, StreamInput.SendEndStream);
    if (s.state === StreamState.Closed) this.closeStream(s);
    else if (s.stopAfterEnd) this.resetStream(s.id, ErrorCode.NO_ERROR);
  }

  /** Moves queued DATA into frames as the send windows allow, round-robin over streams. */
  pump(): void {
    if (this.closed || this.outputPaused) return;
    const maxFrame = this.remote.maxFrameSize;
    const writable: number[] = [];
    let progress = true;
    while (progress) {
      progress = false;
      const ids = [...this.streams.keys()];
      if (ids.length === 0) break;
      for (let k = 0; k < ids.length; k++) {
        const s = this.streams.get(ids[(this.rr + k) % ids.length]!);
        if (!s || (s.outbox.length === 0 && !s.endQueued)) continue;
        if (s.state !== StreamState.Open && s.state !== StreamState.HalfClosedRemote) continue;
        if (s.outbox.length > 0) {
          const n = Math.min(s.outbox.length, s.send.size, this.connSend.size, maxFrame);
          if (n <= 0) continue;
          const data = s.outbox.take(n);
          const last = s.outbox.length === 0 && s.endQueued && !s.trailers;
          this.out.push(dataFrameHeader(this.pool, s.id, n, last));
          this.out.push(data);
          s.send.size -= n;
          this.connSend.size -= n;
          progress = true;
          if (s.wantsWritable && s.outbox.length < STREAM_HIGH_WATER_MARK) {
            s.wantsWritable = false;
            writable.push(s.id);
          }
          if (last) this.endSent(s);
        } else if (s.endQueued) {
          if (s.trailers) {
            const block = this.encoder.encode(s.trailers);
            for (const b of headerFrames(this.pool, s.id, block, true, maxFrame)) this.out.push(b);
          } else this.out.push(dataFrameHeader(this.pool, s.id, 0, true));
          s.endQueued = false;
          this.endSent(s);
          progress = true;
        }
      }
      this.rr++;
      if (this.outBytes() > 256 * 1024) break; // let the transport take what we have
    }
    for (const id of writable) this.handler.onWritable(id);
  }

  private outBytes(): number {
    let n = 0;
    for (const b of this.out) n += b.length;
    return n;
  }

  /**
   * Time passes here (the facade calls it about once a second): zero-window
   * streams are counted and, past the bounds, the connection is cut off.
   */
  tick(now: number): void {
    if (this.closed) return;
    let stalled = 0;
    let oldest = now;
    for (const s of this.streams.values()) {
      const blocked = s.outbox.length > 0 && (s.send.size <= 0 || this.connSend.size <= 0);
      if (!blocked) {
        s.stalledSince = 0;
        continue;
      }
      if (s.stalledSince === 0) s.stalledSince = now;
      stalled++;
      oldest = Math.min(oldest, s.stalledSince);
    }
    if (stalled > this.options.maxStalledStreams)
      this.fail(new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `${stalled} streams stalled on a zero window`));
    else if (stalled > 0 && now - oldest > this.options.maxStallMs)
      this.fail(new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "a stream stalled on a zero window for too long"));
  }

  takeOutput(): Uint8Array[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  resumeOutput(): void {
    this.outputPaused = false;
    this.pump();
  }

  /** Graceful close (§6.8): GOAWAY with the last stream we will process; close once those finish. */
  shutdown(): void {
    if (this.closed) return;
    if (!this.goawaySent) {
      this.goawaySent = true;
      this.goawayLastStreamId = this.lastPeerStreamId;
      this.out.push(goawayFrame(this.pool, this.lastPeerStreamId, ErrorCode.NO_ERROR, ""));
    }
    if (this.streams.size === 0) this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler.onClose(null);
  }

  /** §5.4.1: a connection error: GOAWAY with the code, then close. */
  fail(e: ConnectionError): void {
    if (this.closed) return;
    this.out.push(goawayFrame(this.pool, this.lastPeerStreamId, e.code, e.reason));
    this.closed = true;
    for (const id of [...this.streams.keys()]) this.handler.onReset(id, e.code, false);
    this.streams.clear();
    this.handler.onClose(e);
  }
}
