/** Drives the sans-I/O HTTP/1.1 parser with byte arrays. */
import { RequestParser, type H1Event } from "../../src/h1/parser.ts";
import type { H1Limits } from "../../src/h1/limits.ts";

export const enc = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));

/** Parses `input` (fed in the given pieces) and returns the events with body bytes merged per message. */
export function parseAll(input: string | Uint8Array | Uint8Array[], limits: Partial<H1Limits> = {}) {
  const p = new RequestParser(limits);
  const pieces = typeof input === "string" ? [enc(input)] : input instanceof Uint8Array ? [input] : input;
  const events: H1Event[] = [];
  for (const piece of pieces) {
    p.feed(piece);
    for (let e = p.next(); e; e = p.next()) {
      events.push(e);
      if (p.paused) p.resume();
    }
  }
  return normalize(events);
}

export function normalize(events: H1Event[]) {
  const out: unknown[] = [];
  let body: number[] | null = null;
  for (const e of events) {
    if (e.type === "data") {
      body ??= [];
      for (const b of e.data) body.push(b);
      continue;
    }
    if (body) {
      out.push({ type: "body", text: Buffer.from(body).toString("latin1") });
      body = null;
    }
    out.push(e.type === "error" ? { type: "error", status: e.error.status, code: e.error.code } : e);
  }
  if (body) out.push({ type: "body", text: Buffer.from(body).toString("latin1") });
  return out as Array<Record<string, any>>;
}

/** The first error of parsing `input`, or null. */
export function errorOf(input: string, limits: Partial<H1Limits> = {}) {
  return parseAll(input, limits).find((e) => e.type === "error") ?? null;
}

export function headOf(input: string) {
  const e = parseAll(input).find((e) => e.type === "head");
  return e ? e.head : null;
}
