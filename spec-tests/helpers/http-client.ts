/** A keep-alive HTTP/1.1 client over raw TCP, for tests that read answers one at a time. */
import * as net from "node:net";

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A keep-alive client: sends bytes, reads responses (Content-Length framed) one at a time. */
export class Client {
  readonly sock: net.Socket;
  private got = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  ended = false;

  constructor(port: number) {
    this.sock = net.connect(port, "127.0.0.1");
    this.sock.on("data", (d: Buffer) => {
      this.got = Buffer.concat([this.got, d]);
      this.wake?.();
    });
    this.sock.on("end", () => {
      this.ended = true;
      this.wake?.();
    });
    this.sock.on("error", () => {});
  }

  async response(): Promise<{ head: string; body: Buffer }> {
    for (;;) {
      const end = this.got.indexOf("\r\n\r\n");
      if (end >= 0) {
        const head = this.got.subarray(0, end).toString("latin1");
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (this.got.length >= end + 4 + length) {
          const body = this.got.subarray(end + 4, end + 4 + length);
          this.got = this.got.subarray(end + 4 + length);
          return { head, body };
        }
      }
      if (this.ended) throw new Error(`connection ended; had ${this.got.length} bytes`);
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  /** Bytes received beyond the answers read so far. */
  get unread(): number {
    return this.got.length;
  }

  async untilEnd(ms: number): Promise<boolean> {
    for (let waited = 0; !this.ended && waited < ms; waited += 50) await pause(50);
    return this.ended;
  }
}
