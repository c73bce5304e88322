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
    for (let i = lastColon + 1; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return false;
    }
    return true;
  }
  // IP-literal = "[" ( IPv6address / IPvFuture ) "]", the only place brackets may appear.
  if (s[0] !== "[") return false;
  const close = s.indexOf("]");
  if (close < 0) return false;
  const rest = s.slice(close + 1);
  if (rest && !/^:[0-9]*$/.test(rest)) return false;
  return /^\[[0-9A-Fa-f:.]+\]$|^\[v[0-9A-Fa-f]+\.[^\]]+\]$/.test(s.slice(0, close + 1));
}
