/**
 * The server's parked connections (transport/parking.ts): idle HTTP/1.1 connections, and
 * idle WebSockets whose link stays with the application's socket. The sweep closes an
 * HTTP/1.1 connection parked past the keep-alive timeout and lets a WebSocket's link see
 * to its own idle time; shutdown ends them all. Each is woken first, so that it ends as
 * an awake connection does. They are not among the server's live connections
 * (facade/live.ts), which counts those that hold their objects.
 */
import { ParkedSockets } from "../transport/parking.ts";
import type { ServerContext } from "./context.ts";
import { H1Connection } from "./h1-connection.ts";

export class ParkedConnections {
  readonly sockets: ParkedSockets<H1Connection>;

  constructor(private readonly ctx: ServerContext) {
    this.sockets = new ParkedSockets((conn) => new H1Connection(conn, ctx, true));
  }

  /** An HTTP/1.1 socket parked past the keep-alive timeout is woken and closed, as an idle connection is. */
  tick(now: number): void {
    const limit = this.ctx.timeouts.keepAliveTimeout;
    for (const [socket, since, owner] of this.sockets.entries()) {
      if (owner !== null) owner.tick(now);
      else if (limit && now - since > limit) this.sockets.wake(socket).shutdown();
    }
  }

  shutdown(): void {
    for (const [socket] of this.sockets.entries()) this.sockets.wake(socket).shutdown();
  }

  /** Ends the parked HTTP/1.1 connections (closeIdleConnections); WebSockets stay. */
  closeIdle(): void {
    for (const [socket, , owner] of this.sockets.entries()) if (owner === null) this.sockets.wake(socket).shutdown();
  }

  /** How many parked sockets have an owner that stays (a WebSocket's link). */
  get owned(): number {
    let n = 0;
    for (const [, , owner] of this.sockets.entries()) if (owner !== null) n++;
    return n;
  }

  destroy(): void {
    for (const [socket] of this.sockets.entries()) this.sockets.wake(socket).destroy();
  }
}
