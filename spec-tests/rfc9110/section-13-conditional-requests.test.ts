/**
 * RFC 9110 §13: conditional requests, as files/conditional.ts evaluates them against
 * a file's entity tag and modification time.
 */
import { describe, expect, it } from "vitest";
import { evaluatePreconditions, rangeApplies, strongMatch } from "../../src/files/conditional.ts";

const MTIME = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT") + 250; // sub-second part: HTTP-dates have none
const v = { etag: '"abc"', lastModified: MTIME };
const pre = (method: string, fields: Record<string, string>) => evaluatePreconditions(method, new Headers(fields), v);
const BEFORE = "Wed, 21 Oct 2026 07:27:59 GMT", SAME = "Wed, 21 Oct 2026 07:28:00 GMT", AFTER = "Wed, 21 Oct 2026 07:28:01 GMT";

describe("RFC 9110 §8.8.3.2: entity-tag comparison", () => {
  it("strong comparison: both strong and the same", () => {
    expect(strongMatch('"a"', '"a"')).toBe(true);
    expect(strongMatch('W/"a"', '"a"')).toBe(false);
    expect(strongMatch('"a"', '"b"')).toBe(false);
  });
});

describe("RFC 9110 §13.1.1: If-Match", () => {
  it("a strong match, or *, proceeds", () => {
    expect(pre("GET", { "if-match": '"x", "abc"' })).toBe("proceed");
    expect(pre("PUT", { "if-match": "*" })).toBe("proceed");
  });
  it("no match, or only a weak one, is 412", () => {
    expect(pre("GET", { "if-match": '"x"' })).toBe("failed");
    expect(pre("GET", { "if-match": 'W/"abc"' })).toBe("failed");
  });
  it("§13.2.2: with If-Match, If-Unmodified-Since is not evaluated", () => {
    expect(pre("GET", { "if-match": '"abc"', "if-unmodified-since": BEFORE })).toBe("proceed");
  });
});

describe("RFC 9110 §13.1.2: If-None-Match", () => {
  it("a weak match, or *, is 304 for GET and HEAD", () => {
    expect(pre("GET", { "if-none-match": 'W/"abc"' })).toBe("not-modified");
    expect(pre("HEAD", { "if-none-match": '"zzz", "abc"' })).toBe("not-modified");
    expect(pre("GET", { "if-none-match": "*" })).toBe("not-modified");
  });
  it("a match for another method is 412", () => expect(pre("DELETE", { "if-none-match": '"abc"' })).toBe("failed"));
  it("no match proceeds", () => expect(pre("GET", { "if-none-match": '"zzz"' })).toBe("proceed"));
  it("§13.2.2: with If-None-Match, If-Modified-Since is not evaluated", () => {
    expect(pre("GET", { "if-none-match": '"zzz"', "if-modified-since": AFTER })).toBe("proceed");
  });
});

describe("RFC 9110 §13.1.3: If-Modified-Since", () => {
  it("not modified since the date (compared in whole seconds) is 304", () => {
    expect(pre("GET", { "if-modified-since": SAME })).toBe("not-modified");
    expect(pre("GET", { "if-modified-since": AFTER })).toBe("not-modified");
  });
  it("modified since proceeds", () => expect(pre("GET", { "if-modified-since": BEFORE })).toBe("proceed"));
  it("an invalid date is ignored", () => expect(pre("GET", { "if-modified-since": "yesterday" })).toBe("proceed"));
  it("is ignored for methods other than GET and HEAD", () => expect(pre("POST", { "if-modified-since": AFTER })).toBe("proceed"));
  it("accepts the obsolete RFC 850 and asctime formats (§5.6.7)", () => {
    expect(pre("GET", { "if-modified-since": "Wednesday, 21-Oct-26 07:28:00 GMT" })).toBe("not-modified");
    expect(pre("GET", { "if-modified-since": "Wed Oct 21 07:28:00 2026" })).toBe("not-modified");
  });
});

describe("RFC 9110 §13.1.4: If-Unmodified-Since", () => {
  it("modified since the date is 412", () => expect(pre("PUT", { "if-unmodified-since": BEFORE })).toBe("failed"));
  it("unmodified proceeds", () => expect(pre("PUT", { "if-unmodified-since": SAME })).toBe("proceed"));
});

describe("RFC 9110 §13.1.5: If-Range", () => {
  const applies = (fields: Record<string, string>) => rangeApplies(new Headers(fields), v);
  it("without If-Range a Range applies", () => expect(applies({})).toBe(true));
  it("an entity tag must match strongly", () => {
    expect(applies({ "if-range": '"abc"' })).toBe(true);
    expect(applies({ "if-range": 'W/"abc"' })).toBe(false);
    expect(applies({ "if-range": '"old"' })).toBe(false);
  });
  it("a date must be exactly the Last-Modified", () => {
    expect(applies({ "if-range": SAME })).toBe(true);
    expect(applies({ "if-range": AFTER })).toBe(false);
    expect(applies({ "if-range": "not a date" })).toBe(false);
  });
});
