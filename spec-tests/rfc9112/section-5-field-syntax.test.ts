/** RFC 9112 §5: field syntax. */
import { describe, expect, it } from "vitest";
import { errorOf, headOf } from "../helpers/h1.ts";

describe("RFC 9112 §5 field syntax", () => {
  it("field names are case-insensitive and carried lowercase; values keep their case", () => {
    expect(headOf("GET / HTTP/1.1\r\nHOST: a\r\nX-Thing: VaLuE\r\n\r\n")?.fields).toEqual(["host", "a", "x-thing", "VaLuE"]);
  });
  it("§5.1: leading and trailing OWS is not part of the value", () => {
    expect(headOf("GET / HTTP/1.1\r\nHost: a\r\nX:  \t v w \t \r\n\r\n")?.fields[3]).toBe("v w");
  });
  it("§5.1: no whitespace is allowed between the field name and colon; MUST reject with 400", () => {
    expect(errorOf("GET / HTTP/1.1\r\nHost : a\r\n\r\n")).toMatchObject({ status: 400, code: "WS_BEFORE_COLON" });
  });
  it("§5.2: obs-fold is rejected with 400", () => {
    expect(errorOf("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n")).toMatchObject({ status: 400, code: "OBS_FOLD" });
  });
  it("a field line without a colon or with an empty name is rejected", () => {
    expect(errorOf("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n")).toMatchObject({ status: 400, code: "NO_COLON" });
    expect(errorOf("GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n")).toMatchObject({ status: 400, code: "EMPTY_FIELD_NAME" });
  });
  it("RFC 9110 §5.5: NUL, other CTLs, DEL and bare CR in a value are rejected", () => {
    for (const bad of ["\x00", "\x01", "\x7f", "\x1f", "a\rb"]) {
      expect(errorOf(`GET / HTTP/1.1\r\nHost: a\r\nX: ${bad}\r\n\r\n`)?.status).toBe(400);
    }
  });
  it("obs-text (0x80-0xff) in a value is accepted as opaque bytes", () => {
    expect(headOf("GET / HTTP/1.1\r\nHost: a\r\nX: caf\xe9\r\n\r\n")?.fields[3]).toBe("caf\xe9");
  });
  it("non-token bytes in a field name are rejected", () => {
    expect(errorOf("GET / HTTP/1.1\r\nHost: a\r\nX(y): v\r\n\r\n")?.status).toBe(400);
    expect(errorOf("GET / HTTP/1.1\r\nHost: a\r\nX\xe9: v\r\n\r\n")?.status).toBe(400);
  });
  it("answers 431 when the head exceeds maxHeaderBytes or maxHeaderCount", () => {
    expect(errorOf(`GET / HTTP/1.1\r\nHost: a\r\nX: ${"v".repeat(2000)}\r\n\r\n`, { maxHeaderBytes: 1024 })?.status).toBe(431);
    const many = Array.from({ length: 20 }, (_, i) => `X${i}: v\r\n`).join("");
    expect(errorOf(`GET / HTTP/1.1\r\nHost: a\r\n${many}\r\n`, { maxHeaderCount: 10 })?.status).toBe(431);
  });
  it("an oversized head is refused before it is complete", () => {
    expect(errorOf(`GET / HTTP/1.1\r\nHost: a\r\nX: ${"v".repeat(5000)}`, { maxHeaderBytes: 1024 })?.status).toBe(431);
  });
});
