/** The byte helpers the cores share: base64 (RFC 4648 §4) against Node's own. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64, fromBase64 } from "../../src/buffers/bytes.ts";

describe("base64 (RFC 4648 §4)", () => {
  it("RFC 4648 §10's test vectors", () => {
    const vectors = ["", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"];
    vectors.forEach((v, n) => expect(base64(new TextEncoder().encode("foobar".slice(0, n)))).toBe(v));
  });
  it("encodes as Buffer does at every length, past the 8,192-character joins too, and decodes back", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 6000, maxLength: 20000 })), (bytes) => {
        const encoded = base64(bytes);
        expect(encoded).toBe(Buffer.from(bytes).toString("base64"));
        expect(fromBase64(encoded)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });
});
