/**
 * The default trace printers: one line per event, readable in the way of `nghttp -v`
 * (a header block's fields follow on indented lines), or JSON lines for tools.
 */
import type { TraceEvent, TraceSink } from "./events.ts";

const pad = (ms: number) => (ms / 1000).toFixed(3).padStart(8);

/** An event as text: its line, then one indented line per field. */
export function formatEvent(e: TraceEvent): string {
  const lead = `[${pad(e.ms)}] #${e.conn} ${e.dir === "-" ? "    " : e.dir} ${e.proto.padEnd(3)} `;
  const fields = "fields" in e && e.fields ? e.fields.map((f) => `${" ".repeat(lead.length + 2)}${f.name}: ${f.value}${f.repr ? `  (${f.repr})` : ""}`) : [];
  return [lead + summary(e), ...fields].join("\n");
}

function summary(e: TraceEvent): string {
  switch (e.proto) {
    case "tcp":
      return e.event === "open" ? `open ${e.remote} -> ${e.local}${e.tls ? ` tls${e.alpn ? ` alpn=${e.alpn}` : ""}` : ""}` : "close";
    case "h1":
      switch (e.event) {
        case "request": return `${e.method} ${e.target} ${e.version}`;
        case "response": return `${e.version ?? ""} ${e.status}`.trim();
        case "framing": return `${e.message} content: ${e.framing}${e.length !== undefined ? ` ${e.length}` : ""}`;
        case "reject": return `reject ${e.status} ${e.code}: ${e.reason}${e.rule ? ` (${e.rule})` : ""}`;
      }
      break;
    case "h2":
    case "ws":
      if (e.event === "switch") return `switch to ${e.proto === "h2" ? "HTTP/2" : "WebSocket"}`;
      if (e.event === "preface") return "connection preface";
      if (e.event === "error") return `${"reason" in e ? e.reason : ""}`;
      if (e.proto === "ws") {
        const rsv = e.rsv!.map((b, i) => (b ? `RSV${i + 1}` : "")).filter(Boolean).join("|");
        let s = `${e.opcode} frame <fin=${e.fin ? 1 : 0}; length=${e.length}${rsv ? `; ${rsv}` : ""}${e.masked ? "; masked" : ""}>`;
        if (e.closeCode !== undefined) s += ` code=${e.closeCode}${e.closeReason ? ` reason=${JSON.stringify(e.closeReason)}` : ""}`;
        return s;
      }
      return h2Summary(e);
  }
  return "";
}

function h2Summary(e: Extract<TraceEvent, { proto: "h2" }>): string {
  if (!("type" in e)) return "";
  let s = `${e.type} frame <length=${e.length}; flags=${e.flags!.length ? e.flags!.join("|") : "0"}; stream=${e.stream}>`;
  if (e.padLength !== undefined) s += ` pad=${e.padLength}`;
  if (e.settings) s += " " + (Object.entries(e.settings).map(([k, v]) => `${k}=${v}`).join(" ") || "(none)");
  if (e.errorCode) s += ` error=${e.errorCode}`;
  if (e.lastStreamId !== undefined) s += ` last_stream=${e.lastStreamId}`;
  if (e.debug) s += ` debug=${JSON.stringify(e.debug)}`;
  if (e.increment !== undefined) s += ` increment=${e.increment}`;
  if (e.opaque !== undefined) s += ` opaque=${e.opaque}`;
  return s;
}

/** Writes each event to `write` (a line at a time) as text or as JSON. */
export function printer(format: "text" | "json", write: (line: string) => void): TraceSink {
  return format === "json" ? (e) => write(JSON.stringify(e)) : (e) => write(formatEvent(e));
}
