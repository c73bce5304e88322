/** The write queue every transport shares (src/buffers/write-queue.ts). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WritePool } from "../../src/buffers/pool.ts";
import { GATHER_LIMIT, HIGH_WATER_MARK, WriteQueue } from "../../src/buffers/write-queue.ts";

const bytes = (n: number, fill = 0x61) => new Uint8Array(n).fill(fill);

describe("WriteQueue", () => {
  it("gathers a turn's small writes into one part, in order", () => {
    const q = new WriteQueue(new WritePool());
    q.push(bytes(3, 1));
    q.push(bytes(2, 2));
    expect(q.batched).toBe(5);
    q.gather();
    expect(q.pendingCount).toBe(1);
    expect([...q.front()!]).toEqual([1, 1, 1, 2, 2]);
    expect(q.accepted(5)).toBe(false); // no drain was owed
    expect(q.empty).toBe(true);
  });

  it("leaves a large turn's parts as they are (no copy past the gather limit)", () => {
    const q = new WriteQueue(new WritePool());
    const big = bytes(GATHER_LIMIT);
    q.push(bytes(10));
    q.push(big);
    q.gather();
    expect(q.pendingCount).toBe(2);
    q.accepted(10);
    expect(q.front()).toBe(big);
  });

  it("says which parts it copied together (their owners may have them back), and none it left as they are", () => {
    const q = new WriteQueue(new WritePool());
    const a = bytes(3), b = bytes(20_000), c = bytes(GATHER_LIMIT);
    const told: Uint8Array[][] = [];
    const tell = (copied: Uint8Array[] | null) => void (copied !== null && told.push(copied));
    q.push(a);
    q.push(b);
    tell(q.gather(64 * 1024));
    expect(told).toEqual([[a, b]]);
    expect(told[0]![0]).toBe(a);
    q.accepted(20_003);
    q.push(bytes(10));
    q.push(c);
    tell(q.gather());
    q.push(c);
    tell(q.gather(64 * 1024)); // one part alone is not copied
    expect(told.length).toBe(1);
  });

  it("past the limit, copies neighbours together in runs of up to the limit: 32 HTTP/2 responses' frames leave in three sends, not 96", () => {
    const q = new WriteQueue(new WritePool());
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 32; i++) frames.push(bytes(30, i), bytes(9, i), bytes(1024, i)); // HEADERS, a DATA header, its payload
    for (const f of frames) q.push(f);
    const copied = q.gather();
    expect(copied).toEqual(frames);
    expect(q.pendingCount).toBe(3);
    const sends: number[] = [];
    for (let p = q.front(); p !== null; p = q.front()) {
      expect(p.length).toBeLessThanOrEqual(GATHER_LIMIT);
      sends.push(p.length);
      q.accepted(p.length);
    }
    expect(sends.reduce((a, b) => a + b)).toBe(32 * 1063);
  });

  it("a part that fills a run goes as it is, between runs of its smaller neighbours", () => {
    const q = new WriteQueue(new WritePool());
    const a = bytes(100, 1), b = bytes(200, 2), big = bytes(GATHER_LIMIT, 3), c = bytes(9, 4), d = bytes(GATHER_LIMIT - 9, 5), e = bytes(1, 6);
    for (const p of [a, b, big, c, d, e]) q.push(p);
    expect(q.gather()).toEqual([a, b, c, d]);
    const out: Uint8Array[] = [];
    for (let p = q.front(); p !== null; p = q.front()) {
      out.push(p);
      q.accepted(p.length);
    }
    expect(out.map((p) => p.length)).toEqual([300, GATHER_LIMIT, GATHER_LIMIT, 1]);
    expect(out[1]).toBe(big); // not copied
    expect(out[3]).toBe(e); // a run of one is not copied either
    expect([...out[0]!.subarray(99, 101)]).toEqual([1, 2]);
  });

  it("whatever the sizes and the limit, the bytes leave in order; each send is a write as it was or a copy of at most the limit; the copies are the parts said", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 20_000 }), (sizes, limit) => {
      const q = new WriteQueue(new WritePool());
      const parts = sizes.map((n, i) => bytes(n, i % 251));
      for (const p of parts) q.push(p);
      const copied = new Set(q.gather(limit) ?? []);
      const sent: Uint8Array[] = [];
      for (let p = q.front(); p !== null; p = q.front()) {
        sent.push(p);
        q.accepted(p.length);
      }
      const joined = (list: Uint8Array[]) => Buffer.concat(list).toString("hex");
      expect(joined(sent)).toBe(joined(parts));
      const asIs = sent.filter((p) => parts.includes(p));
      for (const p of sent) if (!asIs.includes(p)) expect(p.length).toBeLessThanOrEqual(limit);
      // Every part was either sent as it is or copied (and said to be), never both.
      for (const p of parts) expect(asIs.includes(p) !== copied.has(p)).toBe(true);
    }));
  });

  it("takes partial sends from the front", () => {
    const q = new WriteQueue(new WritePool());
    q.push(Uint8Array.from([1, 2, 3, 4]));
    q.gather();
    q.accepted(3);
    expect([...q.front()!]).toEqual([4]);
    q.accepted(1);
    expect(q.front()).toBeNull();
  });

  it("reports backpressure past the high-water mark and owes one drain, paid once under it", () => {
    const q = new WriteQueue(new WritePool());
    expect(q.push(bytes(HIGH_WATER_MARK - 1))).toBe(true);
    expect(q.push(bytes(1))).toBe(false);
    q.gather();
    expect(q.accepted(0)).toBe(false);
    expect(q.accepted(1)).toBe(true);
    expect(q.accepted(HIGH_WATER_MARK - 1)).toBe(false); // paid already
  });

  it("counts what the socket itself holds, and pays the drain when the socket drains", () => {
    let inSocket = 0;
    const q = new WriteQueue(new WritePool(), { inSocket: () => inSocket });
    inSocket = HIGH_WATER_MARK;
    expect(q.push(bytes(1))).toBe(false);
    q.gather();
    expect(q.accepted(1)).toBe(false); // the socket is still full
    inSocket = 0;
    expect(q.socketDrained()).toBe(true);
  });
});

describe("SocketConnection", () => {
  it("never pays a drain inside the write that asked for one: a write that sends at once says whether to wait after sending", async () => {
    const { SocketConnection } = await import("../../src/transport/socket-connection.ts");
    class Partial extends SocketConnection {
      readonly remoteAddr = { hostname: "", port: 0, transport: "tcp" as const };
      readonly localAddr = this.remoteAddr;
      readonly alpnProtocol = null;
      readonly encrypted = false;
      protected override readonly sendEarly = true;
      /** How much the socket takes per send: all at first. */
      room = Infinity;
      protected scheduleFlush(): void {}
      protected sendPending(): false {
        for (let part = this.queue.front(); part !== null; part = this.queue.front()) {
          const n = Math.min(part.length, this.room);
          if (n > 0) this.taken(n);
          if (n < part.length) return false;
        }
        return false;
      }
      protected shutdownWrite(): void {}
      protected closeSocket(): void {}
      pause(): void {}
      resume(): void {}
    }
    const c = new Partial();
    let drains = 0;
    c.handler = { data() {}, drain: () => drains++, end() {}, close() {} };
    // Sent whole inside the write: nothing to wait for, and no drain delivered to nobody.
    expect(c.write(bytes(HIGH_WATER_MARK + 1))).toBe(true);
    expect(drains).toBe(0);
    // The socket takes nothing now: wait, and the drain comes once it takes the rest.
    c.room = 0;
    expect(c.write(bytes(HIGH_WATER_MARK + 1))).toBe(false);
    expect(drains).toBe(0);
    c.room = Infinity;
    c.writable();
    expect(drains).toBe(1);
  });
});
