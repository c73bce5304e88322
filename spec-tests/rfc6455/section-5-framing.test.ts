/**
 * RFC 6455 §5: framing, pings and pongs, reserved bits, opcodes, fragmentation,
 * grouped as the widely used conformance suites group them (cases 1-5).
 */
import { describe, expect, it } from "vitest";
import { closeFrame, frame, run, text } from "../helpers/ws.ts";

describe("1 framing: text and binary messages of every length class", () => {
  for (const n of [0, 125, 126, 127, 128, 65535, 65536, 1 << 20]) {
    it(`text and binary of ${n} bytes are delivered whole and echoable`, () => {
      const payload = new Uint8Array(n).fill(0x2a);
      const r = run([frame(1, payload), frame(2, payload)]);
      expect(r.events.map((e) => e.type)).toEqual(["message", "message"]);
      expect(r.events.map((e) => (e as { data: Uint8Array }).data.length)).toEqual([n, n]);
      expect((r.events[1] as { binary: boolean }).binary).toBe(true);
    });
  }
  it("§5.1: a server MUST close the connection on an unmasked client frame (1002)", () => {
    expect(run([frame(1, "hi", { masked: false })]).closeCode).toBe(1002);
  });
  it("§5.1: a server MUST NOT mask frames it sends", () => {
    const r = run([frame(9, "p")]);
    expect(r.frames[0]!.masked).toBe(false);
  });
  it("§5.2: a 64-bit length with the most significant bit set is a protocol error", () => {
    const f = frame(2, new Uint8Array(0), { length: 70000 });
    const bad = new Uint8Array(f.length);
    bad.set(f);
    bad[2] = 0x80;
    expect(run([bad.subarray(0, 14)]).closeCode).toBe(1002);
  });
});

describe("2 pings and pongs", () => {
  it("§5.5.2: a Ping is answered by a Pong with identical application data", () => {
    const r = run([frame(9, "hello")]);
    expect(r.frames[0]!.opcode).toBe(0xa);
    expect(new TextDecoder().decode(r.frames[0]!.payload)).toBe("hello");
  });
  it("a Ping of 125 bytes is answered; of 126 bytes fails with 1002", () => {
    expect(run([frame(9, new Uint8Array(125))]).frames[0]!.payload.length).toBe(125);
    expect(run([frame(9, new Uint8Array(126))]).closeCode).toBe(1002);
  });
  it("§5.5.3: an unsolicited Pong is ignored", () => {
    const r = run([frame(0xa, "x"), frame(1, "after")]);
    expect(r.frames).toHaveLength(0);
    expect(r.events.map((e) => e.type)).toEqual(["pong", "message"]);
  });
  it("ten Pings in a row get ten Pongs in order", () => {
    const r = run(Array.from({ length: 10 }, (_, i) => frame(9, String(i))));
    expect(r.frames.map((f) => new TextDecoder().decode(f.payload))).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
  });
});

describe("3 reserved bits", () => {
  for (const rsv of [1, 2, 3, 4, 5, 6, 7]) {
    it(`RSV=${rsv} without an extension fails the connection with 1002`, () => {
      const r = run([frame(1, "x", { rsv })]);
      expect(r.closeCode).toBe(1002);
      expect(r.events.some((e) => e.type === "message")).toBe(false);
    });
  }
  it("a valid message before the bad frame is still delivered", () => {
    const r = run([frame(1, "ok"), frame(1, "x", { rsv: 1 })]);
    expect(r.events[0]).toMatchObject({ type: "message" });
    expect(r.closeCode).toBe(1002);
  });
});

describe("4 opcodes", () => {
  for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
    it(`reserved opcode ${op} fails the connection with 1002`, () => {
      expect(run([frame(op, "x")]).closeCode).toBe(1002);
    });
  }
});

describe("5 fragmentation", () => {
  it("a fragmented text message is reassembled", () => {
    const r = run([frame(1, "Hel", { fin: false }), frame(0, "lo ", { fin: false }), frame(0, "World")]);
    expect(new TextDecoder().decode((r.events[0] as { data: Uint8Array }).data)).toBe("Hello World");
  });
  it("§5.4: control frames MAY be injected in the middle of a fragmented message", () => {
    const r = run([frame(1, "a", { fin: false }), frame(9, "p"), frame(0, "b")]);
    expect(r.events.map((e) => e.type)).toEqual(["ping", "message"]);
    expect(r.frames[0]!.opcode).toBe(0xa);
  });
  it("§5.5: a fragmented control frame fails with 1002", () => {
    expect(run([frame(9, "a", { fin: false })]).closeCode).toBe(1002);
  });
  it("a continuation with nothing to continue fails with 1002", () => {
    expect(run([frame(0, "x")]).closeCode).toBe(1002);
    expect(run([frame(0, "x", { fin: false })]).closeCode).toBe(1002);
  });
  it("a new data frame inside a fragmented message fails with 1002", () => {
    expect(run([frame(1, "a", { fin: false }), frame(1, "b")]).closeCode).toBe(1002);
  });
  it("zero-length fragments are allowed", () => {
    const r = run([frame(1, "", { fin: false }), frame(0, "", { fin: false }), frame(0, "x")]);
    expect((r.events[0] as { data: Uint8Array }).data).toEqual(text("x"));
  });
});
