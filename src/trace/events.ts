/**
 * The wire trace: what a connection received and sent, and what the server decided,
 * as one event per line. `serve({ trace })` takes a function that receives them, or
 * `true` for the default printer (print.ts). Off, it costs a null check per read and
 * per write.
 */
import type { Representation } from "../hpack/decoder.ts";

/** A field line as a trace shows it; `repr` is how HPACK carried it (HTTP/2 only). */
export interface TracedField {
  name: string;
  value: string;
  repr?: Representation;
}

interface Base {
  /** The connection, numbered from 1 in the order they were accepted. */
  conn: number;
  /** Milliseconds since the connection was accepted. */
  ms: number;
}

/** The connection was accepted, or closed. */
export interface ConnectionEvent extends Base {
  proto: "tcp";
  event: "open" | "close";
  dir: "-";
  remote?: string;
  local?: string;
  tls?: boolean;
  alpn?: string | null;
}

/** An HTTP/1.x request head received, a response head sent, a message's framing, or a rejection. */
export interface H1Event extends Base {
  proto: "h1";
  dir: "recv" | "send" | "-";
  event: "request" | "response" | "framing" | "reject";
  method?: string;
  target?: string;
  version?: string;
  status?: number;
  fields?: TracedField[];
  /** framing: how the message's content is delimited (RFC 9112 §6): "content-length", "chunked", "none", "until-close". */
  framing?: string;
  length?: number;
  message?: "request" | "response";
  /** reject: the error's stable code, its reason, and the rule it enforces. */
  code?: string;
  reason?: string;
  rule?: string;
}

/** The connection changed protocol: HTTP/2 by preface, ALPN or h2c upgrade; WebSocket by upgrade. */
export interface SwitchEvent extends Base {
  proto: "h2" | "ws";
  dir: "-";
  event: "switch";
}

/** One HTTP/2 frame (RFC 9113 §4.1), with what its payload says. */
export interface H2FrameEvent extends Base {
  proto: "h2";
  dir: "recv" | "send";
  event: "frame" | "preface" | "error";
  type?: string;
  flags?: string[];
  stream?: number;
  length?: number;
  /** HEADERS (or the CONTINUATION that ends a block): the decoded fields. */
  fields?: TracedField[];
  settings?: Record<string, number>;
  errorCode?: string;
  lastStreamId?: number;
  debug?: string;
  increment?: number;
  opaque?: string;
  padLength?: number;
  reason?: string;
}

/** One WebSocket frame (RFC 6455 §5.2). */
export interface WsFrameEvent extends Base {
  proto: "ws";
  dir: "recv" | "send";
  event: "frame" | "error";
  opcode?: string;
  fin?: boolean;
  /** RSV1, RSV2, RSV3 (RSV1 is permessage-deflate's "compressed", RFC 7692 §6). */
  rsv?: [boolean, boolean, boolean];
  masked?: boolean;
  length?: number;
  closeCode?: number;
  closeReason?: string;
  reason?: string;
}

export type TraceEvent = ConnectionEvent | H1Event | SwitchEvent | H2FrameEvent | WsFrameEvent;

/** What receives the trace. */
export type TraceSink = (event: TraceEvent) => void;
