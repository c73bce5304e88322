/**
 * A connection the server keeps track of, whatever protocol it speaks: the server's
 * sweep passes time to it, counts its requests, and shuts it down.
 */
export interface LiveConnection {
  /** Time passes here: the server calls this about once a second. */
  tick(now: number): void;
  /** Requests received and not yet fully answered (Bun's `server.pendingRequests` sums them). */
  requestsInFlight(): number;
  /** Graceful shutdown: finish what is in flight, accept nothing new. */
  shutdown(): void;
  /** Immediate close. */
  destroy(): void;
  /** Where LiveConnections keeps it, -1 while it is not kept; only LiveConnections sets it. */
  liveSlot: number;
}

/** Slots kept after the last connection has gone; past this an empty table starts over small. */
const KEPT_SLOTS = 1024;

/**
 * The server's live connections, for the sweep, shutdown and the counts. Not a Set: as
 * entries come and go, V8 replaces a Set's table and the table it leaves points at the
 * new one. Under connection churn a replaced table that had reached the old generation
 * keeps every later table, and every connection in them, alive through each young
 * collection until a full one: on Node 24 that promoted 6 MB a scavenge under 50
 * clients opening a connection per request, and doubled the young generation
 * (bench/README.md). Here a connection's slot is cleared when it goes and reused by the
 * next; nothing that has gone stays referenced.
 */
export class LiveConnections implements Iterable<LiveConnection> {
  private slots: (LiveConnection | null)[] = [];
  /** Emptied slots, the last emptied on top. */
  private free: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(c: LiveConnection): void {
    if (c.liveSlot >= 0) return;
    const slot = this.free.length > 0 ? this.free.pop()! : this.slots.push(null) - 1;
    this.slots[slot] = c;
    c.liveSlot = slot;
    this.count++;
  }

  delete(c: LiveConnection): boolean {
    const slot = c.liveSlot;
    if (slot < 0 || this.slots[slot] !== c) return false;
    this.slots[slot] = null;
    c.liveSlot = -1;
    this.count--;
    if (this.count === 0 && this.slots.length > KEPT_SLOTS) {
      // A burst is over: give its table back.
      this.slots = [];
      this.free = [];
    } else this.free.push(slot);
    return true;
  }

  /** Each connection kept; one removed meanwhile is not reached, one added meanwhile may be. */
  *[Symbol.iterator](): IterableIterator<LiveConnection> {
    for (let i = 0; i < this.slots.length; i++) {
      const c = this.slots[i];
      if (c !== null && c !== undefined) yield c;
    }
  }
}
