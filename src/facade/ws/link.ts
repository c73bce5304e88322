/**
 * The link between one WebSocket connection and the API object an application holds:
 * transport bytes go through our RFC 6455 session, and its events go to an Endpoint
 * (the Deno-style socket or the Bun-style one).
 */
import type { WsError } from "../../ws/errors.ts";
import type { WsLimits } from "../../ws/receiver.ts";
import { ReadyState, type SessionEvent, type SessionSink, WsSession } from "../../ws/session.ts";
import type { Connection, ConnectionHandler, ParkOwner, ParkableSocket, Parking } from "../../transport/types.ts";
import type { LiveConnection } from "../live.ts";
import type { UpgradeHost } from "../upgrade.ts";

/** What the two APIs implement to receive a connection's events. */
export interface Endpoint {
  attach(link: WsLink): void;
  onOpen(): void;
  onMessage(binary: boolean, data: Uint8Array): void;
  onPing(data: Uint8Array): void;
  onPong(data: Uint8Array): void;
  onError(error: WsError): void;
  onClose(code: number, reason: string, wasClean: boolean): void;
  onDrain(): void;
  /**
   * The link may park while idle (transport/parking.ts): what the application holds is
   * this endpoint, whose every use goes through the link, which wakes. Bun's ServerWebSocket.
   */
  readonly parkable?: boolean;
}

export interface WsOptions extends Partial<WsLimits> {
  /** Seconds without traffic before a ping; twice that without an answer closes (1001). 0 disables. Default 120. */
  idleTimeout?: number;
  /**
   * Accept a client's permessage-deflate offer (RFC 7692): its compressed messages are
   * inflated (maxMessageSize bounds what they inflate to), and ours are compressed when
   * that makes them smaller. Default false, as in Bun.serve (Deno.serve has no such option).
   */
  perMessageDeflate?: boolean | Record<string, unknown>;
}

/**
 * After our Close, the peer has this long to answer it before the socket is dropped, as
 * the server's sweep finds it (within a second more). The sweep rather
 * than a timer each: on Deno a timer per connection, even one cleared at once, made
 * young collections promote what it reached (transport/linger.ts).
 */
export const CLOSE_GRACE_MS = 5000;

/**
 * Connects an endpoint to the transport through a session.
 *
 * Parking (Bun): an idle link past the host's parkAbove live connections lets its
 * connection and session go and the transport keeps the bare socket; the link stays, held
 * by the endpoint, with its own state (idle time, close). Whatever needs the connection or
 * the session (the endpoint sending, the sweep pinging, shutdown) reads them through
 * getters that wake the socket first; its bytes and its close wake it too.
 */
export class WsLink implements ConnectionHandler, LiveConnection, SessionSink, ParkOwner {
  /** The connection and session while awake (made in resume); null while parked. */
  private c: Connection | null = null;
  private s: WsSession | null = null;
  /** Where the socket is parked, and the socket: what wake() hands back. */
  private parking: Parking | null = null;
  private parkedSocket: ParkableSocket | null = null;
  /** When traffic was last seen, as of the sweep that noticed it (see tick). */
  private lastSeen = Date.now();
  /** Traffic came since the last tick: no clock read per message, the sweep's time is close enough. */
  private seen = false;
  private pinged = false;
  private closedNotified = false;
  liveSlot = -1;
  /** When a peer that has not finished the closing handshake is dropped (ms since the epoch); 0 before our Close. */
  private closeBy = 0;
  /** Bytes handed to the transport that it reported as over its high-water mark. */
  private backlog = 0;

  constructor(conn: Connection, private readonly host: UpgradeHost, readonly endpoint: Endpoint, private readonly opts: WsOptions) {
    this.resume(conn);
    endpoint.attach(this);
  }

  get conn(): Connection {
    return this.c ?? this.wake().c!;
  }

  get session(): WsSession {
    return this.s ?? this.wake().s!;
  }

  /** The session's state, read without waking a parked socket (one parks only while open). */
  get state(): ReadyState {
    return this.s === null ? ReadyState.Open : this.s.state;
  }

  begin(rest: Uint8Array[]): void {
    this.endpoint.onOpen();
    for (const r of rest) this.data(r);
    this.parkIfIdle();
  }

  get bufferedAmount(): number {
    return this.backlog;
  }

  /** Writes what the session produced; false when the transport is backed up. */
  flush(): boolean {
    let ok = true;
    for (const b of this.session.takeOutput()) {
      if (!this.conn.write(b)) ok = false;
      if (!ok) this.backlog += b.length;
    }
    if (ok) this.parkIfIdle();
    return ok;
  }

  data(chunk: Uint8Array): void {
    this.seen = true;
    this.pinged = false;
    this.session.receive(chunk, this);
    this.flush();
    if (this.state === ReadyState.Closed) this.conn.end();
  }

  /** The session's events go to the endpoint. */
  event(e: SessionEvent): void {
    switch (e.type) {
      case "message":
        return this.endpoint.onMessage(e.binary, e.data);
      case "ping":
        return this.endpoint.onPing(e.data);
      case "pong":
        return this.endpoint.onPong(e.data);
      case "error":
        return this.endpoint.onError(e.error);
      case "close":
        return this.notifyClose(e.code, e.reason, e.wasClean);
    }
  }

  private notifyClose(code: number, reason: string, wasClean: boolean): void {
    if (this.closedNotified) return;
    this.closedNotified = true;
    this.host.connections.delete(this);
    this.endpoint.onClose(code, reason, wasClean);
  }

  drain(): void {
    this.backlog = 0;
    this.endpoint.onDrain();
  }

  end(): void {
    // TCP closed by the peer without a Close frame: abnormal closure (§7.1.5, 1006).
    this.conn.end();
  }

  close(): void {
    if (this.s !== null) this.s.state = ReadyState.Closed;
    this.notifyClose(1006, "", false);
  }

  /** Starts the closing handshake; the peer has CLOSE_GRACE_MS to answer. */
  startClose(code?: number, reason?: string): void {
    this.session.close(code, reason);
    this.flush();
    if (this.closeBy === 0) this.closeBy = Date.now() + CLOSE_GRACE_MS;
  }

  requestsInFlight(): number {
    return 0;
  }

  /** The server's sweep, about once a second: idle time is counted from the sweep after the last traffic. */
  tick(now: number): void {
    if (this.closeBy !== 0 && now >= this.closeBy) return this.conn.destroy();
    if (this.seen) {
      this.seen = false;
      this.lastSeen = now;
    }
    const idle = (this.opts.idleTimeout ?? 120) * 1000;
    if (!idle || this.state !== ReadyState.Open) return;
    if (now - this.lastSeen > idle * 2) return this.startClose(1001, "idle timeout");
    if (!this.pinged && now - this.lastSeen > idle) {
      this.pinged = true;
      this.session.ping(new Uint8Array(0));
      this.flush();
    }
  }

  shutdown(): void {
    this.startClose(1001, "server shutting down");
  }

  destroy(): void {
    this.conn.destroy();
  }

  // ---- parking (transport/parking.ts) ----

  /** Asks the transport to park the socket, if this link may and is idle. */
  private parkIfIdle(): void {
    if (this.endpoint.parkable && this.host.connections.size > this.host.parkAbove && this.idle()) this.c!.park?.();
  }

  /** Awake, with an idle session (no compression state), nothing backed up, not closing. */
  private idle(): boolean {
    return this.s !== null && this.s.idle && this.backlog === 0 && this.closeBy === 0 && !this.closedNotified;
  }

  /** The transport parks the socket now, if this link is still idle: it lets its connection and session go. */
  park(): this | false {
    if (!this.idle()) return false;
    this.host.connections.delete(this);
    this.c = null;
    this.s = null;
    return this;
  }

  parkedAt(parking: Parking, socket: ParkableSocket): void {
    this.parking = parking;
    this.parkedSocket = socket;
  }

  /** Awake over `conn` with a new, open session: at the handshake, and when the socket wakes (its bytes, its close, or a use of ours). */
  resume(conn: Connection): void {
    this.parking = this.parkedSocket = null;
    this.c = conn;
    this.s = new WsSession("server", this.host.pool, this.opts);
    this.host.connections.add(this);
  }

  private wake(): this {
    this.parking!.wake(this.parkedSocket!);
    return this;
  }
}
