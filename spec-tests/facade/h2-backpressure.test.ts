/**
 * A peer that does not read what we send: once the transport holds more than its
 * high-water mark, the HTTP/2 connection stops reading from it (every frame read may add
 * an answer: a RST_STREAM, a PING ACK, a response) and reads again when it drains.
 */
import { describe, expect, it } from "vitest";
import { HpackEncoder } from "../../src/hpack/encoder.ts";
import { H2_PREFACE, fakeServerPerTest, settle } from "../helpers/fake-transport.ts";
import { F, T, rawFrame } from "../helpers/h2.ts";

const start = fakeServerPerTest();

describe("HTTP/2 output backpressure stops reading", () => {
  it("a PING flood to a peer that does not read: reads pause while the transport is backed up, and resume on drain", async () => {
    const server = await start(() => new Response("hi"));
    const conn = server.connect();
    let full = false;
    const log: string[] = [];
    const write = conn.write.bind(conn);
    conn.write = (b) => (write(b), !full);
    conn.pause = () => void log.push("pause");
    conn.resume = () => void log.push("resume");
    conn.handler.data(H2_PREFACE);
    full = true; // the peer stops reading: the transport reports backpressure on the next write
    conn.handler.data(rawFrame(T.PING, 0, 0, new Uint8Array(8)));
    expect(log).toEqual(["pause"]);
    conn.handler.data(rawFrame(T.PING, 0, 0, new Uint8Array(8)));
    expect(log).toEqual(["pause"]); // paused once
    full = false; // the transport drained below its mark
    conn.handler.drain();
    expect(log).toEqual(["pause", "resume"]);
    // Served as before.
    conn.handler.data(rawFrame(T.HEADERS, F.END_HEADERS | F.END_STREAM, 1, new HpackEncoder().encode([[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "x"]])));
    await settle();
    expect(conn.frames().filter((f) => f.id === 1).map((f) => f.type)).toEqual([T.HEADERS, T.DATA]);
  });
});
