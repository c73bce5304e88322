/**
 * RFC 9113 §6.9: request body bytes count against the connection's window whether or
 * not anyone reads them. Bytes the server throws away (a stream reset, a handler that
 * answered without reading) must be given back with a connection WINDOW_UPDATE, or each
 * such stream shrinks the window for good and the connection stalls. HTTP/2 by prior
 * knowledge over a fake transport.
 */
import { describe, expect, it } from "vitest";
import type { Handler } from "../../src/facade/context.ts";
import { HpackEncoder } from "../../src/hpack/encoder.ts";
import { H2_PREFACE, fakeServerPerTest } from "../helpers/fake-transport.ts";
import { F, POST, T, rawFrame, u32 } from "../helpers/h2.ts";

const CANCEL = 0x8;

const start = fakeServerPerTest();

async function session(handler: Handler) {
  const server = await start(handler);
  const conn = server.connect();
  conn.handler.data(H2_PREFACE);
  const enc = new HpackEncoder();
  const headers = (id: number) => rawFrame(T.HEADERS, F.END_HEADERS, id, enc.encode(POST));
  const data = (id: number, n: number, flags = 0) => rawFrame(T.DATA, flags, id, new Uint8Array(n).fill(0x61));
  const rst = (id: number) => rawFrame(T.RST_STREAM, 0, id, u32(CANCEL));
  const send = (...frames: Uint8Array[]) => conn.handler.data(Buffer.concat(frames));
  /** Connection-level credit the server has given back. */
  const given = () => conn.frames().filter((f) => f.type === T.WINDOW_UPDATE && f.id === 0).reduce((n, f) => n + f.payload.readUInt32BE(0), 0);
  // The server may raise the connection window at the start; count what comes after.
  const initial = given();
  const credit = () => given() - initial;
  /** Of `sent` body bytes, those the server has not given back. */
  const heldBack = (sent: number) => sent - credit();
  return { conn, headers, data, rst, send, credit, heldBack };
}

const settle = () => new Promise((r) => setTimeout(r, 5));
/** A quarter of the connection window the server advertises (65,535 raised by its first WINDOW_UPDATE to 1 MiB). */
const quarter = (1 << 20) / 4;

describe("RFC 9113 §8.1: a request still coming when its response is complete", () => {
  it("a handler that cancelled the body: the client is asked to stop with RST_STREAM(NO_ERROR)", async () => {
    const { conn, headers, data, send } = await session(async (req) => {
      await req.body?.cancel();
      return new Response("no thanks");
    });
    send(headers(1), data(1, 100));
    await settle();
    send(data(1, 100));
    await settle();
    const frames = conn.frames().filter((f) => f.id === 1);
    const end = frames.findIndex((f) => f.type === T.DATA && (f.flags & F.END_STREAM) !== 0);
    expect(end).toBeGreaterThanOrEqual(0);
    expect(frames.slice(end + 1).map((f) => [f.type, f.payload.readUInt32BE(0)])).toEqual([[T.RST_STREAM, 0]]);
  });

  it("a handler that reads the body after its response has gone out gets an error, not a cut-off body", async () => {
    let late: Promise<string> = Promise.resolve("");
    const { headers, data, send } = await session((req) => {
      late = new Promise((r) => setTimeout(r, 30)).then(() => req.text());
      return new Response("early");
    });
    send(headers(1), data(1, 100));
    await settle();
    await expect(late).rejects.toThrow(TypeError);
  });

  it("a request that has ended gets no RST_STREAM", async () => {
    const { conn, headers, data, send } = await session(() => new Response("ok"));
    send(headers(1), data(1, 100, F.END_STREAM));
    await settle();
    expect(conn.frames().filter((f) => f.type === T.RST_STREAM)).toEqual([]);
  });
});

describe("connection credit for request bodies nobody reads", () => {
  // The server returns credit in batches of a quarter of its connection window; what it
  // holds back must stay below that, however many bytes it has thrown away.
  const STREAMS = 24;
  const SIZE = 16_000; // 24 x 16,000 = 384,000 bytes: more than a batch must come back

  it("streams reset in the read that opened them: handlers never called, DATA given back", async () => {
    let called = 0;
    const { credit, heldBack, headers, data, rst, send } = await session(() => (called++, new Response("ok")));
    for (let i = 0, id = 1; i < STREAMS; i++, id += 2) send(headers(id), data(id, SIZE), rst(id));
    await settle();
    expect(called).toBe(0);
    expect(credit()).toBeGreaterThan(0);
    expect(heldBack(STREAMS * SIZE)).toBeLessThan(quarter);
  });

  it("streams reset while their handlers hold unread body bytes give them back", async () => {
    let started = 0;
    const { credit, heldBack, headers, data, rst, send } = await session(() => {
      started++;
      return new Promise<Response>(() => {}); // never reads, never answers
    });
    for (let i = 0, id = 1; i < STREAMS; i++, id += 2) {
      send(headers(id), data(id, SIZE / 2));
      await settle();
      send(data(id, SIZE / 2));
      await settle();
      send(rst(id));
    }
    await settle();
    expect(started).toBe(STREAMS);
    expect(credit()).toBeGreaterThan(0);
    expect(heldBack(STREAMS * SIZE)).toBeLessThan(quarter);
  });

  it("handlers that answer without reading: the queued bytes and later DATA are given back", async () => {
    const { conn, credit, heldBack, headers, data, send } = await session(() => new Response("early answer"));
    for (let i = 0, id = 1; i < STREAMS; i++, id += 2) {
      send(headers(id), data(id, SIZE / 2));
      await settle();
      // The response is complete (END_STREAM sent) while the request is still coming.
      expect(conn.frames().some((f) => f.type === T.DATA && f.id === id && (f.flags & F.END_STREAM) !== 0)).toBe(true);
      send(data(id, SIZE / 2, F.END_STREAM));
    }
    await settle();
    expect(credit()).toBeGreaterThan(0);
    expect(heldBack(STREAMS * SIZE)).toBeLessThan(quarter);
    // RFC 9113 §8.1: each stream was ended with RST_STREAM(NO_ERROR) after its response, and the
    // DATA the client still sent was ignored, not answered with RST_STREAM(STREAM_CLOSED).
    const resets = conn.frames().filter((f) => f.type === T.RST_STREAM);
    expect(resets.map((f) => f.payload.readUInt32BE(0))).toEqual(new Array(STREAMS).fill(0));
  });
});
