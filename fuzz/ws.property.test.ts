/** Properties of the WebSocket codec, with fast-check. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WritePool } from "../src/buffers/pool.ts";
import { WsError } from "../src/ws/errors.ts";
import { Receiver } from "../src/ws/receiver.ts";
import { WsSession } from "../src/ws/session.ts";
import { keyWord, mask, maskWith } from "../src/ws/mask.ts";
import { splitAt } from "../spec-tests/helpers/split.ts";

const pool = new WritePool();
const message = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 200 }).map((s) => ({ binary: false, data: new TextEncoder().encode(s) })),
  fc.uint8Array({ maxLength: 70000 }).map((b) => ({ binary: true, data: b })),
);

function clientBytes(msgs: { binary: boolean; data: Uint8Array }[]) {
  const c = new WsSession("client", pool);
  for (const m of msgs) c.send(m.binary, m.data);
  return Buffer.concat(c.takeOutput());
}

function receiveAll(pieces: Uint8Array[]) {
  const r = new Receiver("server");
  const out: unknown[] = [];
  for (const p of pieces) {
    // The receiver unmasks in place: give it its own copy, as a transport would.
    r.feed(Uint8Array.from(p));
    for (let e = r.next(); e; e = r.next()) out.push(e.type === "message" ? { binary: e.binary, data: Array.from(e.data) } : e);
  }
  return out;
}

describe("WebSocket codec properties", () => {
  it("client encode then server decode is the identity", () => {
    fc.assert(fc.property(fc.array(message, { maxLength: 5 }), (msgs) => {
      expect(receiveAll([clientBytes(msgs)])).toEqual(msgs.map((m) => ({ binary: m.binary, data: Array.from(m.data) })));
    }), { numRuns: 100 });
  });
  it("any split of the input gives the same events", () => {
    fc.assert(fc.property(fc.array(message, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 10 }), (msgs, cuts) => {
      const wire = clientBytes(msgs);
      expect(receiveAll(splitAt(wire, cuts))).toEqual(receiveAll([wire]));
    }), { numRuns: 100 });
  });
  it("random bytes never throw: events or a typed WsError with a close code", () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 6 }), (pieces) => {
      const r = new Receiver("server", { maxMessageSize: 4096 });
      for (const p of pieces) {
        r.feed(p);
        for (let e = r.next(); e; e = r.next()) if (e.type === "error") {
          expect(e.error).toBeInstanceOf(WsError);
          expect([1002, 1007, 1009]).toContain(e.error.closeCode);
        }
      }
    }), { numRuns: 2000 });
  });
  it("masking twice with the same key at any offset restores the data", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(7), fc.uint8Array({ minLength: 4, maxLength: 4 }), (data, off, key) => {
      const buf = new Uint8Array(data.length + off);
      buf.set(data, off);
      const view = buf.subarray(off);
      mask(view, 0, view.length, key);
      const expected = data.map((b, i) => b ^ key[i & 3]!);
      expect(Array.from(view)).toEqual(Array.from(expected));
      mask(view, 0, view.length, key);
      expect(Array.from(view)).toEqual(Array.from(data));
    }), { numRuns: 500 });
  });
  it("masking any region from any key position is RFC 6455 §5.3's byte-by-byte definition", () => {
    const region = fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.nat(7), fc.nat(200), fc.nat(200), fc.nat(7), fc.uint8Array({ minLength: 4, maxLength: 4 }));
    fc.assert(fc.property(region, ([data, align, a, b, keyOffset, key]) => {
      const buf = new Uint8Array(data.length + align);
      buf.set(data, align);
      const view = buf.subarray(align);
      const start = Math.min(a, b, data.length), end = Math.min(Math.max(a, b), data.length);
      const expected = Array.from(data, (x, i) => (i >= start && i < end ? x ^ key[(i - start + keyOffset) % 4]! : x));
      maskWith(view, start, end, keyWord(key), keyOffset);
      expect(Array.from(view)).toEqual(expected);
    }), { numRuns: 2000 });
  });
});
