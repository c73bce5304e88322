/** Planning a Response body: known bytes go out without a stream round-trip. */
import { describe, expect, it } from "vitest";
import { planResponse, staticBody } from "../../src/facade/response-body.ts";

describe("response bodies", () => {
  it("a string or bytes body is planned from its source; its stream is never locked", async () => {
    const r = new Response("Hello World");
    const plan = await planResponse(r);
    expect(plan).toMatchObject({ kind: "bytes" });
    expect(new TextDecoder().decode((plan as { bytes: Uint8Array }).bytes)).toBe("Hello World");
    expect(r.body!.locked).toBe(false);
    expect(r.bodyUsed).toBe(false);
    expect(staticBody(new Response(Uint8Array.of(1, 2, 3)))).toEqual(Uint8Array.of(1, 2, 3));
    const json = staticBody(Response.json({ a: 1 })); // a string on Deno, bytes on Node
    expect(typeof json === "string" ? json : new TextDecoder().decode(json!)).toBe('{"a":1}');
  });
  it("a stream body is read as a stream, and one that pauses is streamed", async () => {
    const r = new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("first")); } }));
    expect(staticBody(r)).toBeUndefined();
    const plan = await planResponse(r);
    expect(plan.kind).toBe("stream");
  });
  it("a used body is not taken from its source", async () => {
    const r = new Response("once");
    await r.text();
    expect(staticBody(r)).toBeUndefined();
  });
  it("an empty body is planned as empty", async () => {
    expect((await planResponse(new Response(null))).kind).toBe("empty");
    expect((await planResponse(new Response(""))).kind).toBe("empty");
  });
});
