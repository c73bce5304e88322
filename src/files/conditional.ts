/**
 * Conditional requests (RFC 9110 §13) against a file's validators: its entity tag
 * and its modification time.
 */

export interface Validators {
  /** A strong entity tag, quotes included: "…". */
  etag: string | null;
  /** Last modification in ms since the epoch, or null. */
  lastModified: number | null;
}

/** What the preconditions say: go on, 304 Not Modified, or 412 Precondition Failed. */
export type Precondition = "proceed" | "not-modified" | "failed";

/** The entity tags of an If-Match or If-None-Match value; "*" as itself; null when the value is not a list of them. */
function entityTags(value: string): string[] | "*" | null {
  const v = value.trim();
  if (v === "*") return "*";
  const tags: string[] = [];
  // entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, in a comma-separated list (§8.8.3, §5.6.1).
  const re = /\s*(?:(W\/)?("[\x21\x23-\x7e\x80-\xff]*"))\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < v.length && (m = re.exec(v)) !== null) tags.push((m[1] ?? "") + m[2]!);
  return re.lastIndex === v.length || v.length === 0 ? tags : null;
}

const opaque = (tag: string) => (tag.startsWith("W/") ? tag.slice(2) : tag);

/** §8.8.3.2: strong comparison, both tags strong and the same. */
export function strongMatch(a: string, b: string): boolean {
  return !a.startsWith("W/") && !b.startsWith("W/") && a === b;
}

/** §8.8.3.2: weak comparison, the opaque tags the same. */
function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}

/** An HTTP-date (§5.6.7) in whole seconds, or null when it is not one. */
export function httpDateSeconds(value: string): number | null {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/**
 * §13.2.2: the preconditions in the order the RFC evaluates them. If-Match, then
 * If-Unmodified-Since when there is no If-Match; If-None-Match, then If-Modified-Since
 * when there is no If-None-Match (GET and HEAD only).
 */
export function evaluatePreconditions(method: string, fields: Headers, v: Validators): Precondition {
  const safe = method === "GET" || method === "HEAD";
  const ifMatch = fields.get("if-match");
  if (ifMatch !== null) {
    const tags = entityTags(ifMatch);
    // §13.1.1: "*" matches any current representation; otherwise a strong match is needed.
    if (tags !== "*" && !(tags && v.etag && tags.some((t) => strongMatch(t, v.etag!)))) return "failed";
  } else {
    const since = fields.get("if-unmodified-since");
    const date = since === null ? null : httpDateSeconds(since);
    // §13.1.4: an invalid date is ignored.
    if (date !== null && v.lastModified !== null && Math.floor(v.lastModified / 1000) > date) return "failed";
  }
  const ifNoneMatch = fields.get("if-none-match");
  if (ifNoneMatch !== null) {
    const tags = entityTags(ifNoneMatch);
    // §13.1.2: "*" or a weak match means the client has it: 304 for GET/HEAD, else 412.
    if (tags === "*" || (tags && v.etag && tags.some((t) => weakMatch(t, v.etag!)))) return safe ? "not-modified" : "failed";
  } else if (safe) {
    const since = fields.get("if-modified-since");
    const date = since === null ? null : httpDateSeconds(since);
    if (date !== null && v.lastModified !== null && Math.floor(v.lastModified / 1000) <= date) return "not-modified";
  }
  return "proceed";
}

/**
 * §13.1.5: whether a Range applies given If-Range: with no If-Range, yes; with an entity
 * tag, when it matches strongly; with a date, when it is exactly the Last-Modified.
 */
export function rangeApplies(fields: Headers, v: Validators): boolean {
  const ifRange = fields.get("if-range");
  if (ifRange === null) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith("W/")) return v.etag !== null && strongMatch(value, v.etag);
  const date = httpDateSeconds(value);
  return date !== null && v.lastModified !== null && Math.floor(v.lastModified / 1000) === date;
}
