/**
 * Idle sockets kept with no object of ours. An HTTP/1.1 connection between requests
 * needs nothing but its socket: its parser, write queue and protocol state are all at
 * their start. Where the runtime lets a socket hold a value of ours (Bun's
 * `socket.data`), the transport can give them up while it waits (a "parked" socket
 * holds only its slot number here) and make them anew when its next bytes come.
 *
 * On Bun each idle connection's objects were about 580 bytes beside Bun's own socket
 * (bench/README.md), where Bun.serve's native connections cost what a bare socket does.
 *
 * The table keeps the time each socket was parked, by slot, so the server's sweep can
 * close one that has waited past its keep-alive timeout. Waking a socket (its bytes have
 * come, or the server wants it: the timeout, shutdown) takes it out of the table and
 * gives it a new Connection from its transport and a new handler from the protocol.
 *
 * A slot may have an owner instead (ParkOwner: a WebSocket's link, which the application
 * holds through its socket). The owner stays and carries on over the new Connection; it
 * wakes the socket itself when used, and a socket that closes while parked wakes, so that
 * its owner hears of it.
 */
import { SlotTable } from "./slot-table.ts";
import type { Connection, ConnectionHandler, ParkOwner, ParkableSocket, Parking } from "./types.ts";

export class ParkedSockets<H extends ConnectionHandler = ConnectionHandler> implements Parking {
  private readonly table = new SlotTable<ParkableSocket>(
    (s) => (typeof s.data === "number" ? s.data : -1),
    (s, slot) => (s.data = slot),
  );
  /** When each slot's socket was parked (ms since the epoch). */
  private readonly since: number[] = [];
  /** Each slot's owner, where its handler stays (a WebSocket's link); null where a new one is made. */
  private readonly owners: (ParkOwner | null)[] = [];
  /** The transport's way to make a Connection for one of its parked sockets. */
  private revive: ((socket: ParkableSocket) => Connection) | null = null;

  /** @param handlerFor the protocol's handler for a woken socket's new Connection. */
  constructor(private readonly handlerFor: (conn: Connection) => H) {}

  get size(): number {
    return this.table.size;
  }

  /** The transport has given up a socket's objects; its `data` becomes its slot. */
  park(socket: ParkableSocket, revive: (socket: ParkableSocket) => Connection, now: number, owner: ParkOwner | null): void {
    this.revive = revive;
    const slot = this.table.add(socket);
    this.since[slot] = now;
    this.owners[slot] = owner;
    owner?.parkedAt(this, socket);
  }

  /** Whether `socket` is parked here. */
  holds(socket: ParkableSocket): boolean {
    return typeof socket.data === "number" && socket.data >= 0;
  }

  /** The socket closed while parked: forgotten if there is nothing to tell; false if its owner must hear it. */
  forget(socket: ParkableSocket): boolean {
    if (this.ownerOf(socket) !== null) return false;
    if (this.table.delete(socket)) this.left();
    return true;
  }

  /** Takes the socket out and gives it a new Connection and a handler (its owner, or a new one); returns the handler. */
  wake(socket: ParkableSocket): H | ParkOwner {
    const owner = this.ownerOf(socket);
    if (owner !== null) this.owners[socket.data as number] = null;
    this.table.delete(socket);
    const conn = this.revive!(socket);
    let handler: H | ParkOwner;
    if (owner !== null) {
      owner.resume(conn);
      handler = owner;
    } else handler = this.handlerFor(conn);
    conn.handler = handler;
    this.left();
    return handler;
  }

  /** Each parked socket with when it was parked and its owner; one woken or forgotten meanwhile is not reached. */
  *entries(): IterableIterator<[ParkableSocket, number, ParkOwner | null]> {
    for (const s of this.table) yield [s, this.since[s.data as number]!, this.owners[s.data as number] ?? null];
  }

  private ownerOf(socket: ParkableSocket): ParkOwner | null {
    return this.holds(socket) ? this.owners[socket.data as number] ?? null : null;
  }

  private left(): void {
    // After a burst the table starts over small (slot-table.ts); so do the times.
    if (this.table.size === 0 && this.since.length > this.table.extent) this.since.length = this.owners.length = this.table.extent;
  }
}
