/** HPACK properties with fast-check. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HpackDecoder } from "../src/hpack/decoder.ts";
import { HpackEncoder } from "../src/hpack/encoder.ts";
import { HpackError } from "../src/hpack/errors.ts";
import { huffmanDecode, huffmanEncode } from "../src/hpack/huffman.ts";
import { assertFor, testTimeout } from "./budget.ts";

const latin1 = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 60 }).map((a) => String.fromCharCode(...a));
const name = fc.oneof(fc.constantFrom(":path", ":status", "content-type", "cookie", "x-custom", "authorization", "date"), fc.stringMatching(/^[a-z0-9-]{1,20}$/));

describe("HPACK properties", () => {
  it("Huffman encode then decode is the identity", () => {
    fc.assert(fc.property(latin1, (s) => {
      const out: number[] = [];
      huffmanEncode(out, s);
      expect(huffmanDecode(Uint8Array.from(out), 0, out.length)).toBe(s);
    }), { numRuns: 1000 });
  });
  it("a sequence of blocks round-trips through one encoder and one decoder, with table size changes", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.array(fc.tuple(name, latin1), { maxLength: 12 }), fc.option(fc.integer({ min: 0, max: 4096 }))), { maxLength: 8 }), (blocks) => {
      const e = new HpackEncoder();
      const d = new HpackDecoder(4096);
      for (const [fields, size] of blocks) {
        if (size !== null) e.setMaxTableSize(size);
        expect(d.decode(e.encode(fields)).fields).toEqual(fields.flat());
      }
    }), { numRuns: 300 });
  });
  it("random bytes give fields or an HpackError, never another exception", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      try {
        new HpackDecoder(4096).decode(b);
      } catch (e) {
        expect(e).toBeInstanceOf(HpackError);
      }
    }), { numRuns: 3000 });
  });
  it("the decoder on arbitrary blocks, one after another: fields or an HpackError, and a consistent table", async () => {
    // Blocks: random bytes, or valid encodings with some bytes changed, so decoding goes deep before it breaks.
    const valid = fc.array(fc.tuple(name, latin1), { maxLength: 6 }).map((fields) => new HpackEncoder().encode(fields));
    const mutated = fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 })).map(([b, edits]) => {
      const out = Uint8Array.from(b);
      for (const [at, v] of edits) if (out.length) out[at % out.length] = v;
      return out;
    });
    const blockArb = fc.oneof(fc.uint8Array({ maxLength: 200 }), valid, mutated);
    await assertFor("hpack decoder, arbitrary blocks", fc.property(fc.array(blockArb, { maxLength: 8 }), fc.integer({ min: 0, max: 8192 }), (blocks, max) => {
      const d = new HpackDecoder(max);
      for (const b of blocks) {
        let out;
        try {
          out = d.decode(b);
        } catch (e) {
          expect(e).toBeInstanceOf(HpackError);
          return; // a COMPRESSION_ERROR ends the connection: no block follows
        }
        expect(out.fields.length % 2).toBe(0);
        let size = 0;
        for (let i = 0; i < out.fields.length; i += 2) size += out.fields[i]!.length + out.fields[i + 1]!.length + 32;
        expect(out.listSize).toBe(size);
        expect(d.table.size).toBeLessThanOrEqual(Math.min(d.table.maxSize, max));
      }
    }), 3000);
  }, testTimeout);
});
