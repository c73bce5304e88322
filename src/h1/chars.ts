/** Character classes of RFC 9110 §5.6.2 and RFC 9112 §3.2, as 256-entry tables. */

const table = (pred: (c: number) => boolean) => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
};

const isAlnum = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
export const TCHAR = table((c) => isAlnum(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));

/** field-vchar = VCHAR / obs-text, plus SP and HTAB inside a value. CTLs, DEL and bare CR are not allowed. */
export const FIELD_VALUE = table((c) => c === 0x09 || (c >= 0x20 && c !== 0x7f));

/**
 * A trie over a fixed set of tokens, walked one byte at a time while the token is
 * read: each step both checks the byte is a tchar and follows it down the trie, so a
 * common field name or method is recognised by the same loop that scans it, without
 * a second pass over its bytes.
 *
 *   const end = trie.scan(b, i);   // the first byte at or after i that is not a tchar
 *   trie.token[trie.state]         // the token b[i, end) spells, or undefined
 *
 * Column 0 is every byte that is not a tchar (where a token ends); tchars that appear
 * in none of the tokens share one column. State 0 means "none of the tokens" and
 * stays 0; the walk goes on only to find where the token ends.
 */
export class TokenTrie {
  static readonly ROOT = 1;
  /** Byte -> column of the transition table; 0 for a byte that is not a tchar. */
  readonly column = new Uint8Array(256);
  /** (state << shift) | column -> next state. */
  readonly next: Uint16Array;
  readonly shift: number;
  /** The token (as given: lowercase for field names) that each state spells in full. */
  readonly token: (string | undefined)[] = [];

  /** With `foldCase`, ASCII letters match either case (field names, RFC 9110 §5.1). */
  constructor(tokens: readonly string[], foldCase: boolean) {
    const fold = (c: number) => (foldCase && c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
    let columns = 1;
    for (const t of tokens) {
      if (!isToken(t)) throw new Error(`not a token: ${t}`);
      for (let k = 0; k < t.length; k++) {
        const c = fold(t.charCodeAt(k));
        if (this.column[c] === 0) this.column[c] = columns++;
      }
    }
    const other = columns++;
    for (let c = 0; c < 256; c++) {
      if (!TCHAR[c]) this.column[c] = 0;
      else this.column[c] = this.column[fold(c)] || other;
    }
    this.shift = Math.ceil(Math.log2(columns));
    const rows: number[][] = [[], []];
    for (const t of tokens) {
      let state = TokenTrie.ROOT;
      for (let k = 0; k < t.length; k++) {
        const col = this.column[t.charCodeAt(k)]!;
        state = rows[state]![col] ??= rows.push([]) - 1;
      }
      this.token[state] = t;
    }
    if (rows.length > 0xffff) throw new Error("too many tokens for a 16-bit trie");
    this.next = new Uint16Array(rows.length << this.shift);
    rows.forEach((row, state) => row.forEach((to, col) => (this.next[(state << this.shift) | col] = to)));
    this.token.length = rows.length;
  }

  /** The state the last scan ended in: token[state] is the token it read, if it is one of ours. */
  state = 0;

  /** Reads the token at b[i]: returns the index of the first byte that is not a tchar, and sets `state`. */
  scan(b: Uint8Array, i: number): number {
    let state = TokenTrie.ROOT;
    let col: number;
    while ((col = this.column[b[i]!]!) > 0) {
      state = this.next[(state << this.shift) | col]!;
      i++;
    }
    this.state = state;
    return i;
  }
}

/**
 * Field names are case-insensitive (RFC 9110 §5.1) and carried lowercase; the common
 * ones are shared strings, recognised while the name is scanned.
 */
export const FIELD_NAMES = new TokenTrie([
  "host", "user-agent", "accept", "accept-language", "accept-encoding", "accept-charset", "connection", "cookie",
  "content-type", "content-length", "transfer-encoding", "referer", "origin", "cache-control", "pragma", "upgrade",
  "authorization", "expect", "te", "trailer", "if-none-match", "if-modified-since", "range", "x-forwarded-for",
  "x-forwarded-proto", "x-requested-with", "dnt", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest", "sec-fetch-user",
  "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions", "sec-ch-ua",
  "sec-ch-ua-mobile", "sec-ch-ua-platform", "upgrade-insecure-requests", "keep-alive", "http2-settings", "date",
], true);

/** Common methods, as shared strings (methods are case-sensitive, RFC 9110 §9.1). */
export const METHODS = new TokenTrie(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"], false);

/**
 * Bytes allowed in a request-target: the URI characters of RFC 3986 (unreserved,
 * reserved, "%"). A fragment ("#") is never sent in a request-target.
 */
export const TARGET = table(
  (c) => isAlnum(c) || "-._~:/?[]@!$&'()*+,;=%".includes(String.fromCharCode(c)),
);

/** reg-name / IPv4 / IP-literal characters of an authority's host, plus ":" for the port. */
export const AUTHORITY = table((c) => isAlnum(c) || "-._~!$&'()*+,;=%:[]".includes(String.fromCharCode(c)));

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!TCHAR[s.charCodeAt(i)]) return false;
  return true;
}

/** Splits a comma-separated list (RFC 9110 §5.6.1), trimming OWS and dropping empty elements. */
export function splitList(value: string): string[] {
  if (value.indexOf(",") < 0) {
    const t = value.trim();
    return t ? [t] : [];
  }
  const out: string[] = [];
  for (const part of value.split(",")) {
    const t = part.trim();
    if (t) out.push(t);
  }
  return out;
}

/** host [ ":" port ] of RFC 9110 §7.2; a userinfo ("@") or path is not a Host. */
export function isValidAuthority(s: string, allowEmpty: boolean): boolean {
  if (s.length === 0) return allowEmpty;
  let colons = 0;
  let lastColon = -1;
  let brackets = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!AUTHORITY[c]) return false;
    if (c === 0x3a) {
      colons++;
      lastColon = i;
    } else if (c === 0x5b || c === 0x5d) brackets = true;
  }
  if (!brackets) {
    // A reg-name or IPv4address, then port = *DIGIT after one colon (only an IP-literal holds colons).
    if (colons === 0) return true;
    if (colons > 1) return false;
    return isPort(s, lastColon + 1);
  }
  // IP-literal = "[" ( IPv6address / IPvFuture ) "]", the only place brackets may appear.
  if (s[0] !== "[") return false;
  const close = s.indexOf("]");
  if (close < 0) return false;
  if (close + 1 < s.length && (s.charCodeAt(close + 1) !== 0x3a || !isPort(s, close + 2))) return false;
  return /^\[[0-9A-Fa-f:.]+\]$|^\[v[0-9A-Fa-f]+\.[^\]]+\]$/.test(s.slice(0, close + 1));
}

/**
 * port = *DIGIT (RFC 3986 §3.2.3) from s[from] to the end, and one a TCP port can be:
 * an empty port is the scheme's default; past 65535 no URL can hold it.
 */
function isPort(s: string, from: number): boolean {
  let port = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    port = port * 10 + (c - 0x30);
    if (port > 65535) return false;
  }
  return true;
}
