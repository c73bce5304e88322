/** ByteQueue against a plain array of the same bytes, under any mix of pushes and reads. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteQueue } from "../src/buffers/byte-queue.ts";

const op = fc.oneof(
  fc.record({ kind: fc.constant("push" as const), bytes: fc.uint8Array({ maxLength: 20 }) }),
  fc.record({ kind: fc.constantFrom("at" as const, "skip" as const, "take" as const), n: fc.nat(40) }),
  fc.record({ kind: fc.constant("copy" as const), n: fc.nat(40), m: fc.nat(40) }),
);

describe("ByteQueue", () => {
  it("reads, skips, takes and copies what a plain array would, however the bytes were pushed", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const q = new ByteQueue();
        let model: number[] = [];
        for (const o of ops) {
          if (o.kind === "push") {
            q.push(o.bytes.slice());
            model.push(...o.bytes);
          } else if (o.kind === "at") {
            if (o.n < model.length) expect(q.at(o.n)).toBe(model[o.n]);
          } else if (o.kind === "copy") {
            const [a, b] = [Math.min(o.n, o.m, model.length), Math.min(Math.max(o.n, o.m), model.length)];
            expect([...q.copy(a, b)]).toEqual(model.slice(a, b));
          } else {
            const n = Math.min(o.n, model.length);
            if (o.kind === "take") expect([...q.take(n)]).toEqual(model.slice(0, n));
            else q.skip(n);
            model = model.slice(n);
          }
          expect(q.length).toBe(model.length);
        }
      }),
      { numRuns: 500 },
    );
  });
});
