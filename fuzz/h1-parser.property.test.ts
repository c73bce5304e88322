/** Properties of the HTTP/1.1 parser, with fast-check. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type H1Event, RequestParser } from "../src/h1/parser.ts";
import { FIELD_NAMES, METHODS, TCHAR, TokenTrie, isValidAuthority } from "../src/h1/chars.ts";
import { H1ParseError } from "../src/h1/errors.ts";
import { serializeRequest, serializeResponse, serializeResponseHead } from "../src/h1/serializer.ts";
import { WritePool } from "../src/buffers/pool.ts";
import { latin1 } from "../src/buffers/bytes.ts";
import { normalize } from "../spec-tests/helpers/h1.ts";
import { splitAt } from "../spec-tests/helpers/split.ts";

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const value = fc.stringMatching(/^[\x21-\x7e\x80-\xff]([\x20-\x7e\x80-\xff]{0,30}[\x21-\x7e\x80-\xff])?$/);
const fieldName = token.filter((n) => !["host", "content-length", "transfer-encoding", "connection", "expect", "upgrade"].includes(n.toLowerCase()));
const bytes = fc.uint8Array({ maxLength: 300 });

const request = fc.record({
  method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "X-CUSTOM"),
  path: fc.stringMatching(/^\/[A-Za-z0-9._~%!$&'()*+,;=:@\/?-]{0,40}$/),
  fields: fc.array(fc.tuple(fieldName, value), { maxLength: 8 }),
  body: fc.oneof(
    fc.constant(null),
    bytes.map((b) => ({ bytes: b })),
    fc.record({ chunks: fc.array(bytes, { maxLength: 4 }), trailers: fc.array(fc.tuple(fieldName, value), { maxLength: 2 }) }),
  ),
});

/** The events of parsing pieces; with takeWhole, each head is followed by takeWholeBody() as the server does. */
function events(pieces: Uint8Array[], takeWhole = false) {
  const p = new RequestParser();
  const out: H1Event[] = [];
  for (const piece of pieces) {
    p.feed(piece);
    for (let e = p.next(); e; e = p.next()) {
      out.push(e);
      const whole = takeWhole && e.type === "head" ? p.takeWholeBody() : null;
      if (whole) out.push({ type: "data", data: whole });
    }
  }
  return normalize(out);
}

describe("HTTP/1.1 parser properties", () => {
  it("serialize then parse gives back the request", () => {
    fc.assert(
      fc.property(request, (r) => {
        const wire = serializeRequest(r.method, r.path, [["host", "example.com"], ...r.fields], r.body);
        const ev = events([wire]);
        const head = ev[0]!.head;
        expect(head.method).toBe(r.method);
        expect(head.target).toBe(r.path);
        const fields: string[] = head.fields;
        for (const [n, v] of r.fields) expect(fields).toContain(n.toLowerCase()), expect(fields).toContain(v);
        const expected = r.body === null ? "" : "bytes" in r.body
          ? Buffer.from(r.body.bytes).toString("latin1")
          : Buffer.concat(r.body.chunks).toString("latin1");
        const body = ev.find((e) => e.type === "body")?.text ?? "";
        expect(body).toBe(expected);
        expect(ev.at(-1)!.type).toBe("end");
      }),
      { numRuns: 300 },
    );
  });

  it("any split of valid input parses identically, including one byte at a time", () => {
    fc.assert(
      fc.property(request, request, fc.array(fc.nat(), { maxLength: 12 }), (a, b, cuts) => {
        const wa = serializeRequest(a.method, a.path, [["host", "h"], ...a.fields], a.body);
        const wb = serializeRequest(b.method, b.path, [["host", "h"], ...b.fields], b.body);
        const wire = Buffer.concat([wa, wb]);
        const whole = events([wire]);
        expect(events(splitAt(wire, cuts))).toEqual(whole);
        expect(events([...wire].map((x) => Uint8Array.of(x)))).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  it("taking a body whole after its head, when it has all arrived, changes no event, for any split", () => {
    fc.assert(
      fc.property(request, request, fc.array(fc.nat(), { maxLength: 6 }), (a, b, cuts) => {
        const wa = serializeRequest(a.method, a.path, [["host", "h"], ...a.fields], a.body);
        const wb = serializeRequest(b.method, b.path, [["host", "h"], ...b.fields], b.body);
        const pieces = splitAt(Buffer.concat([wa, wb]), cuts);
        expect(events(pieces, true)).toEqual(events(pieces));
      }),
      { numRuns: 300 },
    );
  });

  it("random bytes never throw: events or a typed H1ParseError", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }), (pieces) => {
        const p = new RequestParser({ maxHeaderBytes: 512 });
        for (const piece of pieces) {
          p.feed(piece);
          for (let e = p.next(); e; e = p.next()) {
            if (e.type === "error") expect(e.error).toBeInstanceOf(H1ParseError);
            if (p.paused) p.resume();
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("a field value is accepted exactly when every byte is field-vchar, SP or HTAB, at any alignment", () => {
    // The value scan skips four bytes at a time; each byte value at each offset must still be judged alone.
    const valueBytes = fc.uint8Array({ maxLength: 70 }).map((v) => v.map((c) => (c === 0x0a ? 0x41 : c)));
    fc.assert(
      fc.property(fc.nat({ max: 7 }), fc.nat({ max: 7 }), valueBytes, (pad, namePad, v) => {
        const head = Buffer.concat([
          Buffer.from(`GET /${"a".repeat(pad)} HTTP/1.1\r\nHost: h\r\nx-${"n".repeat(namePad)}: `, "latin1"),
          v,
          Buffer.from("\r\n\r\n", "latin1"),
        ]);
        const p = new RequestParser();
        p.feed(head);
        const e = p.next()!;
        const bad = v.findIndex((c) => !(c === 0x09 || (c >= 0x20 && c !== 0x7f)));
        if (bad < 0) {
          expect(e.type).toBe("head");
          const text = Buffer.from(v).toString("latin1").replace(/^[ \t]+|[ \t]+$/g, "");
          if (e.type === "head") expect(e.head.fields.slice(2)).toEqual([`x-${"n".repeat(namePad)}`, text]);
        } else {
          expect(e.type).toBe("error");
          if (e.type === "error") expect(e.error.code).toBe(v[bad] === 0x0d ? "BARE_CR" : "INVALID_FIELD_VALUE");
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("a response head writes every field byte as given, ASCII or not, short or long", () => {
    // Field values are ByteStrings: each code unit one byte (writeLatin1 takes a native
    // path for ASCII and must fall back exactly when a byte is 0x80 or above).
    const pool = new WritePool();
    const latin1Value = fc.array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 120 })
      .map((codes) => String.fromCharCode(...codes).trim());
    fc.assert(
      fc.property(latin1Value, fc.boolean(), (value, withBody) => {
        const init = { status: 200, fields: [["x-v", value]] as [string, string][], framing: { kind: "length", length: 3 } as const, close: false, now: 0 };
        const bytes = withBody ? serializeResponse(pool, init, [Uint8Array.of(1, 2), Uint8Array.of(3)]) : serializeResponseHead(pool, init);
        const text = Buffer.from(bytes).toString("latin1");
        expect(text).toContain(`\r\nx-v: ${value}\r\n`);
        if (withBody) expect([...bytes.subarray(-3)]).toEqual([1, 2, 3]);
      }),
      { numRuns: 1000 },
    );
  });

  it("random bytes after a valid prefix never throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
        const p = new RequestParser();
        p.feed(Buffer.from("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"));
        p.feed(tail);
        for (let e = p.next(); e; e = p.next()) if (e.type === "error") expect(e.error.status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("Host and authority-form (RFC 9110 §7.2, RFC 3986 §3.2.2)", () => {
  // The grammar written out as one regular expression: IP-literal, or reg-name / IPv4address
  // (the characters RFC 3986 allows), then an optional port of digits, which must be one a
  // TCP port can be (at most 65535: no URL holds a larger one).
  const AUTHORITY_RE = /^(?:\[(?:[0-9A-Fa-f:.]+|v[0-9A-Fa-f]+\.[^\]]+)\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::([0-9]*))?$/;
  const grammar = (s: string) => {
    const m = AUTHORITY_RE.exec(s);
    return m !== null && (m[1] === undefined || m[1] === "" || Number(m[1]) <= 65535);
  };
  const AUTHORITY_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=%:\[\]]*$/;
  const piece = fc.constantFrom("a", "Z", "0", "9", "127", ".", "-", "%", "~", ":", "[", "]", "v1", "::1", "8080", "@", "/", " ", "é", "example.com");
  it("isValidAuthority agrees with the grammar on any mix of the characters that matter", () => {
    fc.assert(fc.property(fc.array(piece, { maxLength: 8 }).map((a) => a.join("")), (s) => {
      const expected = s.length === 0 ? true : AUTHORITY_CHARS.test(s) && grammar(s);
      expect(isValidAuthority(s, true)).toBe(expected);
    }), { numRuns: 5000 });
  });
  it("examples", () => {
    for (const ok of ["example.com", "127.0.0.1:8080", "[::1]:443", "[v1.x]", "host:", ":80"]) expect(isValidAuthority(ok, false)).toBe(true);
    for (const ok of ["a:65535", "[::1]:65535", "a:00080"]) expect(isValidAuthority(ok, false)).toBe(true);
    for (const bad of ["a:b:c", "a[b]", "[::1", "[::1]x", "user@host", "host:8o", "ho st", "", "a:65536", "[::1]:99999", "a:99999999999999999999"]) {
      expect(isValidAuthority(bad, false)).toBe(false);
    }
  });
});

describe("TokenTrie: names recognised while they are scanned", () => {
  const known = FIELD_NAMES.token.filter((t): t is string => t !== undefined);
  const flipCase = (s: string, flips: boolean[]) =>
    [...s].map((ch, k) => (flips[k % flips.length] ? ch.toUpperCase() : ch)).join("");
  // Known names in any case, their prefixes and extensions, other tokens, and bytes that end a token.
  const piece = fc.oneof(
    fc.tuple(fc.constantFrom(...known), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 })).map(([n, f]) => flipCase(n, f)),
    fc.constantFrom(...known).chain((n) => fc.nat(n.length).map((k) => n.slice(0, k))),
    fc.constantFrom("-", "x", "s", "2", "~", "A", ":", " ", "\t", "\u00e9", "\u007f", "\u0000"),
    token,
  );
  const bytesOf = (s: string) => Uint8Array.from([...s].map((ch) => ch.charCodeAt(0) & 0xff));
  // The walk the parser does: the token, if the whole of b is one of the trie's.
  const lookup = (trie: TokenTrie, b: Uint8Array) => (trie.scan(b, 0) === b.length ? trie.token[trie.state] : undefined);
  const reference = (list: string[], fold: boolean, b: Uint8Array) => {
    for (const c of b) if (!TCHAR[c]) return undefined;
    const s = String.fromCharCode(...b);
    const key = fold ? s.toLowerCase() : s;
    return list.includes(key) ? key : undefined;
  };

  it("scan agrees with a list search on any mix of pieces, for field names (case folded) and methods", () => {
    const methods = METHODS.token.filter((t): t is string => t !== undefined);
    fc.assert(fc.property(fc.array(piece, { maxLength: 4 }).map((a) => a.join("")), (s) => {
      const b = bytesOf(s);
      expect(lookup(FIELD_NAMES, b)).toBe(reference(known, true, b));
      expect(lookup(METHODS, b)).toBe(reference(methods, false, b));
    }), { numRuns: 5000 });
  });

  it("the parser carries every field name lowercase, known or not", () => {
    const name = fc.array(piece, { minLength: 1, maxLength: 3 }).map((a) => a.join("")).filter((n) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(n))
      // Names whose meaning would make "v" an error are left to their own tests.
      .filter((n) => !["host", "content-length", "transfer-encoding", "expect"].includes(n.toLowerCase()));
    fc.assert(fc.property(name, (n) => {
      const p = new RequestParser();
      p.feed(new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: a\r\n${n}: v\r\n\r\n`));
      const e = p.next();
      if (e?.type !== "head") throw new Error(`expected a head, got ${JSON.stringify(e)}`);
      expect(e.head.fields[2]).toBe(n.toLowerCase());
    }), { numRuns: 3000 });
  });

  it("examples", () => {
    const b = (s: string) => new TextEncoder().encode(s);
    expect(lookup(FIELD_NAMES, b("Content-Length"))).toBe("content-length");
    expect(lookup(FIELD_NAMES, b("content-lengt"))).toBeUndefined();
    expect(lookup(FIELD_NAMES, b("content-lengths"))).toBeUndefined();
    expect(lookup(FIELD_NAMES, b("host"))).toBe("host");
    expect(lookup(METHODS, b("GET"))).toBe("GET");
    expect(lookup(METHODS, b("get"))).toBeUndefined();
    expect(FIELD_NAMES.scan(b("Host: x"), 0)).toBe(4);
    expect(FIELD_NAMES.token[FIELD_NAMES.state]).toBe("host");
    expect(() => new TokenTrie(["a b"], true)).toThrow(/not a token/);
  });
});

describe("latin1: one code unit per byte, whichever way it is decoded", () => {
  // Mostly ASCII, with bytes that make valid and invalid UTF-8, a BOM and U+FFFD's own
  // encoding mixed in: none of them may be read as anything but one code unit per byte.
  const piece = fc.oneof(
    fc.uint8Array({ maxLength: 80 }).map((b) => b.map((x) => x & 0x7f)),
    fc.constantFrom([0xc3, 0xa9], [0xef, 0xbb, 0xbf], [0xef, 0xbf, 0xbd], [0xf0, 0x9f, 0x98, 0x80], [0x80], [0xff], [0xe9]).map((a) => Uint8Array.from(a)),
    fc.uint8Array({ maxLength: 8 }),
  );
  it("agrees with Node's latin1 on plain Uint8Arrays (Deno's reads) and on Buffers", () => {
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), fc.nat(), fc.nat(), (pieces, x, y) => {
      const b = Uint8Array.from(pieces.flatMap((p) => [...p]));
      const [start, end] = [x % (b.length + 1), y % (b.length + 1)].sort((p, q) => p - q) as [number, number];
      const expected = Buffer.from(b).toString("latin1", start, end);
      expect(latin1(b, start, end)).toBe(expected);
      expect(latin1(Buffer.from(b), start, end)).toBe(expected);
    }), { numRuns: 5000 });
  });
});
