/**
 * `serveDir(req, { root })`: the files under a directory, by the request's path. The
 * path is percent-decoded once and must stay inside the root: a `..` segment (as sent,
 * or percent-encoded), a backslash or a NUL is refused, and a symbolic link that leads
 * out of the root is not followed. A directory is answered with its index.html, or with
 * a listing when one is asked for.
 */
import { runtimeFiles } from "../transport/files/select.ts";
import type { DirEntry, FileSource } from "../transport/files/types.ts";
import { contentTypeOf } from "./content-types.ts";
import { type ServeFileOptions, fileResponse, methodNotAllowed, plain } from "./serve-file.ts";

export interface ServeDirOptions extends ServeFileOptions {
  /** The directory to serve. */
  root: string;
  /** A path prefix the URLs have and the files do not ("/static"); a request outside it is 404. */
  urlRoot?: string;
  /** The file that answers for a directory; false for none. Default "index.html". */
  index?: string | false;
  /** List a directory that has no index file (HTML). Default false: 404. */
  listing?: boolean;
  /** Serve names that start with "." (.git, .env). Default false: 404, and left out of listings. */
  dotfiles?: boolean;
}

export async function serveDir(req: Request, options: ServeDirOptions): Promise<Response> {
  const source = options.source ?? await runtimeFiles();
  if (req.method !== "GET" && req.method !== "HEAD") return methodNotAllowed(options.headers);
  const root = await source.realPath(options.root);
  if (root === null) return plain(404, "Not Found", options.headers);
  const url = new URL(req.url);
  let encoded = url.pathname;
  if (options.urlRoot) {
    const prefix = options.urlRoot.replace(/\/+$/, "");
    if (encoded !== prefix && !encoded.startsWith(`${prefix}/`)) return plain(404, "Not Found", options.headers);
    encoded = encoded.slice(prefix.length) || "/";
  }
  const segments = pathSegments(encoded);
  if (typeof segments === "string") return plain(400, `Bad Request: ${segments}`, options.headers);
  if (!options.dotfiles && segments.some((s) => s.startsWith("."))) return plain(404, "Not Found", options.headers);

  const asked = segments.length ? `${root}/${segments.join("/")}` : root;
  const real = await source.realPath(asked);
  if (real === null || !inside(root, real)) return plain(404, "Not Found", options.headers);
  const info = await source.stat(real);
  if (info === null) return plain(404, "Not Found", options.headers);
  const fileOptions = (name: string) => ({ ...options, contentType: options.contentType ?? contentTypeOf(name) });
  if (info.kind === "file") {
    // A file asked for as a directory ("/a.txt/") is not there, as a file system says (ENOTDIR).
    if (encoded.endsWith("/")) return plain(404, "Not Found", options.headers);
    return fileResponse(req, source, real, info, fileOptions(asked));
  }
  if (info.kind !== "directory") return plain(404, "Not Found", options.headers);
  // A directory's URL ends in "/", so that the relative links in its page resolve inside it.
  if (!url.pathname.endsWith("/")) {
    const headers = new Headers(options.headers);
    headers.set("location", `${url.pathname}/${url.search}`);
    return new Response(null, { status: 301, headers });
  }
  const index = options.index ?? "index.html";
  if (index !== false) {
    const file = await source.realPath(`${real}/${index}`);
    const fileInfo = file !== null && inside(root, file) ? await source.stat(file) : null;
    if (fileInfo?.kind === "file") return fileResponse(req, source, file!, fileInfo, fileOptions(index));
  }
  if (options.listing) return listing(req, source, real, url.pathname, segments.length === 0, options);
  return plain(404, "Not Found", options.headers);
}

/**
 * The path's segments, each percent-decoded once; a string saying why when the path
 * cannot name a file under the root. The URL parser has already resolved "." and ".."
 * segments (and their %2e spellings); a ".." left after decoding came from an encoded
 * slash ("..%2f"), and is refused like the rest.
 */
export function pathSegments(encoded: string): string[] | string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return "malformed percent-encoding in the path";
  }
  if (decoded.includes("\0")) return "NUL in the path";
  if (decoded.includes("\\")) return "backslash in the path";
  const segments = decoded.split("/").filter((s) => s !== "");
  if (segments.some((s) => s === ".." || s === ".")) return "the path leaves the served directory";
  return segments;
}

/** Whether `path` (real) is `root` (real) or under it. */
function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An HTML page listing a directory: subdirectories first, then files, each by name. */
async function listing(req: Request, source: FileSource, dir: string, urlPath: string, atRoot: boolean, options: ServeDirOptions): Promise<Response> {
  let entries: DirEntry[];
  try {
    entries = await source.readDir(dir);
  } catch {
    return plain(404, "Not Found", options.headers);
  }
  entries = entries.filter((e) => options.dotfiles || !e.name.startsWith("."));
  entries.sort((a, b) => (a.kind === "directory") === (b.kind === "directory") ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind === "directory" ? -1 : 1);
  const title = escapeHtml(safeDecode(urlPath));
  const rows = entries.map((e) => {
    const slash = e.kind === "directory" ? "/" : "";
    return `<li><a href="${escapeHtml(encodeURIComponent(e.name))}${slash}">${escapeHtml(e.name)}${slash}</a></li>`;
  });
  if (!atRoot) rows.unshift(`<li><a href="../">../</a></li>`);
  const html = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Index of ${title}</title></head>\n<body><h1>Index of ${title}</h1>\n<ul>\n${rows.join("\n")}\n</ul></body></html>\n`;
  const headers = new Headers(options.headers);
  headers.set("content-type", "text/html; charset=utf-8");
  return new Response(html, { status: 200, headers }); // HEAD: the facade sends its length, not its bytes
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
