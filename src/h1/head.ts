/**
 * The request head: request-line (RFC 9112 §3) and field lines (§5), parsed from
 * one complete block of bytes, and the message framing they imply (§6).
 */
import { latin1 } from "../buffers/bytes.ts";
import { COLON, CR, FIELD_NAMES, FIELD_VALUE, HTAB, LF, METHODS, SP, TARGET, isToken, isValidAuthority, splitList } from "./chars.ts";
import { H1ParseError, err } from "./errors.ts";
import type { H1Limits } from "./limits.ts";

export type TargetForm = "origin" | "absolute" | "authority" | "asterisk";

export interface RequestHead {
  method: string;
  target: string;
  targetForm: TargetForm;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  /** Flat list of field lines in order: [name (lowercase), value, name, value, ...]. */
  fields: string[];
  /** The Host field value ("" when absent, which only HTTP/1.0 allows). */
  host: string;
  /** Body length in bytes when framed by Content-Length; -1 when chunked. */
  contentLength: number;
  chunked: boolean;
  /** RFC 9112 §9.3: whether the connection persists after this exchange. */
  keepAlive: boolean;
  expectContinue: boolean;
  /** The Upgrade field when Connection lists "upgrade" (RFC 9110 §7.8), else null. */
  upgrade: string | null;
  /** Bytes of the head, from the request-line through the empty line that ends it. */
  size: number;
}

/**
 * Where the field lines last scanned lie: per line its name's start and end, its
 * value's start and end, and the trie state its name ended in (FIELD_NAMES). Shared
 * scratch: a scan and the strings made from it happen within one synchronous call.
 */
const SPAN = 5;
const scanned = { spans: new Int32Array(SPAN * 32), count: 0 };

/**
 * Checks the field lines from b[start] on against the grammar (RFC 9112 §5), byte by
 * byte, until the empty line that ends the section or until a line would start at or
 * past `end`, and records where each name and value lie in `scanned`. `before` is the
 * number of field lines the section already has (trailers come a line at a time).
 * Returns the index where it stopped (the empty line's CR; at or past end when a line
 * runs on beyond end), or the error.
 */
function scanFieldLines(b: Uint8Array, start: number, end: number, limits: H1Limits, before: number): number | H1ParseError {
  const max = limits.maxHeaderCount - before;
  const names = FIELD_NAMES;
  const wordEnd = end - 3;
  let sp = scanned.spans;
  let count = (scanned.count = 0);
  let i = start;
  while (i < end) {
    let c = b[i]!;
    if (c === CR && b[i + 1] === LF) break;
    // RFC 9112 §5.2: obs-fold is deprecated; a server MUST reject it or replace it. We reject.
    if (c === SP || c === HTAB) return err(400, "OBS_FOLD", "obsolete line folding in a field line");
    const nameStart = i;
    i = names.scan(b, i);
    if (b[i] !== COLON || i === nameStart) {
      if (i >= end) return i;
      c = b[i]!;
      // RFC 9112 §5.1: no whitespace between field name and colon; MUST reject with 400.
      if (c === SP || c === HTAB) return err(400, "WS_BEFORE_COLON", "whitespace between field name and colon");
      if (i === nameStart) return err(400, "EMPTY_FIELD_NAME", "field line without a field name");
      if (c === CR || c === LF) return err(400, "NO_COLON", "field line without a colon");
      return err(400, "INVALID_FIELD_NAME", `invalid byte 0x${c.toString(16)} in field name`);
    }
    const nameEnd = i++;
    while ((c = b[i]!) === SP || c === HTAB) i++;
    const valueStart = i;
    // Four bytes at a time while none can end or break the value, then byte by byte.
    while (i < wordEnd && !hasCtlOrDel(b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24))) i += 4;
    while (FIELD_VALUE[b[i]!]) i++;
    if (b[i] !== CR || b[i + 1] !== LF) {
      if (i + 1 >= end) return i;
      c = b[i]!;
      return c === CR
        ? err(400, "BARE_CR", "bare CR in a field value")
        : err(400, "INVALID_FIELD_VALUE", `invalid byte 0x${c.toString(16)} in field value`);
    }
    let valueEnd = i;
    while (valueEnd > valueStart && ((c = b[valueEnd - 1]!) === SP || c === HTAB)) valueEnd--;
    if (count >= max) return err(431, "TOO_MANY_FIELDS", `more than ${limits.maxHeaderCount} field lines`);
    let o = count++ * SPAN;
    if (o === sp.length) {
      scanned.spans = new Int32Array(sp.length * 2);
      scanned.spans.set(sp);
      sp = scanned.spans;
    }
    sp[o++] = nameStart;
    sp[o++] = nameEnd;
    sp[o++] = valueStart;
    sp[o++] = valueEnd;
    sp[o] = names.state;
    i += 2;
  }
  scanned.count = count;
  return i;
}

/**
 * Appends [name, value] of each field line last scanned to `fields`: names lowercase
 * (the shared string for a common one), both as slices of `text`, the latin1 reading
 * of b from `textStart` on, made by one native call for the whole section rather
 * than one per name and value.
 */
function fieldStrings(text: string, textStart: number, fields: string[]): void {
  const tokens = FIELD_NAMES.token;
  const sp = scanned.spans;
  for (let o = 0, end = scanned.count * SPAN; o < end; o += SPAN) {
    fields.push(
      tokens[sp[o + 4]!] ?? text.slice(sp[o]! - textStart, sp[o + 1]! - textStart).toLowerCase(),
      text.slice(sp[o + 2]! - textStart, sp[o + 3]! - textStart),
    );
  }
}

/** Parses the field lines in b[start, end) (each ending in CRLF) into `fields`: a trailer section, a line at a time. */
export function parseFieldLines(b: Uint8Array, start: number, end: number, fields: string[], limits: H1Limits): H1ParseError | null {
  const stop = scanFieldLines(b, start, end, limits, fields.length / 2);
  if (stop instanceof H1ParseError) return stop;
  fieldStrings(latin1(b, start, end), start, fields);
  return null;
}

/**
 * Whether any of the four bytes in x is a control character (below 0x20, which
 * includes CR and HTAB) or DEL: the word tests "hasless" and "haszero" of Bit
 * Twiddling Hacks. Both are exact about whether such a byte exists (not where), so
 * a word is only skipped when all four bytes are field-vchar or SP.
 */
const hasCtlOrDel = (x: number) => {
  const del = x ^ 0x7f7f7f7f;
  return ((((x - 0x20202020) & ~x) | ((del - 0x01010101) & ~del)) & 0x80808080) !== 0;
};

/**
 * Parses the head that starts at b[start]: the request-line, the field lines up to
 * the empty line, and what they mean. Returns null when b[start, end) holds no
 * complete head (the head's `size` says where it ended).
 */
export function parseHead(b: Uint8Array, start: number, end: number, limits: H1Limits): RequestHead | H1ParseError | null {
  // request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
  let i = METHODS.scan(b, start);
  const knownMethod = METHODS.token[METHODS.state];
  if (i === start) return err(400, "INVALID_METHOD", "request-line does not start with a method token");
  if (b[i] !== SP) {
    const c = b[i]!;
    if (c === undefined || c === HTAB || c === CR || c === LF) return err(400, "INVALID_REQUEST_LINE", "method not followed by a single space");
    return err(400, "INVALID_METHOD", `invalid byte 0x${c.toString(16)} in method`);
  }
  const methodEnd = i;
  const targetStart = ++i;
  while (TARGET[b[i]!]) i++;
  if (i - targetStart > limits.maxTargetLength)
    return err(414, "URI_TOO_LONG", `request-target longer than ${limits.maxTargetLength} bytes`);
  if (i === targetStart) {
    if (i >= end) return null;
    // "GET  / HTTP/1.1" would otherwise read as an empty target and a version of "/ HTTP/1.1".
    if (b[i] === SP) return err(400, "EXTRA_SPACE", "more than one space after the method");
    return err(400, "EMPTY_TARGET", "empty request-target");
  }
  if (b[i] !== SP) {
    if (i >= end) return null;
    // "GET /\r\n" is HTTP/0.9's request-line, which has no version and no fields.
    if (b[i] === CR) return err(400, "NO_VERSION", "request-line without an HTTP-version");
    return err(400, "INVALID_TARGET", `invalid byte 0x${b[i]!.toString(16)} in request-target`);
  }
  const targetEnd = i++;
  if (b[i] === SP) return err(400, "EXTRA_SPACE", "more than one space after the request-target");
  // HTTP-version = "HTTP/" DIGIT "." DIGIT, then CRLF
  if (
    b[i] !== 0x48 || b[i + 1] !== 0x54 || b[i + 2] !== 0x54 || b[i + 3] !== 0x50 || b[i + 4] !== 0x2f ||
    !isDigit(b[i + 5]!) || b[i + 6] !== 0x2e || !isDigit(b[i + 7]!)
  )
    return err(400, "INVALID_VERSION", "malformed HTTP-version");
  const major = b[i + 5]! - 0x30;
  const minorDigit = b[i + 7]! - 0x30;
  if (b[i + 8] !== CR || b[i + 9] !== 0x0a) return err(400, "INVALID_REQUEST_LINE", "junk after HTTP-version");
  if (major !== 1) return err(505, "VERSION_NOT_SUPPORTED", `HTTP/${major}.${minorDigit} is not supported`);
  // RFC 9110 §6.2: a higher minor version is answered as the highest we support.
  const minor: 0 | 1 = minorDigit === 0 ? 0 : 1;
  i += 10;

  const stop = scanFieldLines(b, i, end, limits, 0);
  if (stop instanceof H1ParseError) return stop;
  // The scan stops short of end only at the empty line; past it, the head goes on beyond end.
  const size = stop + 2 - start;
  if (start + size > end) return null;

  const text = latin1(b, start, start + size);
  const method = knownMethod ?? text.slice(0, methodEnd - start);
  const target = text.slice(targetStart - start, targetEnd - start);
  const fields: string[] = [];
  fieldStrings(text, start, fields);
  const form = targetForm(method, target);
  if (form instanceof H1ParseError) return form;
  return interpretFields(method, target, form, minor, fields, size, limits);
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

function targetForm(method: string, target: string): TargetForm | H1ParseError {
  // RFC 9112 §3.2: the four forms, each with the methods it belongs to.
  if (method === "CONNECT") {
    if (!isValidAuthority(target, false) || !/:[0-9]+$/.test(target))
      return err(400, "INVALID_TARGET", "CONNECT needs authority-form host:port");
    return "authority";
  }
  if (target === "*") {
    if (method !== "OPTIONS") return err(400, "INVALID_TARGET", "asterisk-form is only for OPTIONS");
    return "asterisk";
  }
  if (target.charCodeAt(0) === 0x2f) return "origin";
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target)) {
    if (!/^https?:\/\//i.test(target)) return err(400, "INVALID_TARGET", "absolute-form with a scheme other than http(s)");
    const rest = target.slice(target.indexOf("//") + 2);
    const authEnd = rest.search(/[/?]/);
    const authority = authEnd < 0 ? rest : rest.slice(0, authEnd);
    if (!isValidAuthority(authority, false)) return err(400, "INVALID_TARGET", "absolute-form with an invalid authority");
    return "absolute";
  }
  return err(400, "INVALID_TARGET", "request-target is not origin-, absolute-, authority- or asterisk-form");
}

/**
 * The last Host value found valid. Validity depends on the string alone, and a client
 * sends the same Host on every request, so an equal string is not checked again.
 */
let lastValidHost = "";

function interpretFields(
  method: string,
  target: string,
  form: TargetForm,
  minor: 0 | 1,
  fields: string[],
  size: number,
  limits: H1Limits,
): RequestHead | H1ParseError {
  let host: string | null = null;
  let contentLength = -2; // -2: absent
  let te: string | null = null;
  // Connection options we act on (RFC 9110 §7.6.1; RFC 9112 §9.3).
  let close = false;
  let keepAliveOption = false;
  let upgradeOption = false;
  let expect: string | null = null;
  let upgrade: string | null = null;

  for (let k = 0; k < fields.length; k += 2) {
    const name = fields[k]!;
    const value = fields[k + 1]!;
    switch (name) {
      case "host":
        // RFC 9112 §3.2: more than one Host field line, or an invalid value: 400.
        if (host !== null) return err(400, "DUPLICATE_HOST", "more than one Host field line");
        if (value !== lastValidHost) {
          if (!isValidAuthority(value, true)) return err(400, "INVALID_HOST", "Host is not a valid authority");
          lastValidHost = value;
        }
        host = value;
        break;
      case "content-length": {
        const n = parseContentLength(value);
        if (n < 0) return err(400, "INVALID_CONTENT_LENGTH", "Content-Length is not a non-negative decimal integer");
        // RFC 9110 §8.6: repeated identical values may be taken as one; differing ones are an error.
        if (contentLength !== -2 && contentLength !== n)
          return err(400, "CONFLICTING_CONTENT_LENGTH", "Content-Length values disagree");
        contentLength = n;
        break;
      }
      case "transfer-encoding":
        te = te === null ? value : `${te}, ${value}`;
        break;
      case "connection":
        for (const t of splitList(value)) {
          const option = t.toLowerCase();
          if (option === "close") close = true;
          else if (option === "keep-alive") keepAliveOption = true;
          else if (option === "upgrade") upgradeOption = true;
        }
        break;
      case "expect":
        expect = expect === null ? value : `${expect}, ${value}`;
        break;
      case "upgrade":
        upgrade = upgrade === null ? value : `${upgrade}, ${value}`;
        break;
    }
  }

  if (minor === 1 && host === null) return err(400, "MISSING_HOST", "HTTP/1.1 request without a Host field");

  let chunked = false;
  if (te !== null) {
    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
    if (minor === 0) return err(400, "TE_IN_HTTP10", "Transfer-Encoding in an HTTP/1.0 request");
    // RFC 9112 §6.3: CL with TE is a smuggling risk; reject and close.
    if (contentLength !== -2) return err(400, "CL_AND_TE", "both Content-Length and Transfer-Encoding");
    const codings = splitList(te).map((c) => c.toLowerCase());
    if (codings.length === 0 || !codings.every((c) => isToken(c.split(";")[0]!.trim())))
      return err(400, "INVALID_TRANSFER_ENCODING", "malformed Transfer-Encoding");
    if (codings[codings.length - 1] !== "chunked")
      return err(400, "TE_NOT_CHUNKED", "chunked is not the final transfer coding");
    if (codings.indexOf("chunked") !== codings.length - 1)
      return err(400, "CHUNKED_TWICE", "chunked applied more than once");
    if (codings.length > 1) return err(501, "UNSUPPORTED_TRANSFER_CODING", `transfer coding "${codings[0]}" is not implemented`);
    chunked = true;
  }
  if (contentLength > limits.maxBodyBytes)
    return err(413, "BODY_TOO_LARGE", `Content-Length exceeds the ${limits.maxBodyBytes}-byte limit`);

  let expectContinue = false;
  if (expect !== null) {
    // RFC 9110 §10.1.1: 100-continue is the only expectation; others get 417.
    if (expect.trim().toLowerCase() !== "100-continue") return err(417, "EXPECTATION_FAILED", "unsupported expectation");
    expectContinue = minor === 1;
  }

  const keepAlive = !close && (minor === 1 || keepAliveOption);

  return {
    method,
    target,
    targetForm: form,
    minor,
    fields,
    host: host ?? "",
    contentLength: chunked ? -1 : contentLength === -2 ? 0 : contentLength,
    chunked,
    keepAlive,
    expectContinue,
    upgrade: upgrade !== null && upgradeOption ? upgrade : null,
    size,
  };
}

/** Content-Length = 1*DIGIT (RFC 9110 §8.6); a list of identical values is accepted. Returns -1 if invalid. */
export function parseContentLength(value: string): number {
  let result = -1;
  for (const part of value.split(",")) {
    const t = part.trim();
    if (!/^[0-9]{1,15}$/.test(t)) return -1;
    const n = Number(t);
    if (result !== -1 && n !== result) return -1;
    result = n;
  }
  return result;
}
