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
}

/** The server's live connections, for shutdown and timeouts. */
export type LiveConnections = Set<LiveConnection>;
