/**
 * The DEFLATE codec of permessage-deflate (src/ws/deflate.ts) against node:zlib, an
 * implementation we did not write: what we compress, zlib inflates to the same bytes;
 * what zlib compresses message by message (sync flush, window carried over), we inflate.
 */
import * as zlib from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InflateError, Inflater, deflateMessage } from "../src/ws/deflate.ts";

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** Bytes with repeats in them, as text and JSON have: where LZ77 earns its keep. */
const repetitive = fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(new TextEncoder().encode("hello world "), new Uint8Array(300).fill(7))), { maxLength: 30 })
  .map((parts) => Buffer.concat(parts));
const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 5000 }), repetitive);

/** zlib's deflate of each message in turn with a sync flush and the tail left off, as a peer sends them. */
async function zlibMessages(messages: Uint8Array[]): Promise<Buffer[]> {
  const d = zlib.createDeflateRaw();
  const chunks: Buffer[] = [];
  d.on("data", (c: Buffer) => chunks.push(c));
  const out: Buffer[] = [];
  for (const m of messages) {
    chunks.length = 0;
    d.write(m);
    await new Promise<void>((r) => d.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
    const all = Buffer.concat(chunks);
    out.push(all.subarray(0, all.length - 4));
  }
  d.close();
  return out;
}

describe("permessage-deflate's DEFLATE", () => {
  it("zlib inflates what we compress to the same bytes, for any window size", () => {
    fc.assert(fc.property(anyBytes, fc.integer({ min: 8, max: 15 }), (data, bits) => {
      const packed = deflateMessage(data, bits);
      const back = zlib.inflateRawSync(Buffer.concat([packed, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      expect(Buffer.compare(back, Buffer.from(data))).toBe(0);
    }), { numRuns: 300 });
  });

  it("we inflate what zlib compresses, message after message, with the window carried over", async () => {
    await fc.assert(fc.asyncProperty(fc.array(anyBytes, { minLength: 1, maxLength: 6 }), async (messages) => {
      const inflater = new Inflater();
      const packed = await zlibMessages(messages);
      messages.forEach((m, i) => expect(Buffer.compare(Buffer.from(inflater.inflate(packed[i]!, 1 << 24)), Buffer.from(m))).toBe(0));
    }), { numRuns: 200 });
  });

  it("compression pays on repetitive data", () => {
    const text = new TextEncoder().encode(JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, name: "item", tags: ["a", "b"] }))));
    expect(deflateMessage(text).length).toBeLessThan(text.length / 4);
  });

  it("a message that inflates past the limit stops there (tooBig), whatever its compressed size", async () => {
    const bomb = (await zlibMessages([new Uint8Array(1 << 20)]))[0]!;
    expect(bomb.length).toBeLessThan(2000);
    let error: unknown;
    try {
      new Inflater().inflate(bomb, 64 * 1024);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InflateError);
    expect((error as InflateError).tooBig).toBe(true);
  });

  it("random bytes never throw anything but InflateError", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (junk) => {
      try {
        new Inflater().inflate(junk, 1 << 16);
      } catch (e) {
        expect(e).toBeInstanceOf(InflateError);
      }
    }), { numRuns: 1000 });
  });
});
