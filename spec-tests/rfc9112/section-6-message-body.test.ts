/** RFC 9112 §6: message body length and the smuggling rules of §6.3 and §11.2. */
import { describe, expect, it } from "vitest";
import { RequestParser } from "../../src/h1/parser.ts";
import { enc, errorOf, headOf, parseAll } from "../helpers/h1.ts";

describe("RFC 9112 §6 message body", () => {
  it("§6.3(6): Content-Length gives the body length", () => {
    const ev = parseAll("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET");
    expect(ev.map((e) => e.type)).toEqual(["head", "body", "end"]);
    expect(ev[1]!.text).toBe("hello");
  });
  it("a Content-Length body that arrived with its head can be taken whole, as a view, and only then", () => {
    const p = new RequestParser();
    const wire = enc("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    p.feed(wire);
    expect(p.next()?.type).toBe("head");
    const body = p.takeWholeBody()!;
    expect(Buffer.from(body).toString()).toBe("hello");
    expect(body.buffer).toBe(wire.buffer);
    expect(p.takeWholeBody()).toBeNull();
    expect(p.next()?.type).toBe("end");
    expect(p.next()).toMatchObject({ type: "head", head: { method: "GET" } });
    expect(p.takeWholeBody()).toBeNull(); // no body
    // Part of the body still to come: nothing is taken, and the data events carry all of it.
    const q = new RequestParser();
    q.feed(enc("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel"));
    expect(q.next()?.type).toBe("head");
    expect(q.takeWholeBody()).toBeNull();
    q.feed(enc("lo"));
    expect([q.next(), q.next(), q.next()].map((e) => e?.type === "data" ? Buffer.from(e.data).toString() : e?.type)).toEqual(["hel", "lo", "end"]);
    // A chunked body is never taken whole.
    const c = new RequestParser();
    c.feed(enc("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
    expect(c.next()?.type).toBe("head");
    expect(c.takeWholeBody()).toBeNull();
  });
  it("§6.3(7): a request with neither CL nor TE has no body", () => {
    const ev = parseAll("POST / HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(ev.map((e) => e.type)).toEqual(["head", "end"]);
  });
  it("§6.3(3): Transfer-Encoding with Content-Length is rejected (smuggling), 400", () => {
    expect(errorOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")).toMatchObject({ status: 400, code: "CL_AND_TE" });
  });
  it("§6.3(4): chunked not the final coding in a request: 400", () => {
    expect(errorOf("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")?.status).toBe(400);
    expect(errorOf("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n")?.status).toBe(400);
  });
  it("§6.1: chunked MUST NOT be applied more than once", () => {
    expect(errorOf("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n")?.status).toBe(400);
    expect(errorOf("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")?.status).toBe(400);
  });
  it("§6.1: a transfer coding we do not implement before chunked: 501", () => {
    expect(errorOf("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")?.status).toBe(501);
  });
  it("§6.1: Transfer-Encoding in HTTP/1.0 means faulty framing: 400", () => {
    expect(errorOf("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")?.status).toBe(400);
  });
  it("Transfer-Encoding values are case-insensitive", () => {
    expect(headOf("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ChUnKeD\r\n\r\n")?.chunked).toBe(true);
  });
  it("§6.3(5): an invalid Content-Length is an unrecoverable error: 400", () => {
    for (const v of ["-1", "+1", "1.0", "0x10", "abc", "", "1 2", "99999999999999999999"]) {
      expect(errorOf(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${v}\r\n\r\n`)?.status).toBe(400);
    }
  });
  it("RFC 9110 §8.6: differing Content-Length values are rejected; identical repeats accepted", () => {
    expect(errorOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")?.code).toBe("CONFLICTING_CONTENT_LENGTH");
    expect(errorOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n")?.status).toBe(400);
    expect(headOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc")?.contentLength).toBe(3);
  });
  it("a Content-Length over maxBodyBytes is answered with 413 before the body", () => {
    expect(errorOf("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n", { maxBodyBytes: 100 })?.status).toBe(413);
  });
  it("a chunked body over maxBodyBytes is answered with 413", () => {
    expect(errorOf("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n", { maxBodyBytes: 50 })?.status).toBe(413);
  });
  it("RFC 9110 §10.1.1: an expectation other than 100-continue is answered with 417", () => {
    expect(errorOf("POST / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n")?.status).toBe(417);
    expect(headOf("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx")?.expectContinue).toBe(true);
  });
});
