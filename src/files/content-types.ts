/**
 * Content-Type by file extension (RFC 9110 §8.3). Text types name their charset: files
 * are served as they are on disk, and UTF-8 is what a project's text files hold.
 */

const TYPES: Record<string, string> = {
  // text
  html: "text/html", htm: "text/html", css: "text/css", txt: "text/plain", text: "text/plain", md: "text/markdown",
  csv: "text/csv", tsv: "text/tab-separated-values", ics: "text/calendar", vtt: "text/vtt", xml: "application/xml",
  // RFC 9239: JavaScript is text/javascript.
  js: "text/javascript", mjs: "text/javascript", cjs: "text/javascript",
  json: "application/json", map: "application/json", jsonld: "application/ld+json", webmanifest: "application/manifest+json",
  svg: "image/svg+xml", wasm: "application/wasm", pdf: "application/pdf", zip: "application/zip",
  gz: "application/gzip", tar: "application/x-tar", br: "application/x-brotli", zst: "application/zstd",
  // images
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp", avif: "image/avif",
  ico: "image/vnd.microsoft.icon", bmp: "image/bmp", tif: "image/tiff", tiff: "image/tiff", apng: "image/apng",
  // fonts
  woff: "font/woff", woff2: "font/woff2", ttf: "font/ttf", otf: "font/otf",
  // audio and video
  mp3: "audio/mpeg", ogg: "audio/ogg", oga: "audio/ogg", wav: "audio/wav", flac: "audio/flac", m4a: "audio/mp4",
  opus: "audio/opus", mp4: "video/mp4", m4v: "video/mp4", webm: "video/webm", ogv: "video/ogg", mov: "video/quicktime",
};

/** Types with text in them, which get "; charset=utf-8". */
function isText(type: string): boolean {
  return type.startsWith("text/") || type === "application/json" || type === "application/xml" ||
    type === "image/svg+xml" || type.endsWith("+json");
}

/** The Content-Type for a file name; application/octet-stream when the extension is unknown. */
export function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf(".");
  const slash = name.lastIndexOf("/");
  if (dot <= slash + 1) return "application/octet-stream"; // no extension, or a dotfile's name
  const type = TYPES[name.slice(dot + 1).toLowerCase()];
  if (type === undefined) return "application/octet-stream";
  return isText(type) ? `${type}; charset=utf-8` : type;
}
