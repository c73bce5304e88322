/**
 * The sending half of an HTTP/2 connection, and the streams both halves share: response
 * HEADERS, DATA through the scheduler as the windows allow, trailers, WINDOW_UPDATE as
 * the application reads, RST_STREAM, GOAWAY. connection.ts adds the receiving half.
 */
import type { WritePool } from "../buffers/pool.ts";
import { HpackEncoder } from "../hpack/encoder.ts";
import { ConnectionError, ErrorCode } from "./errors.ts";
import type { RequestPseudo } from "./fields.ts";
import { ReceiveWindow, SendWindow } from "./flow-control.ts";
import { dataFrameHeader, goawayFrame, headerFrames, rstStreamFrame, settingsFrame, windowUpdateFrame } from "./frames.ts";
import { DEFAULT_H2_OPTIONS, type H2Options } from "./options.ts";
import { stallCheck } from "./policing.ts";
import { DataScheduler, type FrameSink, STREAM_HIGH_WATER_MARK } from "./scheduler.ts";
import { DEFAULT_SETTINGS, SettingId, type Settings, applySetting } from "./settings.ts";
import { StreamInput, StreamState } from "./stream-state.ts";
import { Closed, type Stream, StreamTable, advance, peerSending } from "./streams.ts";

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

export abstract class H2Sender {
  readonly options: H2Options;
  protected out: Uint8Array[] = [];
  private readonly encoder = new HpackEncoder();
  protected readonly remote: Settings = { ...DEFAULT_SETTINGS };
  protected readonly streams = new StreamTable();
  private readonly scheduler = new DataScheduler();
  protected readonly connSend = new SendWindow(65535);
  protected readonly connRecv: ReceiveWindow;
  protected lastPeerStreamId = 0;
  protected goawaySent = false;
  protected goawayLastStreamId = 2 ** 31 - 1;
  closed = false;
  /** The transport is backed up: hold DATA until `resumeOutput()`. */
  outputPaused = false;
  /** Where the scheduler's frames go. */
  private readonly sink: FrameSink = {
    data: (s, data, last) => {
      this.out.push(dataFrameHeader(this.pool, s.id, data.length, last));
      this.out.push(data);
      if (last) this.endSent(s);
    },
    end: (s) => {
      if (s.trailers) this.headerFrames(s.id, s.trailers, true);
      else this.out.push(dataFrameHeader(this.pool, s.id, 0, true));
      this.endSent(s);
    },
    queuedBytes: () => {
      let n = 0;
      for (const b of this.out) n += b.length;
      return n;
    },
  };

  constructor(protected readonly pool: WritePool, protected readonly handler: H2Handler, options: Partial<H2Options>) {
    this.options = { ...DEFAULT_H2_OPTIONS, ...options };
    this.connRecv = new ReceiveWindow(this.options.connectionWindowSize);
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

  /** A peer's setting takes effect (§6.5.2); SETTINGS_INITIAL_WINDOW_SIZE changes every stream's send window (§6.9.2). */
  protected applyRemoteSetting(id: number, v: number): void {
    if (id === SettingId.INITIAL_WINDOW_SIZE) {
      const delta = v - this.remote.initialWindowSize;
      for (const s of this.streams.open.values())
        if (!s.send.grow(delta)) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE overflows a window");
    }
    if (id === SettingId.HEADER_TABLE_SIZE) this.encoder.setMaxTableSize(v);
    applySetting(this.remote, id, v);
  }

  private headerFrames(id: number, fields: [string, string][], endStream: boolean): void {
    const block = this.encoder.encode(fields);
    for (const b of headerFrames(this.pool, id, block, endStream, this.remote.maxFrameSize)) this.out.push(b);
  }

  // ---- streams ----

  protected newStream(id: number): Stream {
    return this.streams.add(id, this.remote.initialWindowSize, this.options.initialWindowSize);
  }

  protected closeStream(s: Stream, how = Closed.Ended): void {
    this.streams.close(s, how);
    if (this.goawaySent && this.streams.size === 0) this.finish();
  }

  /** §5.4.2: a stream error: RST_STREAM, and the application is told. */
  resetStream(id: number, code: number): void {
    if (this.closed) return;
    this.out.push(rstStreamFrame(this.pool, id, code));
    const s = this.streams.get(id);
    if (s) {
      this.closeStream(s, Closed.ResetByUs);
      this.handler.onReset(id, code, false);
    } else this.streams.remember(id, Closed.ResetByUs, 0);
  }

  /**
   * The application will read no more of this stream's request body (its response is
   * complete without it). RFC 9113 §8.1: once the response has ended, the client is
   * asked to stop sending with RST_STREAM(NO_ERROR); what is still in flight is ignored
   * and its credit returned. Nothing happens if the request has already ended.
   */
  stopReceiving(id: number): void {
    const s = this.streams.get(id);
    if (!s || !peerSending(s)) return;
    if (s.state === StreamState.HalfClosedLocal) this.resetStream(id, ErrorCode.NO_ERROR);
    else s.stopAfterEnd = true;
  }

  // ---- output ----

  /** Sends a header section (response headers), ending the stream if asked. */
  respond(id: number, fields: [string, string][], endStream: boolean): void {
    const s = this.streams.get(id);
    if (!s || this.closed) return;
    this.headerFrames(id, fields, endStream);
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

  protected returnCredit(s: Stream | null, n: number): void {
    if (this.closed || n === 0) return;
    const c = this.connRecv.consume(n);
    if (c) this.out.push(windowUpdateFrame(this.pool, 0, c));
    if (s && peerSending(s)) {
      const i = s.recv.consume(n);
      if (i) this.out.push(windowUpdateFrame(this.pool, s.id, i));
    }
  }

  private endSent(s: Stream): void {
    advance(s, StreamInput.SendEndStream);
    if (s.state === StreamState.Closed) this.closeStream(s);
    else if (s.stopAfterEnd) this.resetStream(s.id, ErrorCode.NO_ERROR);
  }

  /** Moves queued DATA into frames as the send windows allow (scheduler.ts). */
  pump(): void {
    if (this.closed || this.outputPaused) return;
    for (const id of this.scheduler.run(this.streams.open, this.connSend, this.remote.maxFrameSize, this.sink)) this.handler.onWritable(id);
  }

  /** Time passes here (the facade calls it about once a second): zero-window streams are policed. */
  tick(now: number): void {
    if (this.closed) return;
    const e = stallCheck(this.streams.open.values(), this.connSend, now, this.options);
    if (e) this.fail(e);
  }

  takeOutput(): Uint8Array[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  /**
   * After takeOutput(): frames the DATA the last pump held back at its batch limit (the
   * windows allowing it), and says whether there is output to take again. A transport
   * that takes every batch at once never reports backpressure, so no drain would come to
   * go on from.
   */
  refill(): boolean {
    if (!this.scheduler.cut || this.closed || this.outputPaused) return false;
    this.pump();
    return this.out.length > 0;
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

  protected finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler.onClose(null);
  }

  /** §5.4.1: a connection error: GOAWAY with the code, then close. */
  fail(e: ConnectionError): void {
    if (this.closed) return;
    this.out.push(goawayFrame(this.pool, this.lastPeerStreamId, e.code, e.reason));
    this.closed = true;
    for (const id of this.streams.open.keys()) this.handler.onReset(id, e.code, false);
    this.streams.clear();
    this.handler.onClose(e);
  }
}
