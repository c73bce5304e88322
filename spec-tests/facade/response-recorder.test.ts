/**
 * recordResponseSources (facade/response-body.ts): where the runtime hides a Response's
 * body (Node 24, Bun), serve() replaces the global Response with a subclass that
 * remembers a string body, so it is sent whole without reading its stream. Forced on
 * here, so it is tested on every Node; nothing a handler can see may change.
 */
import { describe, expect, it } from "vitest";
import { staticBody } from "../../src/facade/response-body.ts";
import { fakeServerPerTest, settle } from "../helpers/fake-transport.ts";

const start = fakeServerPerTest();
const Native = globalThis.Response;
const before = new Native("made before", { headers: { "x-before": "1" } });

async function answer(handler: () => Response | Promise<Response>) {
  const server = await start(handler, { recordResponses: true });
  const conn = server.connect();
  conn.handler.data(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  await settle();
  return conn.text();
}

describe("the recording Response", () => {
  it("is installed by serve({ recordResponses: true }) and records string bodies as they are made", async () => {
    await answer(() => new Response("x"));
    expect(globalThis.Response).not.toBe(Native);
    const r = new Response("Hello World");
    expect(staticBody(r)).toBe("Hello World");
    expect(staticBody(new Response(null, { status: 204 }))).toBe(null);
    expect(staticBody(new Response())).toBe(null);
    // Bytes are not recorded (copying them cost more than their stream): read from the stream.
    expect(await new Response(Uint8Array.of(1, 2)).arrayBuffer()).toEqual(Uint8Array.of(1, 2).buffer);
    // A used body is not sent from the record.
    const used = new Response("once");
    await used.text();
    expect(staticBody(used)).toBeUndefined();
  });

  it("answers exactly as the runtime's Response: fields, length, body", async () => {
    const text = await answer(() => new Response("héllo", { status: 201, headers: { "x-a": "1" } }));
    expect(text).toMatch(/^HTTP\/1\.1 201 Created\r\n/);
    expect(text).toMatch(/\r\nx-a: 1\r\n/);
    expect(text).toMatch(/\r\ncontent-length: 6\r\n/);
    expect(text.endsWith("\r\n\r\nh\xc3\xa9llo")).toBe(true);
  });

  it("Response.json as Fetch defines it", async () => {
    await answer(() => new Response("x"));
    const r = Response.json({ a: [1, "é"] }, { status: 202, headers: { "x-b": "2" } });
    expect(r).toBeInstanceOf(Response);
    expect(r.status).toBe(202);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(r.headers.get("x-b")).toBe("2");
    expect(await r.json()).toEqual({ a: [1, "é"] });
    expect(Response.json("x", { headers: { "content-type": "text/x-json" } }).headers.get("content-type")).toBe("text/x-json");
    expect(() => Response.json(undefined)).toThrow(TypeError);
    expect(() => Response.json(() => 1)).toThrow(TypeError);
  });

  it("the runtime's own Responses still count as Responses and are answered", async () => {
    await answer(() => new Response("x"));
    expect(before).toBeInstanceOf(Response);
    expect(Response.error()).toBeInstanceOf(Response);
    expect(Response.redirect("http://a.example/", 302)).toBeInstanceOf(Response);
    const text = await answer(() => before);
    expect(text).toMatch(/\r\nx-before: 1\r\n/);
    expect(text.endsWith("\r\n\r\nmade before")).toBe(true);
  });

  it("stream bodies stream", async () => {
    const text = await answer(() => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("streamed")); c.close(); } })));
    expect(text.endsWith("streamed")).toBe(true);
  });
});
