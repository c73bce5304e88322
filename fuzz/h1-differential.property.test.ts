/**
 * Our HTTP/1.1 request parser against Node's own, llhttp (reached through Node's
 * internal binding, as bench/micro does), on generated requests and on mutations of them:
 * every request both parsers accept must come out the same (method, target, version,
 * field lines, trailers, body bytes and so framing). Where one accepts what the other
 * refuses, that is counted, not failed: we are strict where RFC 9112 lets a server be
 * (see the list below), and llhttp knows only its own list of methods.
 *
 * Differences found, and why they are not failures:
 * - Field-name case: llhttp reports names as sent, we lowercase them (names are
 *   case-insensitive, RFC 9110 §5.1). Compared lowercased, values with OWS trimmed.
 * - A message that does not keep the connection (HTTP/1.0 without keep-alive, RFC 9112
 *   §9.3) ends llhttp's parsing (HPE_CLOSED_CONNECTION); ours parses on and the
 *   connection above it closes there. Compared up to that message.
 * - Acceptance, where we are the strict one: a Host that is not a valid authority
 *   (INVALID_HOST), a missing Host in HTTP/1.1, Transfer-Encoding in HTTP/1.0, bare LF,
 *   obs-fold, extra spaces in the request-line, a method outside RFC 9110's token rules;
 *   llhttp takes these. Where llhttp is: a method outside its own list (HPE_INVALID_METHOD;
 *   we pass any token through), and a malformed field line in a head that has not ended,
 *   which llhttp refuses as it arrives and we once the head is complete (or too large).
 *   `npm run fuzz` prints how often each kind came up, with an example.
 *
 * Node 24 and later may not offer the binding any more: then this file says so and skips.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type H1Event, RequestParser } from "../src/h1/parser.ts";
import { assertFor, testTimeout } from "./budget.ts";

interface Message {
  method: string;
  target: string;
  minor: number;
  fields: [string, string][];
  trailers: [string, string][];
  body: string;
}

interface Parse {
  /** Messages parsed completely, in order. */
  messages: Message[];
  /** The parser refused the input (after the messages above). */
  error: string | null;
}

// deno-lint-ignore no-explicit-any
type Binding = { HTTPParser: any; methods: string[] };

function loadLlhttp(): Binding | null {
  try {
    const emit = process.emitWarning;
    process.emitWarning = () => {}; // DEP0111: the binding is internal, and we know
    try {
      // deno-lint-ignore no-explicit-any
      const b = (process as any).binding("http_parser") as Binding;
      return typeof b?.HTTPParser === "function" && Array.isArray(b.methods) ? b : null;
    } finally {
      process.emitWarning = emit;
    }
  } catch {
    return null;
  }
}

const llhttp = loadLlhttp();

const pairsOf = (flat: string[]): [string, string][] => {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!.toLowerCase(), flat[i + 1]!.replace(/^[ \t]+|[ \t]+$/g, "")]);
  return out;
};

/** One native parser, initialized again for each input as node:http reuses its own: a new one per input is never freed. */
let parser: unknown = null;

function parseLlhttp(input: Buffer): Parse {
  const { HTTPParser, methods } = llhttp!;
  const p = (parser ??= new HTTPParser()) as Record<string | number, unknown> & { initialize(...a: unknown[]): void; execute(b: Buffer): unknown };
  p.initialize(HTTPParser.REQUEST, {}, 0, 0);
  const messages: Message[] = [];
  let headers: string[] = [];
  let url = "";
  let cur: Message | null = null;
  let upgraded = false;
  p[HTTPParser.kOnHeaders] = (h: string[], u: string) => {
    headers.push(...h);
    url += u ?? "";
  };
  p[HTTPParser.kOnHeadersComplete] = (_major: number, minor: number, h: string[] | undefined, method: number, u: string | undefined, _s: unknown, _m: unknown, upgrade: boolean) => {
    const all = h ? [...headers, ...h] : headers;
    cur = { method: methods[method]!, target: u || url, minor, fields: pairsOf(all), trailers: [], body: "" };
    headers = [];
    url = "";
    if (upgrade) upgraded = true;
    return 0;
  };
  p[HTTPParser.kOnBody] = (b: Buffer) => {
    cur!.body += b.toString("latin1");
  };
  p[HTTPParser.kOnMessageComplete] = () => {
    cur!.trailers = pairsOf(headers);
    headers = [];
    url = ""; // kOnHeaders passes the URL again with the trailers

    messages.push(cur!);
    cur = null;
  };
  p[HTTPParser.kOnExecute] = () => {};
  const r = p.execute(input);
  if (r instanceof Error) return { messages, error: String((r as Error & { code?: string }).code ?? r.message) };
  return { messages: upgraded ? messages.slice(0, messages.length) : messages, error: null };
}

function parseOurs(input: Buffer): Parse {
  const p = new RequestParser();
  p.feed(new Uint8Array(input));
  const messages: Message[] = [];
  let cur: Message | null = null;
  for (let e: H1Event | null = p.next(); e; e = p.next()) {
    if (e.type === "error") return { messages, error: e.error.code };
    if (e.type === "head") {
      cur = { method: e.head.method, target: e.head.target, minor: e.head.minor, fields: pairsOf(e.head.fields), trailers: [], body: "" };
    } else if (e.type === "data") cur!.body += Buffer.from(e.data).toString("latin1");
    else {
      cur!.trailers = pairsOf(e.trailers ?? []);
      messages.push(cur!);
      cur = null;
      if (p.paused) break; // an upgrade or CONNECT: what follows is another protocol
    }
  }
  return { messages, error: null };
}

// Requests: a method (llhttp's list and an extension one), a target, fields, a body framed
// by Content-Length or chunked (with extensions and trailers), pipelined one to three.
const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,10}$/);
const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/);
const body = fc.stringMatching(/^[\x00-\xff]{0,40}$/);
const oneOf = (methods: string[]) => fc.record({
  method: fc.constantFrom(...methods),
  target: fc.oneof(fc.stringMatching(/^\/[A-Za-z0-9._~%!$&'()*+,;=:@/?-]{0,24}$/), fc.constant("*"), fc.constant("http://a.example/x")),
  minor: fc.constantFrom(0, 1),
  fields: fc.array(fc.tuple(token, value), { maxLength: 5 }),
  framing: fc.oneof(
    fc.constant({ kind: "none" as const }),
    fc.record({ kind: fc.constant("length" as const), body }),
    fc.record({ kind: fc.constant("chunked" as const), chunks: fc.array(body, { maxLength: 3 }), ext: fc.boolean(), trailers: fc.array(fc.tuple(token, value), { maxLength: 2 }) }),
  ),
}).map((r) => {
  // The asterisk-form is OPTIONS' alone (RFC 9112 §3.2.4).
  const target = r.target === "*" && r.method !== "OPTIONS" ? "/" : r.target;
  let head = `${r.method} ${target} HTTP/1.${r.minor}\r\nHost: a.example\r\n`;
  for (const [n, v] of r.fields) head += `${n}: ${v}\r\n`;
  if (r.framing.kind === "length") return `${head}Content-Length: ${r.framing.body.length}\r\n\r\n${r.framing.body}`;
  // Transfer-Encoding is HTTP/1.1's (RFC 9112 §6.1: we refuse it in HTTP/1.0, llhttp takes it).
  if (r.framing.kind === "chunked" && r.minor === 1) {
    let s = `${head}Transfer-Encoding: chunked\r\n\r\n`;
    for (const c of r.framing.chunks.filter((c) => c.length > 0)) s += `${c.length.toString(16)}${r.framing.ext ? ";a=b" : ""}\r\n${c}\r\n`;
    s += "0\r\n";
    for (const [n, v] of r.framing.trailers) s += `${n}: ${v}\r\n`;
    return `${s}\r\n`;
  }
  return `${head}\r\n`;
});
const LLHTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PURGE", "PROPFIND"];
/** Requests both should take: methods in llhttp's list. */
const requests = fc.array(oneOf(LLHTTP_METHODS), { minLength: 1, maxLength: 3 }).map((rs) => rs.join(""));
/** With an extension method too, for the mutations. */
const anyRequests = fc.array(oneOf([...LLHTTP_METHODS, "X-EXT"]), { minLength: 1, maxLength: 3 }).map((rs) => rs.join(""));

// Mutations: bytes and fragments that the grammar turns on, put anywhere.
const PIECES = [" ", "\t", "\r", "\n", "\r\n", ":", "\x00", "\x7f", "\xff", "0", "a", "/", ";", ",", "-", "\"",
  "Content-Length: 3\r\n", "Content-Length: 0\r\n", "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip, chunked\r\n",
  "Host: b\r\n", "Connection: close\r\n", "Expect: 100-continue\r\n", " HTTP/1.1", "\r\n\r\n", "0\r\n\r\n", "5\r\nhello\r\n", "HTTP/1.1"];
const edit = fc.oneof(
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), piece: fc.constantFrom(...PIECES) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant("replace" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
);
const mutated = fc.tuple(anyRequests, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([s, edits]) => {
  for (const e of edits) {
    const at = e.at % (s.length + 1);
    if (e.op === "insert") s = s.slice(0, at) + e.piece + s.slice(at);
    else if (e.op === "delete") s = s.slice(0, at) + s.slice(at + e.n);
    else s = s.slice(0, at) + String.fromCharCode(e.byte) + s.slice(at + 1);
  }
  return s;
});

/** How the two parsers' acceptances differed, over a run (printed under FUZZ_SECONDS). */
const tally = new Map<string, number>();
/** The first input of each kind of difference. */
const example = new Map<string, string>();

function compare(text: string): void {
  const input = Buffer.from(text, "latin1");
  const ours = parseOurs(input);
  const theirs = parseLlhttp(input);
  const both = Math.min(ours.messages.length, theirs.messages.length);
  // Every message both parsed completely is the same message.
  for (let i = 0; i < both; i++) expect(ours.messages[i], JSON.stringify(text)).toEqual(theirs.messages[i]);
  if (ours.messages.length !== theirs.messages.length || (ours.error === null) !== (theirs.error === null)) {
    const key = `ours ${ours.messages.length}${ours.error ? ` then ${ours.error}` : ""} / llhttp ${theirs.messages.length}${theirs.error ? ` then ${theirs.error}` : ""}`
      .replace(/\d+/g, "n");
    tally.set(key, (tally.get(key) ?? 0) + 1);
    if (!example.has(key)) example.set(key, text);
  }
}

describe.skipIf(llhttp === null)("HTTP/1.1 parser against llhttp (Node's)", () => {
  it("generated requests, pipelined: both accept them, and parse them the same", async () => {
    await assertFor("h1 vs llhttp, generated", fc.property(requests, (text) => {
      const ours = parseOurs(Buffer.from(text, "latin1"));
      const theirs = parseLlhttp(Buffer.from(text, "latin1"));
      expect(ours.error, JSON.stringify(text)).toBe(null);
      // llhttp stops at a message that does not keep the connection (HTTP/1.0 without
      // keep-alive, RFC 9112 §9.3): what follows it would never be read. Ours parses on;
      // the connection above it closes there.
      if (theirs.error !== null) expect(theirs.error, JSON.stringify(text)).toBe("HPE_CLOSED_CONNECTION");
      expect(ours.messages.slice(0, theirs.messages.length), JSON.stringify(text)).toEqual(theirs.messages);
      if (theirs.error === null) expect(ours.messages.length).toBe(theirs.messages.length);
    }), 300);
  }, testTimeout);

  it("mutated requests: whatever both accept parses the same", async () => {
    tally.clear();
    await assertFor("h1 vs llhttp, mutated", fc.property(mutated, compare), 1000);
    if (process.env.FUZZ_SECONDS) {
      const rows = [...tally].sort((a, b) => b[1] - a[1]).slice(0, 20);
      console.log(`acceptance differences (ours / llhttp), most frequent first:\n${rows.map(([k, n]) => `  ${n}\t${k}\t${JSON.stringify(example.get(k))}`).join("\n")}`);
    }
  }, testTimeout);
});

describe.runIf(llhttp === null)("HTTP/1.1 parser against llhttp (Node's)", () => {
  it.skip("needs process.binding('http_parser'), which this Node does not offer", () => {});
});
