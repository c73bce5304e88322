/** Request body streams fed by a protocol connection, with backpressure both ways. */

export interface BodySink {
  /** Called when the consumer wants more: the connection resumes reading. */
  onPull(): void;
  /** Called on the consumer's first read (HTTP/1.1 sends 100 Continue then). */
  onFirstRead(): void;
  /** The consumer cancelled the stream. */
  onCancel(): void;
}

/** Bytes buffered in a request body stream before the socket is paused. */
export const BODY_HIGH_WATER_MARK = 64 * 1024;

export class RequestBody {
  readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private read = false;
  /** A read is waiting (with a zero high-water mark, desiredSize alone cannot say so). */
  private pulling = false;
  closed = false;

  private readonly highWaterMark: number;

  constructor(private readonly sink: BodySink, lazyStart: boolean) {
    this.highWaterMark = lazyStart ? 0 : BODY_HIGH_WATER_MARK;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.controller = c;
        },
        pull: () => {
          this.pulling = true;
          if (!this.read) {
            this.read = true;
            this.sink.onFirstRead();
          }
          this.sink.onPull();
        },
        cancel: () => {
          this.closed = true;
          this.sink.onCancel();
        },
      },
      // With 100-continue the first pull must mean a real read, so nothing is buffered ahead.
      new ByteLengthQueuingStrategy({ highWaterMark: lazyStart ? 0 : BODY_HIGH_WATER_MARK }),
    );
  }

  /** Returns false when the stream is full and the producer should pause. */
  push(data: Uint8Array): boolean {
    if (this.closed) return true;
    this.pulling = false;
    this.controller.enqueue(data);
    return (this.controller.desiredSize ?? 0) > 0;
  }

  /** Bytes enqueued and not yet read by the consumer. */
  get queuedBytes(): number {
    if (this.closed) return 0;
    return Math.max(0, this.highWaterMark - (this.controller.desiredSize ?? 0));
  }

  get wantsMore(): boolean {
    return this.closed || this.pulling || (this.controller.desiredSize ?? 0) > 0;
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.close();
  }

  /**
   * The response has gone out and the rest of the body will not be read: a read from now
   * on fails (as Deno.serve's "Request closed" does) rather than ending early, which would
   * pass a cut-off body for a whole one.
   */
  abandon(): void {
    if (!this.closed) this.error(new TypeError("request body closed: the response was sent before it was read"));
  }

  error(e: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.controller.error(e);
  }
}
