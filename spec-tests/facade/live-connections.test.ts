/** The server's table of live connections (facade/live.ts): a set that keeps nothing that has gone. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type LiveConnection, LiveConnections } from "../../src/facade/live.ts";

const conn = (name = ""): LiveConnection & { name: string } => ({
  name, liveSlot: -1, tick() {}, requestsInFlight: () => 0, shutdown() {}, destroy() {},
});
/** What the table references, read from inside: the property the class exists for. */
const held = (live: LiveConnections) => (live as unknown as { slots: (LiveConnection | null)[] }).slots.filter((c) => c !== null);

describe("LiveConnections", () => {
  it("adds once, deletes once, counts what it holds", () => {
    const live = new LiveConnections();
    const a = conn("a"), b = conn("b");
    live.add(a);
    live.add(a);
    live.add(b);
    expect(live.size).toBe(2);
    expect(live.delete(a)).toBe(true);
    expect(live.delete(a)).toBe(false);
    expect(live.size).toBe(1);
    expect([...live]).toEqual([b]);
    expect(a.liveSlot).toBe(-1);
  });

  it("references no connection once it is deleted, and reuses its slot", () => {
    const live = new LiveConnections();
    const kept = Array.from({ length: 50 }, (_, i) => conn(`kept ${i}`));
    kept.forEach((c) => live.add(c));
    // Connection churn: thousands come and go beside the fifty that stay.
    for (let i = 0; i < 5000; i++) {
      const c = conn(`churn ${i}`);
      live.add(c);
      expect(live.delete(c)).toBe(true);
      expect(held(live)).not.toContain(c);
    }
    expect(held(live)).toHaveLength(50);
    expect((live as unknown as { slots: unknown[] }).slots.length).toBe(51);
    expect(new Set(live)).toEqual(new Set(kept));
  });

  it("each connection is reached once while the loop deletes as it goes (shutdown, the sweep)", () => {
    const live = new LiveConnections();
    const all = Array.from({ length: 3000 }, (_, i) => conn(String(i)));
    all.forEach((c) => live.add(c));
    const seen: LiveConnection[] = [];
    for (const c of live) {
      seen.push(c);
      live.delete(c);
    }
    expect(seen).toHaveLength(3000);
    expect(new Set(seen).size).toBe(3000);
    expect(live.size).toBe(0);
    // After a burst the table starts over small, and works as before.
    const next = conn("next");
    live.add(next);
    expect([...live]).toEqual([next]);
  });

  it("a connection deleted during the loop before it is reached is not reached", () => {
    const live = new LiveConnections();
    const [a, b, c] = [conn("a"), conn("b"), conn("c")];
    [a, b, c].forEach((x) => live.add(x));
    const seen: string[] = [];
    for (const x of live) {
      seen.push((x as { name: string }).name);
      if (x === a) live.delete(c);
    }
    expect(seen).toEqual(["a", "b"]);
  });

  it("agrees with a Set under any sequence of adds and deletes", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(19)), { maxLength: 400 }), (ops) => {
        const pool = Array.from({ length: 20 }, (_, i) => conn(String(i)));
        const live = new LiveConnections();
        const model = new Set<LiveConnection>();
        for (const [adding, i] of ops) {
          const c = pool[i]!;
          if (adding) {
            live.add(c);
            model.add(c);
          } else expect(live.delete(c)).toBe(model.delete(c));
          expect(live.size).toBe(model.size);
        }
        expect(new Set(live)).toEqual(model);
        expect(held(live)).toHaveLength(model.size);
      }),
    );
  });
});
