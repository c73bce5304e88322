/**
 * An HTTP/2 server connection (RFC 9113), sans-I/O: `receive(bytes, now)` parses
 * frames and calls the handler; the API calls queue frames; `takeOutput()` gives
 * the bytes to send, a batch at a time (`refill()` makes the next). Every error
 * is a ConnectionError (GOAWAY, then close) or a StreamError (RST_STREAM), with the
 * code RFC 9113 assigns.
 */
import { copyBytes, latin1Bytes } from "../buffers/bytes.ts";
import { ByteQueue } from "../buffers/byte-queue.ts";
import type { WritePool } from "../buffers/pool.ts";
import { HpackDecoder } from "../hpack/decoder.ts";
import { HpackError } from "../hpack/errors.ts";
import { ConnectionError, ErrorCode, StreamError } from "./errors.ts";
import { checkRequestFields, checkTrailerFields } from "./fields.ts";
import { type ParsedFrame, parseFrame } from "./frame-types.ts";
import { CONNECTION_PREFACE, FRAME_HEADER_LENGTH, Flag, FrameType, frame, readU32 } from "./frames.ts";
import type { H2Options } from "./options.ts";
import { RateBound } from "./policing.ts";
import { H2Sender, type H2Handler } from "./send.ts";
import { MAX_WINDOW, parseSettings } from "./settings.ts";
import { StreamInput, StreamState } from "./stream-state.ts";
import { Closed, advance, peerSending } from "./streams.ts";

export { DEFAULT_H2_OPTIONS, type H2Options } from "./options.ts";
export { STREAM_HIGH_WATER_MARK } from "./scheduler.ts";
export type { H2Handler } from "./send.ts";

const PREFACE = latin1Bytes(CONNECTION_PREFACE);

export class H2ServerConnection extends H2Sender {
  private readonly input = new ByteQueue();
  private readonly decoder = new HpackDecoder(4096);
  private prefaceSeen = false;
  private settingsSeen = false;
  /** A header block being continued: CONTINUATION must follow on this stream. */
  private continuation: { streamId: number; flags: number; parts: Uint8Array[]; bytes: number; frames: number; selfDependent: boolean } | null = null;
  /** The peer's resets, the stream errors it provokes and the header blocks it sends on closed streams (rapid reset). */
  private readonly resets: RateBound;
  private readonly control: RateBound;
  private readonly empty: RateBound;

  constructor(pool: WritePool, handler: H2Handler, options: Partial<H2Options> = {}) {
    super(pool, handler, options);
    this.resets = new RateBound(this.options.maxResetsPer10s);
    this.control = new RateBound(this.options.maxControlFramesPer10s);
    this.empty = new RateBound(this.options.maxEmptyFramesPer10s);
  }

  /**
   * RFC 7540 §3.2: after "Upgrade: h2c", the request is stream 1, half-closed
   * (remote), and HTTP2-Settings stands for the client's first SETTINGS.
   */
  acceptUpgrade(http2Settings: Uint8Array): void {
    for (const [id, v] of parseSettings(http2Settings)) this.applyRemoteSetting(id, v);
    this.lastPeerStreamId = 1;
    const s = this.newStream(1);
    advance(s, StreamInput.RecvHeaders);
    advance(s, StreamInput.RecvEndStream);
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
        const type = h[3]!;
        const flags = h[4]!;
        const streamId = readU32(h, 5) & 0x7fffffff; // §4.1: the reserved bit is ignored
        const payload = length ? this.input.take(length) : new Uint8Array(0);
        try {
          this.inSequence(type, flags);
          const f = parseFrame({ type, flags, streamId, payload });
          if (f) this.onFrame(f, now);
        } catch (e) {
          if (!(e instanceof StreamError)) throw e;
          // §5.1: what arrives on a stream we have reset is ignored, a malformed frame too:
          // it gets no second RST_STREAM (it is still counted below).
          if (this.streams.closedAs(e.streamId)?.how !== Closed.ResetByUs) this.resetStream(e.streamId, e.code);
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

  /** What must come first and what must come next, whatever a frame says (§3.4, §6.10). */
  private inSequence(type: number, flags: number): void {
    if (!this.settingsSeen) {
      // §3.4: the client preface ends with a SETTINGS frame, which must come first.
      if (type !== FrameType.SETTINGS || flags & Flag.ACK) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "first frame is not SETTINGS");
      this.settingsSeen = true;
    }
    // §6.10: nothing may come between HEADERS and its CONTINUATION frames.
    if (this.continuation && type !== FrameType.CONTINUATION)
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "expected CONTINUATION");
  }

  private onFrame(f: ParsedFrame, now: number): void {
    switch (f.type) {
      case FrameType.DATA: return this.onData(f, now);
      case FrameType.HEADERS:
        if (!f.endHeaders) {
          this.continuation = { streamId: f.streamId, flags: f.flags, parts: [f.block], bytes: f.block.length, frames: 1, selfDependent: f.selfDependent };
          return;
        }
        return this.onHeaderBlock(f.streamId, f.flags, f.block, f.selfDependent, now);
      case FrameType.PRIORITY: return; // RFC 9113 §5.3.2: priority signals are accepted and ignored
      case FrameType.RST_STREAM: return this.onRstStream(f, now);
      case FrameType.SETTINGS: return this.onSettings(f, now);
      case FrameType.PING:
        if (f.ack) return;
        if (this.control.hit(now)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "PING flood");
        this.out.push(frame(this.pool, FrameType.PING, Flag.ACK, 0, f.payload));
        return;
      case FrameType.GOAWAY: return this.shutdown(); // the client opens no more streams: finish the open ones, then close
      case FrameType.WINDOW_UPDATE: return this.onWindowUpdate(f);
      case FrameType.CONTINUATION: return this.onContinuation(f, now);
    }
  }

  private onData(f: Extract<ParsedFrame, { type: typeof FrameType.DATA }>, now: number): void {
    const { streamId: id, data, flowLength, end } = f;
    // §6.9: the whole payload, padding included, counts against both windows.
    if (!this.connRecv.receive(flowLength)) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the connection window");
    const s = this.streams.get(id);
    if (!s) {
      this.returnCredit(null, flowLength);
      // §5.1: after our RST_STREAM the peer may still have DATA in flight; it is ignored, as
      // is DATA on streams newer than our GOAWAY's last stream id (§6.8).
      if (this.streams.closedAs(id)?.how === Closed.ResetByUs || this.ignoredAfterGoaway(id)) {
        // Ignored, but not free: empty frames count toward the flood bound as on open streams.
        if (flowLength === 0 && !end && this.empty.hit(now)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many empty DATA frames");
        return;
      }
      if (id > this.lastPeerStreamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on an idle stream");
      throw new StreamError(id, ErrorCode.STREAM_CLOSED, "DATA on a closed stream");
    }
    if (!peerSending(s)) {
      this.returnCredit(null, flowLength);
      throw new StreamError(id, ErrorCode.STREAM_CLOSED, "DATA after END_STREAM");
    }
    if (!s.recv.receive(flowLength)) throw new StreamError(id, ErrorCode.FLOW_CONTROL_ERROR, "DATA beyond the stream window");
    if (flowLength > data.length) this.consumed(id, flowLength - data.length); // padding is never read
    if (data.length === 0 && !end && this.empty.hit(now)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many empty DATA frames");
    s.received += data.length;
    // §8.1.1: content-length must agree with the DATA received.
    if (s.contentLength >= 0 && (s.received > s.contentLength || (end && s.received !== s.contentLength)))
      throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "content-length does not match the DATA received");
    if (end) advance(s, StreamInput.RecvEndStream);
    this.handler.onData(id, data, end);
    if (s.state === StreamState.Closed) this.closeStream(s);
  }

  private onContinuation(f: Extract<ParsedFrame, { type: typeof FrameType.CONTINUATION }>, now: number): void {
    const c = this.continuation;
    if (!c || c.streamId !== f.streamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "unexpected CONTINUATION");
    c.parts.push(f.fragment);
    c.bytes += f.fragment.length;
    c.frames++;
    // A CONTINUATION flood: a header block without end costs memory and CPU.
    if (c.bytes > this.options.maxHeaderBlockBytes || (c.frames > 64 && f.fragment.length < 16))
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "header block too large or split into too many CONTINUATION frames");
    if (!f.endHeaders) return;
    this.continuation = null;
    this.onHeaderBlock(c.streamId, c.flags, copyBytes(c.parts), c.selfDependent, now);
  }

  private onHeaderBlock(id: number, flags: number, block: Uint8Array, selfDependent: boolean, now: number): void {
    // Decode first, always: the HPACK context must stay in step even for refused streams.
    const decoded = this.decoder.decode(block);
    const end = (flags & Flag.END_STREAM) !== 0;
    const existing = this.streams.get(id);
    if (existing) {
      if (!peerSending(existing)) throw new StreamError(id, ErrorCode.STREAM_CLOSED, "HEADERS after END_STREAM");
      // A second HEADERS is the trailer section, and it must end the stream (§8.1).
      if (!end) throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "trailers without END_STREAM");
      const problem = checkTrailerFields(decoded.fields);
      if (problem) throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, problem);
      if (existing.contentLength >= 0 && existing.received !== existing.contentLength)
        throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "content-length does not match the DATA received");
      advance(existing, StreamInput.RecvEndStream);
      this.handler.onTrailers(id, decoded.fields);
      if (existing.state === StreamState.Closed) this.closeStream(existing);
      return;
    }
    // §6.8: streams newer than our GOAWAY's last stream id are ignored, trailers included.
    if (this.ignoredAfterGoaway(id)) {
      this.lastPeerStreamId = Math.max(this.lastPeerStreamId, id);
      return this.ignoredBlock(now);
    }
    const closed = this.streams.closedAs(id);
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
    if (this.streams.size >= this.options.maxConcurrentStreams)
      throw new StreamError(id, ErrorCode.REFUSED_STREAM, "over SETTINGS_MAX_CONCURRENT_STREAMS");
    const req = checkRequestFields(decoded.fields, this.options.enableConnectProtocol);
    if (typeof req === "string") throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, `malformed request: ${req}`);
    const s = this.newStream(id);
    s.headersReceived = true;
    s.contentLength = req.contentLength;
    advance(s, StreamInput.RecvHeaders);
    if (end) {
      if (req.contentLength > 0) throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "content-length does not match the DATA received");
      advance(s, StreamInput.RecvEndStream);
    }
    if (decoded.listSize > this.options.maxHeaderListSize) {
      // RFC 9113 §10.5.1: over SETTINGS_MAX_HEADER_LIST_SIZE: answer 431.
      this.respond(id, [[":status", "431"]], true);
      return;
    }
    this.handler.onRequest(id, req, end);
  }

  private onRstStream(f: Extract<ParsedFrame, { type: typeof FrameType.RST_STREAM }>, now: number): void {
    if (f.streamId > this.lastPeerStreamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on an idle stream");
    // Rapid reset (CVE-2023-44487): opening and cancelling streams costs us work and them nothing.
    if (this.resets.hit(now)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many stream resets");
    const s = this.streams.get(f.streamId);
    if (!s) {
      // Closed already (by both ends, or by our RST_STREAM crossing theirs): from now on the
      // peer has said it sends nothing more on it.
      const closed = this.streams.closedAs(f.streamId);
      if (closed) closed.how = Closed.ResetByPeer;
      return;
    }
    this.closeStream(s, Closed.ResetByPeer);
    this.handler.onReset(f.streamId, f.code, true);
  }

  private onSettings(f: Extract<ParsedFrame, { type: typeof FrameType.SETTINGS }>, now: number): void {
    if (f.ack) return;
    if (this.control.hit(now)) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "SETTINGS flood");
    for (const [id, v] of f.settings) this.applyRemoteSetting(id, v);
    this.out.push(frame(this.pool, FrameType.SETTINGS, Flag.ACK, 0, null));
  }

  private onWindowUpdate(f: Extract<ParsedFrame, { type: typeof FrameType.WINDOW_UPDATE }>): void {
    const { streamId: id, increment: inc } = f;
    if (id === 0) {
      if (inc === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE increment of 0");
      if (!this.connSend.grow(inc)) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window above 2^31-1");
      return;
    }
    if (id > this.lastPeerStreamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE on an idle stream");
    const s = this.streams.get(id);
    const closed = s ? undefined : this.streams.closedAs(id);
    // §5.1: after our RST_STREAM, frames the peer had in flight are ignored.
    if (closed?.how === Closed.ResetByUs) return;
    if (inc === 0) throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE increment of 0");
    if (s) {
      if (!s.send.grow(inc)) throw new StreamError(id, ErrorCode.FLOW_CONTROL_ERROR, "stream window above 2^31-1");
      return;
    }
    if (!closed) return;
    if (closed.how === Closed.ResetByPeer) throw new StreamError(id, ErrorCode.STREAM_CLOSED, "WINDOW_UPDATE after RST_STREAM");
    // §5.1: WINDOW_UPDATE may come a while after our END_STREAM, and §6.9.1 still holds for it.
    closed.window += inc;
    if (closed.window > MAX_WINDOW) throw new StreamError(id, ErrorCode.FLOW_CONTROL_ERROR, "stream window above 2^31-1");
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
}
