/**
 * The events of a Deno-style socket (`upgradeWebSocket`), as HTML's WebSocket fires them:
 * an `on<type>` attribute is an event listener added where it was first set, sees the
 * socket as the event's target and as `this`; a handler that throws is reported and the
 * socket goes on; errors and closes carry their fields.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { upgradeWebSocket } from "../../src/mod.ts";
import type { PureWebSocket } from "../../src/facade/ws/deno-socket.ts";
import { WS_HANDSHAKE, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";
import { closeFrame, frame } from "../helpers/ws.ts";

const start = fakeServerPerTest();

async function open(setUp: (socket: PureWebSocket) => void) {
  const server = await start((req) => {
    const { socket, response } = upgradeWebSocket(req);
    setUp(socket);
    return response;
  });
  const conn = server.connect();
  conn.handler.data(WS_HANDSHAKE);
  await settle();
  return conn;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Deno-style socket events", () => {
  it("an attribute runs in its place among the listeners, with target and this the socket", async () => {
    const log: string[] = [];
    let socket!: PureWebSocket;
    const conn = await open((s) => {
      socket = s;
      s.addEventListener("message", () => log.push("first"));
      s.onmessage = function (e) {
        log.push(`attribute ${e.target === s} ${this === s} ${e.data}`);
      };
      s.addEventListener("message", () => log.push("last"));
    });
    conn.handler.data(frame(1, "a"));
    expect(log).toEqual(["first", "attribute true true a", "last"]);

    // Replacing the function keeps its place; null removes it; setting it again appends it.
    log.length = 0;
    socket.onmessage = (e) => log.push(`replaced ${e.data}`);
    conn.handler.data(frame(1, "b"));
    expect(log).toEqual(["first", "replaced b", "last"]);
    log.length = 0;
    socket.onmessage = null;
    expect(socket.onmessage).toBe(null);
    conn.handler.data(frame(1, "c"));
    expect(log).toEqual(["first", "last"]);
    log.length = 0;
    socket.onmessage = (e) => log.push(`again ${e.data}`);
    conn.handler.data(frame(1, "d"));
    expect(log).toEqual(["first", "last", "again d"]);
  });

  it("a value that is not a function reads back as null and is never called", async () => {
    let socket!: PureWebSocket;
    await open((s) => (socket = s));
    (socket as unknown as { onmessage: unknown }).onmessage = "not a function";
    expect(socket.onmessage).toBe(null);
  });

  it("a throwing attribute is reported; the listeners after it still run and the socket stays open", async () => {
    const reported = vi.spyOn(console, "error").mockImplementation(() => {});
    const log: string[] = [];
    let socket!: PureWebSocket;
    const conn = await open((s) => {
      socket = s;
      s.onmessage = () => {
        throw new Error("handler bug");
      };
      s.addEventListener("message", (e) => log.push(String(e.data)));
    });
    conn.handler.data(frame(1, "x"));
    conn.handler.data(frame(1, "y"));
    expect(log).toEqual(["x", "y"]);
    expect(reported).toHaveBeenCalledTimes(2);
    expect(String(reported.mock.calls[0]![1])).toContain("handler bug");
    expect(socket.readyState).toBe(1);
  });

  it("a protocol error fires error (message and WsError) then close with 1002, both at the socket", async () => {
    const events: Record<string, unknown>[] = [];
    let socket!: PureWebSocket;
    const conn = await open((s) => {
      socket = s;
      s.onerror = (e) => {
        const ev = e as Event & { message: string; error: Error };
        events.push({ type: e.type, target: e.target === s, message: ev.message, error: ev.error?.name });
      };
      s.onclose = (e) => events.push({ type: e.type, target: e.target === s, code: e.code, reason: e.reason, wasClean: e.wasClean });
    });
    conn.handler.data(frame(1, "hi", { masked: false }));
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ type: "error", target: true, error: "WsError" });
    expect(String(events[0]!.message)).toMatch(/mask/i);
    expect(events[1]).toMatchObject({ type: "close", target: true, code: 1002, wasClean: false });
    expect(socket.readyState).toBe(3);
  });

  it("a clean close from the client carries its code and reason", async () => {
    let closed: CloseEvent | null = null;
    const conn = await open((s) => {
      s.onclose = (e) => (closed = e);
    });
    conn.handler.data(closeFrame(4001, "bye"));
    expect(closed).not.toBe(null);
    const ev = closed! as CloseEvent;
    expect([ev.type, ev.code, ev.reason, ev.wasClean]).toEqual(["close", 4001, "bye", true]);
    if (typeof CloseEvent === "function") expect(ev).toBeInstanceOf(CloseEvent);
  });
  it("a message is a MessageEvent in every way a handler can look: class, fields, tag, and dispatch", async () => {
    const events: MessageEvent[] = [];
    let socket!: PureWebSocket;
    const conn = await open((s) => {
      socket = s;
      s.addEventListener("message", (e) => events.push(e as MessageEvent));
    });
    conn.handler.data(frame(1, "héllo"));
    conn.handler.data(frame(2, Uint8Array.of(1, 2, 3)));
    socket.binaryType = "blob";
    conn.handler.data(frame(2, Uint8Array.of(4, 5)));
    expect(events).toHaveLength(3);
    const [text, bytes, blob] = events as [MessageEvent, MessageEvent, MessageEvent];
    expect(text.data).toBe("héllo");
    expect([...new Uint8Array(bytes.data as ArrayBuffer)]).toEqual([1, 2, 3]);
    expect([...new Uint8Array(await (blob.data as Blob).arrayBuffer())]).toEqual([4, 5]);
    const real = new MessageEvent("message", { data: "héllo" });
    for (const e of events) {
      expect(e).toBeInstanceOf(MessageEvent);
      expect(e).toBeInstanceOf(Event);
      expect(e.constructor).toBe(MessageEvent);
      expect(Object.prototype.toString.call(e)).toBe(Object.prototype.toString.call(real));
      expect([e.type, e.origin, e.lastEventId, e.source, e.bubbles, e.cancelable, e.isTrusted, e.defaultPrevented]).toEqual(
        [real.type, real.origin, real.lastEventId, real.source, real.bubbles, real.cancelable, real.isTrusted, real.defaultPrevented],
      );
      expect(e.ports).toEqual([]);
      expect(Object.isFrozen(e.ports)).toBe(true);
      expect(e.target).toBe(socket);
    }
    // Its own data, not another event's; the legacy initializer answers as a real one's does.
    expect(text.data).not.toBe(bytes.data);
    if (typeof (real as { initMessageEvent?: unknown }).initMessageEvent === "function") expect(() => text.initMessageEvent("message")).not.toThrow();
    else expect((text as { initMessageEvent?: unknown }).initMessageEvent).toBeUndefined();
  });

  it("the readyState constants are the socket's through its prototype and its class, as WebIDL puts them, and no own property of it", async () => {
    let socket!: PureWebSocket;
    await open((s) => (socket = s));
    const Socket = socket.constructor as unknown as Record<string, number>;
    expect([socket.CONNECTING, socket.OPEN, socket.CLOSING, socket.CLOSED]).toEqual([0, 1, 2, 3]);
    expect([Socket.CONNECTING, Socket.OPEN, Socket.CLOSING, Socket.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(Object.keys(socket).filter((k) => /^[A-Z]+$/.test(k))).toEqual([]);
    expect(socket.readyState).toBe(socket.OPEN);
  });
});
