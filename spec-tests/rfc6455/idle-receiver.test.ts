/**
 * A session keeps its frame receiver only while a frame or message is part-way in (an
 * idle socket holds none): whatever the split of the bytes into reads, the events are
 * those of the bytes in one read, across fragments, interleaved control frames, UTF-8
 * sequences cut between fragments and frames cut anywhere.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type SessionEvent, WsSession } from "../../src/ws/session.ts";
import { frame, pool, text } from "../helpers/ws.ts";
import { splitAt } from "../helpers/split.ts";

function eventsOf(pieces: Uint8Array[]) {
  const s = new WsSession("server", pool);
  const events: unknown[] = [];
  const sink = { event: (e: SessionEvent) => void events.push(e.type === "message" ? { ...e, data: Array.from(e.data) } : e.type === "error" ? e.error.code : e) };
  // The receiver unmasks in place: each read is the session's own copy, as a transport's is.
  for (const p of pieces) s.receive(Uint8Array.from(p), sink);
  return { events, session: s };
}

const receiverOf = (s: WsSession) => (s as unknown as { receiver: unknown }).receiver;

const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

/** A data message as 1-3 frames, pings between them, the first fragment possibly empty. */
const message = fc.record({
  binary: fc.boolean(),
  body: fc.string({ unit: "grapheme", maxLength: 60 }),
  cuts: fc.array(fc.nat(), { maxLength: 2 }),
  pings: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
}).map(({ binary, body, cuts, pings }) => {
  const bytes = text(body);
  const parts = splitAt(bytes, cuts);
  return concat(parts.flatMap((part, i) => {
    const f = frame(i === 0 ? (binary ? 2 : 1) : 0, part, { fin: i === parts.length - 1 });
    return pings[i] && i < parts.length - 1 ? [f, frame(9, "p")] : [f];
  }));
});

describe("a session's receiver at rest", () => {
  it("any split of the reads gives the events of one read", () => {
    fc.assert(fc.property(fc.array(message, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 12 }), (msgs, cuts) => {
      const wire = concat(msgs);
      const pieces = splitAt(wire, cuts);
      const whole = eventsOf([wire]);
      expect(eventsOf(pieces).events).toEqual(whole.events);
      expect(whole.events.filter((e) => (e as { type: string }).type === "message")).toHaveLength(msgs.length);
    }), { numRuns: 300 });
  });

  it("is let go between messages and kept while one is part-way in", () => {
    const { session, events } = eventsOf([frame(1, "whole")]);
    expect(events).toHaveLength(1);
    expect(receiverOf(session)).toBeNull();
    const sink = { event: (e: SessionEvent) => void events.push(e) };
    const first = frame(1, text("caf\u00e9").subarray(0, 4), { fin: false }); // "caf" and half of "é"
    session.receive(first, sink);
    expect(receiverOf(session)).not.toBeNull();
    session.receive(frame(0, text("\u00e9").subarray(1), { fin: true }), sink);
    expect(receiverOf(session)).toBeNull();
    const header = frame(2, new Uint8Array(300));
    session.receive(header.subarray(0, 3), sink); // a frame's length, cut in two
    expect(receiverOf(session)).not.toBeNull();
    session.receive(header.subarray(3), sink);
    expect(receiverOf(session)).toBeNull();
    expect(events.map((e) => (e as SessionEvent).type)).toEqual(["message", "message", "message"]);
    expect(new TextDecoder().decode((events[1] as { data: Uint8Array }).data)).toBe("caf\u00e9");
  });

  it("an empty first fragment keeps it: the message's opcode is still to come back to", () => {
    const { session } = eventsOf([frame(1, "", { fin: false })]);
    expect(receiverOf(session)).not.toBeNull();
    const events: SessionEvent[] = [];
    session.receive(frame(0, "x"), { event: (e) => void events.push(e) });
    expect(events).toMatchObject([{ type: "message", binary: false }]);
  });

  it("text that ends inside a UTF-8 sequence still fails after a message at rest (1007)", () => {
    const { events } = eventsOf([frame(1, "ok"), frame(1, Uint8Array.of(0x63, 0xc3))]);
    expect(events).toEqual([{ type: "message", binary: false, data: [0x6f, 0x6b] }, "WS_ERR_INVALID_UTF8", expect.objectContaining({ type: "close", code: 1007 })]);
  });
});
