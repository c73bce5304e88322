/**
 * The modules under the HTTP/2 connection, each on its own: flow control windows and
 * the read ledger (RFC 9113 §5.2, §6.9), the stream table and its transition table
 * (§5.1), and the frame table (§6). The connection's own behaviour is tested through
 * its frames in the other files here.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConnectionError, ErrorCode, StreamError } from "../../src/h2/errors.ts";
import { ReadLedger, ReceiveWindow, SendWindow } from "../../src/h2/flow-control.ts";
import { parseFrame } from "../../src/h2/frame-types.ts";
import { Flag, FrameType } from "../../src/h2/frames.ts";
import { MAX_WINDOW } from "../../src/h2/settings.ts";
import { StreamInput, StreamState, transition } from "../../src/h2/stream-state.ts";
import { Closed, StreamTable, advance } from "../../src/h2/streams.ts";

describe("§6.9 flow control windows", () => {
  it("a send window grows to 2^31-1 and no further (§6.9.1), and may go negative through SETTINGS (§6.9.2)", () => {
    const w = new SendWindow(65535);
    expect(w.grow(MAX_WINDOW - 65535)).toBe(true);
    expect(w.size).toBe(MAX_WINDOW);
    expect(w.grow(1)).toBe(false);
    expect(w.size).toBe(MAX_WINDOW);
    expect(w.grow(-MAX_WINDOW - 10)).toBe(true);
    expect(w.size).toBe(-10);
  });

  it("a receive window refuses bytes beyond it and changes nothing then", () => {
    const w = new ReceiveWindow(100);
    expect(w.receive(60)).toBe(true);
    expect(w.receive(41)).toBe(false);
    expect(w.available).toBe(40);
  });

  it("property: credit goes back only for bytes consumed, the peer never gets more than the window, and once all is consumed at least 3/4 of it is open", () => {
    const step = fc.oneof(fc.record({ receive: fc.integer({ min: 0, max: 70_000 }) }), fc.record({ consume: fc.integer({ min: 0, max: 70_000 }) }));
    fc.assert(fc.property(fc.integer({ min: 4, max: 262_144 }), fc.array(step, { maxLength: 200 }), (target, steps) => {
      const w = new ReceiveWindow(target);
      let received = 0;
      let consumed = 0;
      let returned = 0;
      for (const st of steps) {
        if ("receive" in st) {
          const before = w.available;
          if (w.receive(st.receive)) received += st.receive;
          else expect(w.available).toBe(before);
        } else {
          const n = Math.min(st.consume, received - consumed);
          consumed += n;
          returned += w.consume(n);
        }
        expect(returned).toBeLessThanOrEqual(consumed);
        expect(w.available).toBe(target - received + returned);
        expect(w.available).toBeGreaterThanOrEqual(0);
        expect(w.available).toBeLessThanOrEqual(target);
      }
      returned += w.consume(received - consumed);
      expect(w.available).toBeGreaterThan(target - target / 4 - 1);
    }));
  });

  it("property: the read ledger returns each byte's credit once, as it is read, and the rest on release", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 })), { maxLength: 100 }), (steps) => {
      const ledger = new ReadLedger();
      let handed = 0;
      let queued = 0;
      let returned = 0;
      for (const [arrive, read] of steps) {
        ledger.handOut(arrive);
        handed += arrive;
        queued += arrive;
        queued -= Math.min(read, queued);
        const n = ledger.read(queued);
        expect(n).toBeGreaterThanOrEqual(0);
        returned += n;
        expect(returned).toBe(handed - queued);
      }
      returned += ledger.release();
      expect(returned).toBe(handed);
      expect(ledger.release()).toBe(0);
    }));
  });
});

describe("§5.1 stream states", () => {
  it("the transition table: headers open, END_STREAM each way half-closes then closes, a reset closes from anywhere", () => {
    let s = transition(StreamState.Idle, StreamInput.RecvHeaders);
    expect(s).toBe(StreamState.Open);
    expect(transition(s, StreamInput.SendEndStream)).toBe(StreamState.HalfClosedLocal);
    s = transition(s, StreamInput.RecvEndStream);
    expect(s).toBe(StreamState.HalfClosedRemote);
    expect(transition(s, StreamInput.SendEndStream)).toBe(StreamState.Closed);
    for (const from of [StreamState.Idle, StreamState.Open, StreamState.HalfClosedLocal, StreamState.HalfClosedRemote, StreamState.Closed])
      expect(transition(from, StreamInput.Reset)).toBe(StreamState.Closed);
  });

  it("the stream table moves streams through the table, remembers how they closed, and forgets the oldest past 1024", () => {
    const t = new StreamTable();
    const s = t.add(1, 65535, 65535);
    advance(s, StreamInput.RecvHeaders);
    t.close(s, Closed.ResetByUs);
    expect(s.state).toBe(StreamState.Closed);
    expect(t.get(1)).toBeUndefined();
    expect(t.closedAs(1)?.how).toBe(Closed.ResetByUs);
    t.remember(1, Closed.Ended, 0); // a later error on a closed stream changes nothing
    expect(t.closedAs(1)?.how).toBe(Closed.ResetByUs);
    for (let id = 3; id < 3 + 2 * 1024; id += 2) t.remember(id, Closed.Ended, 0);
    expect(t.closedAs(1)).toBeUndefined();
    expect(t.closedAs(3)).toBeDefined();
  });
});

describe("§6 the frame table", () => {
  const f = (type: number, flags: number, streamId: number, payload: number[]) => ({ type, flags, streamId, payload: new Uint8Array(payload) });
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e instanceof StreamError ? ["stream", e.code] : e instanceof ConnectionError ? ["connection", e.code] : ["other"];
    }
    return null;
  };

  it("reads each type's fields, padding removed", () => {
    expect(parseFrame(f(FrameType.DATA, Flag.PADDED | Flag.END_STREAM, 1, [2, 0x61, 0x62, 0, 0]))).toMatchObject({ data: new Uint8Array([0x61, 0x62]), flowLength: 5, end: true });
    expect(parseFrame(f(FrameType.WINDOW_UPDATE, 0, 3, [0x80, 0, 0, 9]))).toMatchObject({ streamId: 3, increment: 9 });
    expect(parseFrame(f(FrameType.GOAWAY, 0, 0, [0, 0, 0, 5, 0, 0, 0, 2]))).toMatchObject({ lastStreamId: 5, code: 2 });
    expect(parseFrame(f(0xfa, 0, 1, [1, 2, 3]))).toBeNull(); // §4.1: unknown types are ignored
  });

  it("rejects what a frame cannot be, with the error RFC 9113 gives", () => {
    expect(code(() => parseFrame(f(FrameType.DATA, 0, 0, [])))).toEqual(["connection", ErrorCode.PROTOCOL_ERROR]);
    expect(code(() => parseFrame(f(FrameType.DATA, Flag.PADDED, 1, [3, 0, 0])))).toEqual(["connection", ErrorCode.PROTOCOL_ERROR]);
    expect(code(() => parseFrame(f(FrameType.PRIORITY, 0, 1, [0, 0, 0, 0])))).toEqual(["stream", ErrorCode.FRAME_SIZE_ERROR]);
    expect(code(() => parseFrame(f(FrameType.PRIORITY, 0, 1, [0, 0, 0, 1, 0])))).toEqual(["stream", ErrorCode.PROTOCOL_ERROR]);
    expect(code(() => parseFrame(f(FrameType.RST_STREAM, 0, 1, [0, 0, 0])))).toEqual(["connection", ErrorCode.FRAME_SIZE_ERROR]);
    expect(code(() => parseFrame(f(FrameType.SETTINGS, Flag.ACK, 0, [0])))).toEqual(["connection", ErrorCode.FRAME_SIZE_ERROR]);
    expect(code(() => parseFrame(f(FrameType.SETTINGS, 0, 1, [])))).toEqual(["connection", ErrorCode.PROTOCOL_ERROR]);
    expect(code(() => parseFrame(f(FrameType.PING, 0, 0, [1, 2, 3])))).toEqual(["connection", ErrorCode.FRAME_SIZE_ERROR]);
    expect(code(() => parseFrame(f(FrameType.PUSH_PROMISE, 0, 1, [0, 0, 0, 2])))).toEqual(["connection", ErrorCode.PROTOCOL_ERROR]);
    expect(code(() => parseFrame(f(FrameType.WINDOW_UPDATE, 0, 1, [0, 0, 1])))).toEqual(["connection", ErrorCode.FRAME_SIZE_ERROR]);
  });
});
