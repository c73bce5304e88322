/**
 * The streams of one connection (RFC 9113 §5.1): those open, each with its windows,
 * queued output and state, and those closed lately, each with how it closed, which
 * decides what a frame that still arrives on it gets. A stream's state changes only
 * through the transition table (stream-state.ts), by `advance`.
 */
import { ByteQueue } from "../buffers/byte-queue.ts";
import { ReceiveWindow, SendWindow } from "./flow-control.ts";
import { StreamInput, StreamState, transition } from "./stream-state.ts";
import { StreamMap } from "./stream-map.ts";

export interface Stream {
  readonly id: number;
  /** Changed only by `advance`. */
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

/** Moves a stream through the transition table; returns its new state. */
export function advance(s: Stream, input: StreamInput): StreamState {
  return (s.state = transition(s.state, input));
}

/** The peer may send DATA on the stream: it has not ended its side (§5.1, "open" or "half-closed (local)"). */
export function peerSending(s: Stream): boolean {
  return s.state === StreamState.Open || s.state === StreamState.HalfClosedLocal;
}

/** We may send on the stream: we have not ended our side ("open" or "half-closed (remote)"). */
export function weSending(s: Stream): boolean {
  return s.state === StreamState.Open || s.state === StreamState.HalfClosedRemote;
}

/** How a stream closed (§5.1 "closed"). */
export const enum Closed {
  /** Both sides sent END_STREAM: WINDOW_UPDATE may still come a while; DATA and HEADERS are STREAM_CLOSED. */
  Ended,
  /** We sent RST_STREAM: what the peer sent before it reached them is ignored. */
  ResetByUs,
  /** The peer sent RST_STREAM: it sends nothing more, so any frame but PRIORITY is STREAM_CLOSED. */
  ResetByPeer,
}

export interface ClosedStream {
  how: Closed;
  /** Our send window when it closed: a late WINDOW_UPDATE must not take it past 2^31-1 either (§6.9.1). */
  window: number;
}

/** Closed streams remembered, the oldest forgotten first. */
const RECENTLY_CLOSED = 1024;

export class StreamTable {
  readonly open = new StreamMap<Stream>();
  private readonly closed = new Map<number, ClosedStream>();
  /** The closed ids in the order they closed, a ring: the oldest is forgotten first, with no iterator to make. */
  private readonly closedOrder: number[] = [];
  private closedNext = 0;

  /** A new stream, idle, with windows of the given sizes. */
  add(id: number, sendWindow: number, receiveWindow: number): Stream {
    const s: Stream = {
      id, state: StreamState.Idle, send: new SendWindow(sendWindow), recv: new ReceiveWindow(receiveWindow), outbox: new ByteQueue(),
      endQueued: false, trailers: null, headersReceived: false, contentLength: -1, received: 0, wantsWritable: false,
      stalledSince: 0, stopAfterEnd: false,
    };
    this.open.set(id, s);
    return s;
  }

  get(id: number): Stream | undefined {
    return this.open.get(id);
  }

  get size(): number {
    return this.open.size;
  }

  /** How a stream we no longer hold closed, if it closed lately. */
  closedAs(id: number): ClosedStream | undefined {
    return this.closed.get(id);
  }

  /** Closes an open stream (a reset from any state, or the end both ways) and remembers how. */
  close(s: Stream, how: Closed): void {
    advance(s, StreamInput.Reset);
    this.open.delete(s.id);
    this.remember(s.id, how, s.send.size);
  }

  /** Remembers how a stream closed; a later stream error on it (the peer sent on a stream it knew closed) changes nothing. */
  remember(id: number, how: Closed, window: number): void {
    if (this.closed.has(id)) return;
    this.closed.set(id, { how, window });
    if (this.closedOrder.length < RECENTLY_CLOSED) this.closedOrder.push(id);
    else {
      this.closed.delete(this.closedOrder[this.closedNext]!);
      this.closedOrder[this.closedNext] = id;
      this.closedNext = (this.closedNext + 1) % RECENTLY_CLOSED;
    }
  }

  /** Forgets every open stream (the connection failed). */
  clear(): void {
    this.open.clear();
  }
}
