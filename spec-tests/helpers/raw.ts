/** Raw TCP for tests: send exact bytes, read until the server closes or goes quiet. */
import * as net from "node:net";

export interface RawOptions {
  /** Resolve after this much silence (ms) even if the server keeps the connection. */
  idleMs?: number;
  /** Send these parts one write at a time, with a pause between. */
  split?: boolean;
  /** Half-close after sending. */
  end?: boolean;
}

export function raw(port: number, data: string | Uint8Array | (string | Uint8Array)[], opts: RawOptions = {}): Promise<string> {
  const parts = Array.isArray(data) ? data : [data];
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(done, opts.idleMs ?? 1500);
    };
    sock.on("data", (d) => {
      chunks.push(d);
      arm();
    });
    sock.on("close", done);
    sock.on("error", (e) => (chunks.length ? done() : reject(e)));
    sock.on("connect", async () => {
      for (const p of parts) {
        sock.write(typeof p === "string" ? Buffer.from(p, "latin1") : p);
        if (opts.split) await new Promise((r) => setTimeout(r, 20));
      }
      if (opts.end) sock.end();
      arm();
    });
  });
}

/** Status codes of every response in a raw response stream, in order. */
export function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}
