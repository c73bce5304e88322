/**
 * RFC 9113 §5.1: once the peer has reset a stream, nothing more is sent on it, whatever
 * its handler does after. Each frame arrives in its own read, as over TLS, with the
 * handler's work between them.
 */
import { describe, expect, it } from "vitest";
import { HpackEncoder } from "../../src/hpack/encoder.ts";
import { H2_PREFACE, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";
import { E, F, T, rawFrame, u32 } from "../helpers/h2.ts";

const start = fakeServerPerTest();
const fields = (method: string, path: string): [string, string][] => [[":method", method], [":scheme", "http"], [":path", path], [":authority", "x"]];

const HANDLERS: Record<string, (req: Request) => Response | Promise<Response>> = {
  "answers later without reading the body": async () => {
    await settle(30);
    return new Response("late");
  },
  "reads the body, then answers": async (req) => new Response(await req.arrayBuffer()),
  "streams an answer": () => new Response(new ReadableStream({ pull: async (c) => { await settle(5); c.enqueue(new Uint8Array(10)); } })),
};

describe("frames after the peer's RST_STREAM, a frame per read", () => {
  for (const [name, handler] of Object.entries(HANDLERS)) {
    for (const method of ["GET", "POST"]) {
      it(`${method}, a handler that ${name}: nothing is sent on the stream after the reset`, async () => {
        const server = await start(handler);
        const enc = new HpackEncoder();
        const conn = server.connect();
        conn.handler.data(H2_PREFACE);
        conn.handler.data(rawFrame(T.HEADERS, F.END_HEADERS | (method === "GET" ? F.END_STREAM : 0), 1, enc.encode(fields(method, "/"))));
        await settle(1);
        const before = conn.frames().filter((f) => f.id === 1).length;
        conn.handler.data(rawFrame(T.RST_STREAM, 0, 1, u32(E.NO_ERROR + 8)));
        await settle(80);
        const after = conn.frames().filter((f) => f.id === 1).slice(before);
        expect(after).toEqual([]);
        // The connection goes on: a new stream is answered.
        conn.handler.data(rawFrame(T.HEADERS, F.END_HEADERS | F.END_STREAM, 3, enc.encode(fields("GET", "/"))));
        await settle(80);
        expect(conn.frames().some((f) => f.id === 3 && f.type === T.HEADERS)).toBe(true);
      });
    }
  }
});
