/**
 * The ways an HTTP/1.1 connection becomes HTTP/2: prior knowledge, where the client
 * opens with the HTTP/2 preface on the same port (RFC 9113 §3.3), and the h2c upgrade
 * of RFC 7540 §3.2, where a request asks for it and is answered on stream 1.
 */
import { concatBytes, fromBase64, latin1Bytes } from "../buffers/bytes.ts";
import type { RequestHead } from "../h1/head.ts";
import type { ServerContext } from "./context.ts";
import { CONNECTION_FIELDS } from "./exchange.ts";
import { pairs } from "./request-headers.ts";
import type { Exchange } from "./h1-exchange.ts";

const H2_PREFACE = latin1Bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/**
 * "PRI ": where an HTTP/1.1 request and the HTTP/2 preface part ways. PRI is the method
 * RFC 9113 §11.6 reserves for the preface, so a connection that starts with it goes to
 * HTTP/2, whose core checks the rest of the preface and answers one that is not it with
 * GOAWAY(PROTOCOL_ERROR).
 */
export const PREFACE_START = 4;

/** What the first bytes of a connection say: HTTP/2 prior knowledge, HTTP/1.x, or not enough yet. */
export function prefaceDecision(first: Uint8Array): "h2" | "h1" | "wait" {
  for (let i = 0; i < first.length && i < PREFACE_START; i++) if (first[i] !== H2_PREFACE[i]) return "h1";
  return first.length < PREFACE_START ? "wait" : "h2";
}

/** Largest request body gathered to upgrade with; a request with a larger one stays on HTTP/1.1. */
const MAX_H2C_BODY = 64 * 1024;

/**
 * RFC 7540 §3.2: "Upgrade: h2c" with exactly one HTTP2-Settings, named in Connection,
 * on cleartext HTTP/1.1. Returns the decoded settings, or null to stay on HTTP/1.1.
 */
export function h2cSettings(head: RequestHead, ctx: ServerContext): Uint8Array | null {
  if (!ctx.startH2 || ctx.scheme !== "http" || !head.upgrade || head.minor !== 1) return null;
  if (!head.upgrade.split(",").some((t) => t.trim().toLowerCase() === "h2c")) return null;
  if (head.chunked || head.contentLength > MAX_H2C_BODY) return null;
  const values: string[] = [];
  let connectionNames = "";
  for (let i = 0; i < head.fields.length; i += 2) {
    if (head.fields[i] === "http2-settings") values.push(head.fields[i + 1]!);
    if (head.fields[i] === "connection") connectionNames += "," + head.fields[i + 1]!.toLowerCase();
  }
  if (values.length !== 1 || !connectionNames.split(",").some((t) => t.trim() === "http2-settings")) return null;
  if (!/^[A-Za-z0-9_-]*=*$/.test(values[0]!)) return null;
  const settings = fromBase64(values[0]!, true);
  return settings && settings.length % 6 === 0 ? settings : null;
}

/**
 * Makes the exchange an h2c upgrade: its body is gathered (`collected`), its answer is
 * the switch once all of it has come, and its claim switches the connection once the
 * 101 has gone out. HTTP/2 then takes the connection over with the request, its body
 * and the client's settings, and answers it on stream 1. The request loses the fields
 * that were about the HTTP/1.1 connection and the upgrade.
 */
export function claimForH2c(ctx: ServerContext, ex: Exchange, url: string, settings: Uint8Array): void {
  const head = ex.head;
  const collected: Uint8Array[] = (ex.collected = []);
  ex.response = new Promise<undefined>((r) => (ex.bodyComplete = () => r(undefined)));
  if (ex.bodyDone) ex.bodyComplete!();
  ex.claim = {
    headers: [["connection", "Upgrade"], ["upgrade", "h2c"]],
    response: undefined,
    start: (conn, rest) => {
      const bytes = concatBytes(collected);
      const request = new Request(url, {
        method: head.method,
        headers: pairs(head.fields).filter(([n]) => !CONNECTION_FIELDS.has(n) && n !== "te"),
        body: bytes.length && head.method !== "GET" && head.method !== "HEAD" ? (bytes as Uint8Array<ArrayBuffer>) : null,
      });
      return ctx.startH2!(conn, rest, { request: { request, settings } });
    },
  };
}
