/** RFC 6455 §8.1 (UTF-8 handling), §7 (closing), §10.4 (limits): cases 6, 7 and 9. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { WsSession } from "../../src/ws/session.ts";
import { closeCodeOf, closeFrame, frame, pool, run, text } from "../helpers/ws.ts";

describe("6 UTF-8 handling", () => {
  const valid = ["", "κόσμε", "\u{10FFFF}", "\uFFFF", "a\u0000b", "\u{1F600}"];
  for (const s of valid) it(`valid text ${JSON.stringify(s)} is delivered`, () => {
    expect(run([frame(1, s)]).events[0]).toMatchObject({ type: "message" });
  });
  const invalid: [string, number[]][] = [
    ["lone continuation byte", [0x80]],
    ["overlong NUL", [0xc0, 0x80]],
    ["overlong slash", [0xe0, 0x80, 0xaf]],
    ["UTF-16 surrogate", [0xed, 0xa0, 0x80]],
    ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["0xFE byte", [0xfe]],
    ["truncated sequence at end", [0x61, 0xe2, 0x82]],
  ];
  for (const [name, bytes] of invalid) it(`§8.1: ${name} fails with 1007`, () => {
    expect(run([frame(1, Uint8Array.from(bytes))]).closeCode).toBe(1007);
  });
  it("a character split across fragments is valid", () => {
    const euro = text("€");
    const r = run([frame(1, euro.subarray(0, 1), { fin: false }), frame(0, euro.subarray(1))]);
    expect(r.events[0]).toMatchObject({ type: "message" });
  });
  it("fails fast: an invalid first fragment closes before the message ends", () => {
    const r = run([frame(1, Uint8Array.of(0xff), { fin: false })]);
    expect(r.closeCode).toBe(1007);
  });
  it("fails fast inside one frame: invalid bytes in the 2nd network chunk close before the frame ends", () => {
    const payload = Uint8Array.from([...text("valid start "), 0xff, ...text(" and the rest of the frame")]);
    const f = frame(1, payload);
    const s = new WsSession("server", pool);
    const events: string[] = [];
    s.receive(f.subarray(0, 12), { event: (e) => events.push(e.type) });
    expect(events).toEqual([]);
    s.receive(f.subarray(12, 22), { event: (e) => events.push(e.type) }); // contains the 0xff
    expect(events).toEqual(["error", "close"]);
    expect(closeCodeOf(s.takeOutput()[0]!.subarray(2))).toBe(1007);
  });
  it("a valid text frame split across network chunks, with a character split too, is delivered intact", () => {
    const payload = text("grüße, 世界, 🙂 ".repeat(50));
    const f = frame(1, payload);
    const s = new WsSession("server", pool);
    const got: Uint8Array[] = [];
    for (let i = 0; i < f.length; i += 7) s.receive(f.slice(i, i + 7), { event: (e) => e.type === "message" && got.push(e.data) });
    expect(new TextDecoder().decode(got[0])).toBe(new TextDecoder().decode(payload));
  });
  it("binary messages are not checked as UTF-8", () => {
    expect(run([frame(2, Uint8Array.of(0xff, 0xfe))]).events[0]).toMatchObject({ type: "message", binary: true });
  });
});

describe("7 close handling", () => {
  it("§5.5.1: a Close is answered with a Close echoing the code; the session is then closed", () => {
    const r = run([closeFrame(1000, "bye")]);
    expect(r.closeCode).toBe(1000);
    expect(r.events.at(-1)).toMatchObject({ type: "close", code: 1000, reason: "bye", wasClean: true });
  });
  it("a Close without payload is answered with an empty Close (code 1005 reported)", () => {
    const r = run([closeFrame()]);
    expect(r.frames[0]!.payload.length).toBe(0);
    expect(r.events.at(-1)).toMatchObject({ code: 1005 });
  });
  it("§5.5.1: no data frames are processed after a Close", () => {
    const r = run([closeFrame(1000), frame(1, "late"), frame(9, "p")]);
    expect(r.events.filter((e) => e.type === "message")).toHaveLength(0);
    expect(r.frames).toHaveLength(1);
  });
  it("a close payload of one byte fails with 1002", () => {
    expect(run([frame(8, Uint8Array.of(3))]).closeCode).toBe(1002);
  });
  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]) {
    it(`valid close code ${code} is echoed`, () => expect(run([closeFrame(code)]).closeCode).toBe(code));
  }
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
    it(`§7.4: close code ${code} may not be on the wire: 1002`, () => expect(run([closeFrame(code)]).closeCode).toBe(1002));
  }
  it("a close reason that is not UTF-8 fails with 1007", () => {
    expect(run([closeFrame(1000, Uint8Array.of(0xff))]).closeCode).toBe(1007);
  });
  it("a server-initiated close waits for the peer's Close, then reports a clean close", () => {
    const s = new WsSession("server", pool);
    s.close(1000, "done");
    const out = s.takeOutput();
    expect(closeCodeOf(out[0]!.subarray(2))).toBe(1000); // unmasked: a 2-byte header
    const ev: unknown[] = [];
    s.receive(frame(1, "in flight"), { event: (e) => ev.push(e) });
    s.receive(closeFrame(1000), { event: (e) => ev.push(e) });
    expect(ev).toMatchObject([{ type: "message" }, { type: "close", code: 1000, wasClean: true }]);
    expect(s.takeOutput()).toHaveLength(0); // no second Close
  });
  it("the API refuses close codes an application may not send", () => {
    const s = new WsSession("server", pool);
    expect(() => s.close(1005)).toThrow(RangeError);
    expect(() => s.close(1000, "x".repeat(124))).toThrow();
  });
});

describe("9 limits and large messages", () => {
  it("a message over maxMessageSize is refused with 1009 before it is buffered", () => {
    const big = frame(2, new Uint8Array(0), { length: 2000 });
    const r = run([big], { maxMessageSize: 1000 });
    expect(r.closeCode).toBe(1009);
  });
  it("fragments adding up past the limit are refused with 1009", () => {
    const r = run([frame(2, new Uint8Array(600), { fin: false }), frame(0, new Uint8Array(600))], { maxMessageSize: 1000 });
    expect(r.closeCode).toBe(1009);
  });
  it("a 16 MiB binary message in 64 KiB fragments is reassembled exactly", () => {
    const data = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = i * 7;
    const frames = [];
    for (let o = 0; o < data.length; o += 65536) frames.push(frame(o === 0 ? 2 : 0, data.subarray(o, o + 65536), { fin: o + 65536 >= data.length }));
    const r = run(frames);
    const got = (r.events[0] as { data: Uint8Array }).data;
    expect(got.length).toBe(data.length);
    const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
    expect(sha(got)).toBe(sha(data));
  });
});
