/** RFC 9112 §7: chunked transfer coding. */
import { describe, expect, it } from "vitest";
import { errorOf, parseAll } from "../helpers/h1.ts";

const POST = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

describe("RFC 9112 §7.1 chunked transfer coding", () => {
  it("decodes chunks, ignoring recognized-or-not chunk extensions", () => {
    const ev = parseAll(POST + "5\r\nhello\r\n6;name=val;q=\"x y\"\r\n world\r\n0\r\n\r\n");
    expect(ev.map((e) => e.type)).toEqual(["head", "body", "end"]);
    expect(ev[1]!.text).toBe("hello world");
  });
  it("hex digits in either case", () => {
    expect(parseAll(POST + "A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n")[1]!.text).toHaveLength(20);
  });
  it("§7.1.2: trailer fields after the last chunk", () => {
    const ev = parseAll(POST + "1\r\nx\r\n0\r\nX-Sum: 1\r\nX-B: 2\r\n\r\n");
    expect(ev.at(-1)).toEqual({ type: "end", trailers: ["x-sum", "1", "x-b", "2"] });
  });
  it("rejects a chunk-size that is not hex, is empty, or overflows", () => {
    expect(errorOf(POST + "g\r\n")?.status).toBe(400);
    expect(errorOf(POST + "\r\n")?.status).toBe(400);
    expect(errorOf(POST + " 5\r\nhello\r\n0\r\n\r\n")?.status).toBe(400);
    expect(errorOf(POST + "fffffffffffffffff\r\n")?.status).toBe(400);
    expect(errorOf(POST + "-1\r\n")?.status).toBe(400);
    // A byte that can start neither an extension nor the line's end is the size's fault, not an extension's.
    expect(errorOf(POST + "3x\r\nabc\r\n0\r\n\r\n")).toMatchObject({ status: 400, code: "INVALID_CHUNK_SIZE" });
  });
  it("rejects chunk-data not followed by CRLF", () => {
    expect(errorOf(POST + "3\r\nabcX\r\n0\r\n\r\n")).toMatchObject({ status: 400, code: "CHUNK_NO_CRLF" });
  });
  it("rejects malformed chunk extensions and bare LF in the chunk line", () => {
    expect(errorOf(POST + "3;\r\nabc\r\n0\r\n\r\n")?.status).toBe(400);
    expect(errorOf(POST + "3 x\r\nabc\r\n0\r\n\r\n")?.status).toBe(400);
    expect(errorOf(POST + "3\nabc\r\n0\r\n\r\n")?.status).toBe(400);
  });
  it("BWS is allowed before \";\" only: trailing whitespace on the chunk-size line is rejected", () => {
    expect(parseAll(POST + "3 ;a=b\r\nabc\r\n0\r\n\r\n").at(-1)!.type).toBe("end");
    expect(errorOf(POST + "3 \r\nabc\r\n0\r\n\r\n")?.code).toBe("INVALID_CHUNK_EXT");
    expect(errorOf(POST + "3;a=b \r\nabc\r\n0\r\n\r\n")?.code).toBe("INVALID_CHUNK_EXT");
  });
  it("rejects obs-fold and bad bytes in trailers", () => {
    expect(errorOf(POST + "0\r\nX: a\r\n b\r\n\r\n")?.status).toBe(400);
    expect(errorOf(POST + "0\r\nX : a\r\n\r\n")?.status).toBe(400);
  });
});
