/** Planning a Response body: known bytes go out without a stream round-trip. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WritePool } from "../../src/buffers/pool.ts";
import { concatBytes } from "../../src/buffers/bytes.ts";
import { type BodyPlan, MAX_GATHERED_BODY, planBody, planResponse, staticBody, utf8 } from "../../src/facade/response-body.ts";

const pool = new WritePool();
const bodyOf = (plan: BodyPlan) => {
  if (plan.kind !== "bytes") throw new Error(`expected bytes, got ${plan.kind}`);
  const bytes = concatBytes(plan.parts);
  expect(bytes.length).toBe(plan.length);
  return bytes;
};

describe("response bodies", () => {
  it("a string or bytes body is planned from its source where the runtime shows it, else read from its stream: bytes with a length either way", async () => {
    // Node 20 and 22's undici keep a Response's state under symbols; Node 24's in private
    // fields, where no one can read it: there the body's stream is read (planBody).
    const fromSource = Number(process.versions.node.split(".")[0]) < 24;
    const r = new Response("Hello World");
    expect(staticBody(r) !== undefined, "the path taken: the source (true) or the stream (false)").toBe(fromSource);
    const plan = await planResponse(r, pool);
    expect(plan).toMatchObject({ kind: "bytes", length: 11 });
    expect(new TextDecoder().decode(bodyOf(plan))).toBe("Hello World");
    // Planned from its source, the Response is left untouched.
    expect(r.body!.locked).toBe(!fromSource);
    if (!fromSource) return;
    expect(r.bodyUsed).toBe(false);
    expect(staticBody(new Response(Uint8Array.of(1, 2, 3)))).toEqual(Uint8Array.of(1, 2, 3));
    const json = staticBody(Response.json({ a: 1 })); // a string on Deno, bytes on Node
    expect(typeof json === "string" ? json : new TextDecoder().decode(json!)).toBe('{"a":1}');
  });
  it("text bodies are encoded exactly as TextEncoder does, lone surrogates and all", () => {
    const encoder = new TextEncoder();
    const text = fc.oneof(fc.string({ unit: "binary", maxLength: 80 }), fc.string({ unit: "grapheme", maxLength: 40 }), fc.string({ maxLength: 1500 }));
    fc.assert(fc.property(text, (s) => {
      expect(utf8(pool, s)).toEqual(encoder.encode(s));
    }), { numRuns: 2000 });
    for (const s of ["Hello World", "é", "€", "😀", "\ud800", "\udc00x", "a\ud83d", "\u07ff\u0800\uffff"]) {
      expect(utf8(pool, s)).toEqual(encoder.encode(s));
    }
  });
  it("a stream body is read as a stream, and one that pauses is streamed", async () => {
    const r = new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("first")); } }));
    expect(staticBody(r)).toBeUndefined();
    const plan = await planResponse(r, pool);
    expect(plan.kind).toBe("stream");
  });
  it("chunks a stream has ready at once are gathered into one body with a length, as the views they are", async () => {
    const parts = [16384, 49152, 7].map((n, i) => new Uint8Array(n).fill(i + 1));
    const plan = await planBody(new ReadableStream({ start(c) { for (const p of parts) c.enqueue(p); c.close(); } }));
    expect(plan.kind).toBe("bytes");
    expect(plan.kind === "bytes" && plan.parts.every((p, i) => p === parts[i])).toBe(true);
    const bytes = bodyOf(plan);
    expect(bytes.length).toBe(16384 + 49152 + 7);
    expect([bytes[0], bytes[16384], bytes[16384 + 49152]]).toEqual([1, 2, 3]);
  });
  it("a ready stream longer than the gathering limit is streamed, every chunk kept in order", async () => {
    const chunk = 64 * 1024;
    const count = Math.ceil(MAX_GATHERED_BODY / chunk) + 3;
    const plan = await planBody(new ReadableStream({
      start(c) {
        for (let i = 0; i < count; i++) c.enqueue(new Uint8Array(chunk).fill(i));
        c.close();
      },
    }));
    expect(plan.kind).toBe("stream");
    if (plan.kind !== "stream") return;
    const seen = plan.first.map((b) => b[0]);
    for (;;) {
      const r = await plan.reader.read();
      if (r.done) break;
      seen.push((r.value as Uint8Array)[0]);
    }
    expect(seen).toEqual([...Array(count).keys()]);
  });
  it("a stream that pauses after several ready chunks keeps them and the pending read", async () => {
    let later!: (c: ReadableStreamDefaultController<Uint8Array>) => void;
    const plan = await planBody(new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(Uint8Array.of(1));
        c.enqueue(Uint8Array.of(2));
        later = (ctl) => { ctl.enqueue(Uint8Array.of(3)); ctl.close(); };
        setTimeout(() => later(c), 30);
      },
    }));
    expect(plan.kind).toBe("stream");
    if (plan.kind !== "stream") return;
    expect(plan.first.map((b) => b[0])).toEqual([1, 2]);
    const r = await plan.reader.read();
    expect((r.value as Uint8Array)[0]).toBe(3);
    expect((await plan.reader.read()).done).toBe(true);
  });
  it("a used body is not taken from its source", async () => {
    const r = new Response("once");
    await r.text();
    expect(staticBody(r)).toBeUndefined();
  });
  it("an empty body is planned as empty", async () => {
    expect((await planResponse(new Response(null), pool)).kind).toBe("empty");
    expect((await planResponse(new Response(""), pool)).kind).toBe("empty");
  });
});
