/** RFC 9113 §8.2 and §8.3: field validity and the request pseudo-header rules. */
import { TCHAR, isValidAuthority } from "../h1/chars.ts";

/** Fields that describe one connection (RFC 9113 §8.2.2): a message that carries one is malformed. */
export const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

export interface RequestPseudo {
  method: string;
  scheme: string;
  /** The target's authority: :authority, or the Host field when it is absent or empty (§8.3.1); "" with neither. */
  authority: string;
  path: string;
  /** Regular fields, flat [name, value, ...]. */
  fields: string[];
  /** -1 when absent. */
  contentLength: number;
  /** RFC 8441's :protocol of an extended CONNECT (a tunnel, "websocket" say); "" otherwise. */
  protocol: string;
}

/** §8.2.1: a name is lowercase token characters; a value has no NUL, CR, LF, nor leading/trailing whitespace. */
function fieldProblem(name: string, value: string, allowPseudo: boolean): string | null {
  if (name.length === 0) return "empty field name";
  for (let i = allowPseudo && name.charCodeAt(0) === 0x3a ? 1 : 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return `uppercase field name "${name}"`;
    if (c > 0x7e || TCHAR[c] === 0) return `invalid character in field name "${name}"`;
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return `NUL, CR or LF in the value of "${name}"`;
  }
  const first = value.charCodeAt(0), last = value.charCodeAt(value.length - 1);
  if (value.length && (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09))
    return `leading or trailing whitespace in the value of "${name}"`;
  return null;
}

/**
 * Validates a request header section; returns the pseudo-headers or the reason it is
 * malformed. `extendedConnect`: we sent SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441).
 */
export function checkRequestFields(all: string[], extendedConnect = false): RequestPseudo | string {
  // The five request pseudo-headers (§8.3.1, RFC 8441's :protocol); undefined until seen.
  let method: string | undefined, scheme: string | undefined, authority: string | undefined;
  let path: string | undefined, protocol: string | undefined;
  let host: string | undefined;
  const fields: string[] = [];
  let regular = false;
  let contentLength = -1;
  for (let i = 0; i < all.length; i += 2) {
    const name = all[i]!, value = all[i + 1]!;
    if (name.charCodeAt(0) === 0x3a) {
      // §8.3: pseudo-headers only before regular fields, only known ones, each once.
      if (regular) return `pseudo-header ${name} after a regular field`;
      let seen: string | undefined;
      switch (name) {
        case ":method": seen = method; method = value; break;
        case ":scheme": seen = scheme; scheme = value; break;
        case ":authority": seen = authority; authority = value; break;
        case ":path": seen = path; path = value; break;
        case ":protocol": seen = protocol; protocol = value; break;
        default: return `unknown or response pseudo-header ${name}`;
      }
      if (seen !== undefined) return `duplicate ${name}`;
      const p = fieldProblem(name, value, true);
      if (p) return p;
      continue;
    }
    regular = true;
    const p = fieldProblem(name, value, false);
    if (p) return p;
    // §8.2.2: connection-specific fields are malformed; TE only with "trailers".
    if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name}`;
    if (name === "te" && value.toLowerCase() !== "trailers") return `te other than "trailers"`;
    if (name === "host") {
      if (host !== undefined) return "more than one host field";
      host = value;
    }
    if (name === "content-length") {
      if (!/^[0-9]{1,15}$/.test(value) || (contentLength !== -1 && contentLength !== Number(value))) return "invalid content-length";
      contentLength = Number(value);
    }
    fields.push(name, value);
  }
  if (method === undefined) return "missing :method";
  // §8.3.1: :authority is host [":" port], no userinfo; a Host naming another entity makes the request malformed.
  if (authority !== undefined && !isValidAuthority(authority, true)) return "invalid :authority";
  if (host !== undefined) {
    if (!isValidAuthority(host, true)) return "invalid host field";
    if (authority && host.toLowerCase() !== authority.toLowerCase()) return "host field differs from :authority";
  }
  if (method === "CONNECT" && protocol === undefined) {
    // §8.5: CONNECT has :authority and no :scheme or :path.
    if (scheme !== undefined || path !== undefined || authority === undefined) return "malformed CONNECT request";
    return { method, scheme: "", authority, path: "", fields, contentLength, protocol: "" };
  }
  if (protocol !== undefined) {
    // RFC 8441 §4: :protocol only on a CONNECT, only once we allowed it, and then with
    // :scheme, :path and :authority, as for any request.
    if (method !== "CONNECT") return ":protocol without extended CONNECT";
    if (!extendedConnect) return ":protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL";
    if (protocol === "") return "empty :protocol";
    if (scheme === undefined || path === undefined || path[0] !== "/" || !authority) return "extended CONNECT without :scheme, :path and :authority";
    return { method, scheme, authority, path, fields, contentLength, protocol };
  }
  if (scheme === undefined) return "missing :scheme";
  if (path === undefined || path === "") return "missing or empty :path";
  if (path !== "*" && path[0] !== "/" && !/^https?$/i.test(scheme)) return "invalid :path";
  if (path !== "*" && path[0] !== "/") return ":path must start with /";
  return { method, scheme, authority: authority || host || "", path, fields, contentLength, protocol: "" };
}

/** §8.1: trailers carry no pseudo-headers. */
export function checkTrailerFields(all: string[]): string | null {
  for (let i = 0; i < all.length; i += 2) {
    if (all[i]!.startsWith(":")) return `pseudo-header ${all[i]} in trailers`;
    const p = fieldProblem(all[i]!, all[i + 1]!, false);
    if (p) return p;
    if (CONNECTION_SPECIFIC.has(all[i]!)) return `connection-specific field ${all[i]} in trailers`;
  }
  return null;
}
