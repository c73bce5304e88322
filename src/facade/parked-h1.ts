/**
 * The server's parked HTTP/1.1 connections (transport/parking.ts): the sweep closes
 * those parked past the keep-alive timeout, shutdown ends them all. Each is woken first,
 * so that it ends as an idle connection does. They are not among the server's live
 * connections (facade/live.ts), which counts those that hold their objects.
 */
import { ParkedSockets } from "../transport/parking.ts";
import type { ServerContext } from "./context.ts";
import { H1Connection } from "./h1-connection.ts";

export class ParkedH1 {
  readonly sockets: ParkedSockets<H1Connection>;

  constructor(private readonly ctx: ServerContext) {
    this.sockets = new ParkedSockets((conn) => new H1Connection(conn, ctx, true));
  }

  /** A socket parked past the keep-alive timeout is woken and closed, as an idle connection is. */
  tick(now: number): void {
    const limit = this.ctx.timeouts.keepAliveTimeout;
    if (!limit) return;
    for (const [socket, since] of this.sockets.entries()) if (now - since > limit) this.sockets.wake(socket).shutdown();
  }

  shutdown(): void {
    for (const [socket] of this.sockets.entries()) this.sockets.wake(socket).shutdown();
  }

  destroy(): void {
    for (const [socket] of this.sockets.entries()) this.sockets.wake(socket).destroy();
  }
}
