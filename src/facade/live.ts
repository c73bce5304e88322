import { SlotTable } from "../transport/slot-table.ts";

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

/**
 * The server's live connections, for the sweep, shutdown and the counts: a table of
 * slots (transport/slot-table.ts says why not a Set).
 */
export class LiveConnections extends SlotTable<LiveConnection> {
  constructor() {
    super((c) => c.liveSlot, (c, slot) => (c.liveSlot = slot));
  }
}
