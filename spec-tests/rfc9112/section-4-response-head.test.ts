/**
 * RFC 9112 §4 and §6: the status line and field section of a response, as the
 * serializer writes them. A head made from fixed fields (a Response's shared field
 * list) is kept and given again to the next alike: it must be, byte for byte, the head
 * that would have been built, whatever changed in between.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WritePool } from "../../src/buffers/pool.ts";
import { type Framing, type ResponseHeadInit, serializeResponse, serializeResponseHead } from "../../src/h1/serializer.ts";

const pool = new WritePool();
const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");
const head = (init: ResponseHeadInit) => text(serializeResponseHead(pool, init));

const TYPE: [string, string][] = [["content-type", "text/plain;charset=UTF-8"]];
const NONE: [string, string][] = [];
const DATED: [string, string][] = [["date", "Tue, 01 Dec 2026 00:00:00 GMT"]];
const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);

describe("response head (RFC 9112 §4, §6)", () => {
  it("writes the status line, the fields, Date, the framing and the connection's fate", () => {
    const h = head({ status: 404, fields: TYPE, framing: { kind: "length", length: 7 }, close: true, now: T0 });
    expect(h).toBe(
      "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain;charset=UTF-8\r\ndate: Wed, 02 Dec 2026 12:00:00 GMT\r\n" +
        "content-length: 7\r\nconnection: close\r\n\r\n",
    );
  });

  it("a head kept from fixed fields is the head that would have been built, whatever changes between responses", () => {
    const framing = fc.oneof(
      fc.constant<Framing>({ kind: "none" }),
      fc.constant<Framing>({ kind: "chunked" }),
      fc.constant<Framing>({ kind: "close" }),
      fc.integer({ min: 0, max: 3 }).map((length): Framing => ({ kind: "length", length })),
    );
    // Each response differs from the one before in one thing: the kept head must not answer for it.
    const change = fc.oneof(
      fc.record({ status: fc.constantFrom(200, 201, 404) }),
      fc.record({ statusText: fc.constantFrom(undefined, "", "Fine") }),
      fc.record({ fields: fc.constantFrom(TYPE, NONE, DATED) }),
      fc.record({ framing }),
      fc.record({ close: fc.boolean() }),
      fc.record({ now: fc.integer({ min: 0, max: 2500 }).map((ms) => T0 + ms) }),
      fc.record({ http10KeepAlive: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 16 }), (changes) => {
        let init: ResponseHeadInit = { status: 200, fields: TYPE, framing: { kind: "length", length: 1 }, close: false, now: T0 };
        for (const c of changes) {
          init = { ...init, ...c };
          expect(head({ ...init, fixedFields: true })).toBe(head({ ...init, fixedFields: false }));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("fields that may change are read every time, even when they are the same object", () => {
    const fields = new Headers({ "x-a": "1" });
    const init = { status: 200, fields, framing: { kind: "length", length: 0 } as const, close: false, now: T0 };
    expect(head(init)).toContain("x-a: 1\r\n");
    fields.set("x-a", "2");
    expect(head(init)).toContain("x-a: 2\r\n");
  });

  it("the body goes after a kept head, in the same region", () => {
    const init = { status: 200, fields: TYPE, framing: { kind: "length", length: 2 } as const, close: false, now: T0, fixedFields: true };
    const a = text(serializeResponse(pool, init, [Uint8Array.of(0x68, 0x69)]));
    const b = text(serializeResponse(pool, init, [Uint8Array.of(0x79, 0x6f)]));
    expect(a.endsWith("\r\n\r\nhi")).toBe(true);
    expect(b).toBe(a.slice(0, -2) + "yo");
  });
});
