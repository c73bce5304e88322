/** The write queue every transport shares (src/buffers/write-queue.ts). */
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
