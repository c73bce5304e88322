/**
 * Bun's pub/sub: sockets subscribe to topics, and a message published to a topic is
 * sent to each subscriber. Topics live in one process (see the README on --workers).
 */
import { SharedMessage } from "../../ws/session.ts";
import { messageBytes } from "./payload.ts";

/** A subscriber's send of bytes already made (and shared between subscribers), kept off its public API. */
export const SEND = Symbol("purehttp send");

export interface Subscriber {
  /** Queues the message; returns bytes sent, 0 if dropped, -1 if queued behind a slow client. */
  [SEND](message: Uint8Array | SharedMessage, binary: boolean, compress: boolean): number;
}

/** A message's bytes, and each compressed form of them, are made once for all its subscribers. */
export class Topics {
  private readonly map = new Map<string, Set<Subscriber>>();

  subscribe(topic: string, ws: Subscriber): void {
    let s = this.map.get(topic);
    if (!s) this.map.set(topic, (s = new Set()));
    s.add(ws);
  }

  unsubscribe(topic: string, ws: Subscriber): void {
    const s = this.map.get(topic);
    if (s?.delete(ws) && s.size === 0) this.map.delete(topic);
  }

  has(topic: string, ws: Subscriber): boolean {
    return this.map.get(topic)?.has(ws) ?? false;
  }

  count(topic: string): number {
    return this.map.get(topic)?.size ?? 0;
  }

  publish(topic: string, data: string | ArrayBufferView | ArrayBuffer, except: Subscriber | null): number {
    const s = this.map.get(topic);
    if (!s) return 0;
    const binary = typeof data !== "string";
    const bytes = messageBytes(data);
    // Compressed (where sockets agreed to it) once, not once per subscriber.
    const message = new SharedMessage(bytes);
    let sent = 0;
    for (const ws of s) if (ws !== except && ws[SEND](message, binary, true) > 0) sent += bytes.length;
    return sent;
  }
}
