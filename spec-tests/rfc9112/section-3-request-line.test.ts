/** RFC 9112 §2 and §3: message format and request line. */
import { describe, expect, it } from "vitest";
import { errorOf, headOf } from "../helpers/h1.ts";

describe("RFC 9112 §2.2 message parsing", () => {
  it("a server SHOULD ignore at least one empty line (CRLF) received prior to the request-line", () => {
    expect(headOf("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")?.target).toBe("/");
  });
  it("a bare CR is rejected as invalid (MUST treat as invalid or replace)", () => {
    expect(errorOf("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n")?.status).toBe(400);
  });
  it("a bare LF line ending is rejected (strict)", () => {
    expect(errorOf("GET / HTTP/1.1\nHost: a\n\n")).toMatchObject({ status: 400, code: "BARE_LF" });
  });
});

describe("RFC 9112 §3 request line", () => {
  it("parses method, target and version", () => {
    const h = headOf("POST /a/b?c=d HTTP/1.1\r\nHost: x\r\n\r\n")!;
    expect(h).toMatchObject({ method: "POST", target: "/a/b?c=d", minor: 1, targetForm: "origin" });
  });
  it("the method is case-sensitive and kept as sent", () => {
    expect(headOf("get / HTTP/1.1\r\nHost: x\r\n\r\n")?.method).toBe("get");
  });
  it("rejects a method that is not a token", () => {
    expect(errorOf("G(T / HTTP/1.1\r\nHost: x\r\n\r\n")).toMatchObject({ status: 400, code: "INVALID_METHOD" });
    expect(errorOf("G/T / HTTP/1.1\r\nHost: x\r\n\r\n")).toMatchObject({ status: 400, code: "INVALID_METHOD" });
    expect(errorOf("GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n")).toMatchObject({ status: 400, code: "INVALID_REQUEST_LINE" });
  });
  it("rejects HTTP/0.9's request-line (no version)", () => {
    expect(errorOf("GET /\r\n\r\n")).toMatchObject({ status: 400, code: "NO_VERSION" });
  });
  it("rejects more than one space between elements, saying where", () => {
    // (an empty target, then "/ HTTP/1.1" as the version, was the reading before)
    expect(errorOf("GET  / HTTP/1.1\r\nHost: x\r\n\r\n")).toMatchObject({ status: 400, code: "EXTRA_SPACE" });
    expect(errorOf("GET /  HTTP/1.1\r\nHost: x\r\n\r\n")).toMatchObject({ status: 400, code: "EXTRA_SPACE" });
    expect(errorOf("GET \r\nHost: x\r\n\r\n")).toMatchObject({ status: 400, code: "EMPTY_TARGET" });
  });
  it("rejects whitespace or control bytes inside the request-target", () => {
    expect(errorOf("GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n")?.status).toBe(400);
    expect(errorOf("GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n")?.status).toBe(400);
    expect(errorOf("GET /a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n")?.status).toBe(400);
    expect(errorOf("GET /a\xffb HTTP/1.1\r\nHost: x\r\n\r\n")?.status).toBe(400);
  });
  it("rejects a fragment in the request-target", () => {
    expect(errorOf("GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n")?.status).toBe(400);
  });
  it("answers 414 to a request-target over the limit", () => {
    expect(errorOf(`GET /${"a".repeat(100)} HTTP/1.1\r\nHost: x\r\n\r\n`, { maxTargetLength: 50 })?.status).toBe(414);
  });
  it("answers 505 to an unsupported major version and 400 to a malformed one", () => {
    expect(errorOf("GET / HTTP/2.0\r\nHost: x\r\n\r\n")?.status).toBe(505);
    expect(errorOf("GET / HTTP/3.0\r\nHost: x\r\n\r\n")?.status).toBe(505);
    expect(errorOf("GET / HTTP/1.10\r\nHost: x\r\n\r\n")?.status).toBe(400);
    expect(errorOf("GET / http/1.1\r\nHost: x\r\n\r\n")?.status).toBe(400);
    expect(errorOf("GET / HTTP/1\r\nHost: x\r\n\r\n")?.status).toBe(400);
  });
  it("RFC 9110 §6.2: a higher minor version is handled as 1.1", () => {
    expect(headOf("GET / HTTP/1.7\r\nHost: x\r\n\r\n")?.minor).toBe(1);
  });
  it("§3.2.1 origin-form, §3.2.2 absolute-form, §3.2.3 authority-form for CONNECT, §3.2.4 asterisk-form for OPTIONS", () => {
    expect(headOf("GET /p HTTP/1.1\r\nHost: x\r\n\r\n")?.targetForm).toBe("origin");
    expect(headOf("GET http://e.com/p HTTP/1.1\r\nHost: x\r\n\r\n")?.targetForm).toBe("absolute");
    expect(headOf("CONNECT e.com:443 HTTP/1.1\r\nHost: e.com:443\r\n\r\n")?.targetForm).toBe("authority");
    expect(headOf("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")?.targetForm).toBe("asterisk");
  });
  it("rejects an asterisk-form outside OPTIONS and authority-form outside CONNECT", () => {
    expect(errorOf("GET * HTTP/1.1\r\nHost: x\r\n\r\n")?.status).toBe(400);
    expect(errorOf("GET e.com:443 HTTP/1.1\r\nHost: x\r\n\r\n")?.status).toBe(400);
    expect(errorOf("CONNECT /x HTTP/1.1\r\nHost: x\r\n\r\n")?.status).toBe(400);
  });
  it("§3.2: a client MUST send Host in HTTP/1.1; a server MUST answer 400 when it is missing", () => {
    expect(errorOf("GET / HTTP/1.1\r\n\r\n")).toMatchObject({ status: 400, code: "MISSING_HOST" });
  });
  it("§3.2: more than one Host field line is answered with 400", () => {
    expect(errorOf("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")).toMatchObject({ status: 400, code: "DUPLICATE_HOST" });
  });
  it("§3.2: a Host with an invalid value is answered with 400", () => {
    expect(errorOf("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n")?.status).toBe(400);
    expect(errorOf("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n")?.status).toBe(400);
    expect(errorOf("GET / HTTP/1.1\r\nHost: a:b\r\n\r\n")?.status).toBe(400);
    expect(headOf("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")?.host).toBe("[::1]:8080");
  });
  it("HTTP/1.0 may omit Host", () => {
    expect(headOf("GET / HTTP/1.0\r\n\r\n")?.host).toBe("");
  });
});
