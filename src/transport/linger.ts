/**
 * Connections that have sent their FIN and read on until the peer closes too
 * (socket-connection.ts), each for LINGER_MS at most. One timer looks at all of them,
 * a few times a second, instead of a timer each.
 *
 * A timer each had cost Deno dearly under connection churn, though each was cleared
 * within milliseconds when the peer closed: 550-630 KB promoted at every young
 * collection (50 clients opening a connection per request), none without the timers
 * (bench/README.md). A connection leaves the table the moment it closes, so the table
 * keeps nothing alive that has gone (slot-table.ts).
 */
import { SlotTable } from "./slot-table.ts";

/** After our FIN, how long we keep reading before closing. */
export const LINGER_MS = 2000;
/** How often the table is looked at: a connection lingers LINGER_MS to LINGER_MS + SWEEP_MS. */
export const SWEEP_MS = 250;

/** A connection that can linger: where the table keeps it (-1 while it does not), and how to end it. */
export interface Lingerer {
  lingerSlot: number;
  destroy(): void;
}

export class LingerTable {
  private readonly table = new SlotTable<Lingerer>((c) => c.lingerSlot, (c, slot) => (c.lingerSlot = slot));
  /**
   * When each slot's connection has lingered long enough (ms since the epoch): kept here
   * by slot rather than on the connection, so that no connection carries a field for it.
   */
  private readonly until: number[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;

  /** How many connections linger. */
  get size(): number {
    return this.table.size;
  }

  /** The connection has sent its FIN: it is destroyed LINGER_MS from `now` unless it leaves first. */
  add(c: Lingerer, now: number): void {
    if (c.lingerSlot >= 0) return;
    this.until[this.table.add(c)] = now + LINGER_MS;
    if (this.timer === null) {
      this.timer = setInterval(() => this.sweep(Date.now()), SWEEP_MS);
      // A lingering connection does not keep the process alive (Node and Bun; Deno's timers are numbers).
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** The connection has closed: it is no longer referenced from here. */
  remove(c: Lingerer): void {
    this.table.delete(c);
  }

  /** Destroys each connection that has lingered its time; stops the timer once none is left. */
  sweep(now: number): void {
    for (const c of this.table) {
      if (this.until[c.lingerSlot]! > now) continue;
      this.table.delete(c);
      c.destroy();
    }
    if (this.table.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
      // After a burst the table starts over small (slot-table.ts); so do the deadlines.
      if (this.until.length > this.table.extent) this.until.length = this.table.extent;
    }
  }
}

/** Every transport's lingering connections. */
export const lingering = new LingerTable();
