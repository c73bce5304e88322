/**
 * Reads one direction of a WebSocket connection as the trace shows it: each frame's
 * header (RFC 6455 §5.2) and, for a Close, its code and reason (§5.5.1). Payloads
 * are skipped, not kept: a trace of a large message costs no memory.
 */
import type { Draft } from "./h2-frames.ts";
import type { WsFrameEvent } from "./events.ts";

const OPCODES: Record<number, string> = { 0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong" };
const MAX_HEADER = 14;
const decoder = new TextDecoder();

export class WsFrameReader {
  private header = new Uint8Array(MAX_HEADER);
  private have = 0;
  /** Payload bytes of the current frame still to pass. */
  private left = 0;
  /** The current frame, while its payload passes. */
  private frame: Draft<WsFrameEvent> | null = null;
  private mask: Uint8Array | null = null;
  /** A Close frame's payload, gathered to read its code. */
  private control: number[] | null = null;

  constructor(private readonly dir: "recv" | "send", private readonly emit: (e: Draft<WsFrameEvent>) => void) {}

  feed(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length) {
      if (this.frame === null) {
        this.header[this.have++] = bytes[i++]!;
        const need = this.headerLength();
        if (need === null || this.have < need) continue;
        this.start();
        if (this.left === 0) this.end();
        continue;
      }
      const n = Math.min(this.left, bytes.length - i);
      if (this.control) for (let k = 0; k < n && this.control.length < 125; k++) this.control.push(bytes[i + k]!);
      i += n;
      this.left -= n;
      if (this.left === 0) this.end();
    }
  }

  /** Bytes in the header being read, once enough of it is here to say; null before. */
  private headerLength(): number | null {
    if (this.have < 2) return null;
    const len7 = this.header[1]! & 0x7f;
    const masked = (this.header[1]! & 0x80) !== 0;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  private start(): void {
    const h = this.header;
    const masked = (h[1]! & 0x80) !== 0;
    const len7 = h[1]! & 0x7f;
    let length = len7, at = 2;
    if (len7 === 126) {
      length = (h[2]! << 8) | h[3]!;
      at = 4;
    } else if (len7 === 127) {
      length = 0;
      for (let k = 2; k < 10; k++) length = length * 256 + h[k]!;
      at = 10;
    }
    const opcode = h[0]! & 0x0f;
    this.mask = masked ? h.slice(at, at + 4) : null;
    this.left = length;
    this.control = opcode === 8 ? [] : null;
    this.frame = {
      proto: "ws", dir: this.dir, event: "frame", opcode: OPCODES[opcode] ?? `reserved(0x${opcode.toString(16)})`,
      fin: (h[0]! & 0x80) !== 0, rsv: [(h[0]! & 0x40) !== 0, (h[0]! & 0x20) !== 0, (h[0]! & 0x10) !== 0], masked, length,
    };
    this.have = 0;
    // A data frame is shown as it starts; a Close once its code is here.
    if (opcode !== 8) this.emit(this.frame);
  }

  private end(): void {
    const e = this.frame!;
    const close = this.control !== null;
    if (this.control && this.control.length >= 2) {
      const p = Uint8Array.from(this.control, (b, k) => (this.mask ? b ^ this.mask[k & 3]! : b));
      e.closeCode = (p[0]! << 8) | p[1]!;
      e.closeReason = decoder.decode(p.subarray(2));
    }
    this.frame = null;
    this.control = null;
    if (close) this.emit(e);
  }
}
