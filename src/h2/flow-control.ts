/**
 * RFC 9113 §5.2 and §6.9 flow control windows.
 *
 * A send window is what the peer lets us send; a receive window is what we let
 * the peer send. We return receive credit (WINDOW_UPDATE) only as the application
 * consumes bytes, so an unread body holds back its sender, not our memory.
 */
import { MAX_WINDOW } from "./settings.ts";

export class SendWindow {
  constructor(public size: number) {}

  /** Applies a WINDOW_UPDATE or a SETTINGS_INITIAL_WINDOW_SIZE delta; false if it overflows 2^31-1. */
  grow(delta: number): boolean {
    if (this.size + delta > MAX_WINDOW) return false;
    this.size += delta;
    return true;
  }
}

export class ReceiveWindow {
  /** Bytes the peer may still send. */
  available: number;
  /** Bytes received and consumed by the application, not yet returned. */
  private consumedPending = 0;

  constructor(readonly target: number) {
    this.available = target;
  }

  /** Accounts received bytes (padding included); false if the peer overran the window. */
  receive(n: number): boolean {
    if (n > this.available) return false;
    this.available -= n;
    return true;
  }

  /**
   * The application consumed n bytes. Returns the increment to send, batched so a
   * WINDOW_UPDATE goes out once a quarter of the window is free, or 0.
   */
  consume(n: number): number {
    this.consumedPending += n;
    if (this.consumedPending < this.target / 4 && this.available > 0) return 0;
    const inc = this.consumedPending;
    this.consumedPending = 0;
    this.available += inc;
    return inc;
  }
}

/**
 * Credit for received bytes handed on to a reader (a request body stream): it goes back
 * to the peer as the reader takes the bytes, so a reader that stops holds back the
 * sender (§6.9.1: flow control is how a receiver limits what it buffers).
 */
export class ReadLedger {
  /** Bytes handed to the reader. */
  private handed = 0;
  /** Bytes whose credit has gone back. */
  private returned = 0;

  handOut(n: number): void {
    this.handed += n;
  }

  /** Credit to return now that the reader holds `queued` bytes unread: what it has read since the last call. */
  read(queued: number): number {
    const read = this.handed - queued;
    if (read <= this.returned) return 0;
    const n = read - this.returned;
    this.returned = read;
    return n;
  }

  /** Credit for everything handed out and not yet returned: nobody will read it. */
  release(): number {
    const n = this.handed - this.returned;
    this.returned = this.handed;
    return n;
  }
}
