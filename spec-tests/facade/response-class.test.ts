/**
 * The Response class serve() installs (facade/response-class.ts). On Node it holds a
 * string or bytes body beside a Response made without one; these tests say which class
 * was installed on this runtime and check that a handler sees a Response in every way it
 * can look, and that the bytes sent are the bytes given.
 */
import { describe, expect, it } from "vitest";
import { installedResponseClass, responseFields } from "../../src/facade/response-class.ts";
import { staticBody } from "../../src/facade/response-body.ts";
import { fakeServerPerTest, settle } from "../helpers/fake-transport.ts";

const start = fakeServerPerTest();
const Native = globalThis.Response;
const before = new Native("made before", { headers: { "x-before": "1" } });

async function answer(handler: () => Response | Promise<Response>, options = {}) {
  const server = await start(handler, options);
  const conn = server.connect();
  conn.handler.data(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  await settle();
  return conn.text();
}

describe("the Response class serve() installs on Node", () => {
  it("is the holding class, installed by default", async () => {
    await answer(() => new Response("x"));
    expect(globalThis.Response).not.toBe(Native);
    expect(installedResponseClass()).toBe("hold");
  });

  it("holds a string, bytes (copied) or nothing, and sends exactly those", async () => {
    await answer(() => new Response("x"));
    expect(staticBody(new Response("Hello World"))).toBe("Hello World");
    expect(staticBody(new Response(null, { status: 204 }))).toBe(null);
    expect(staticBody(new Response())).toBe(null);
    const bytes = Uint8Array.of(1, 2, 3);
    const r = new Response(bytes);
    bytes[0] = 9; // Fetch copies a BufferSource when the Response is made
    expect(staticBody(r)).toEqual(Uint8Array.of(1, 2, 3));
    expect(staticBody(new Response(Uint8Array.of(4, 5).buffer))).toEqual(Uint8Array.of(4, 5));
    const shared = new Uint8Array(64 * 1024).fill(0x61);
    const text = await answer(() => {
      const res = new Response(shared);
      shared.fill(0x62);
      return res;
    });
    expect(text.endsWith("\r\n\r\n" + "a".repeat(64 * 1024))).toBe(true);
  });

  it("a small body copied into a shared slab goes out as made, after more copies are cut from the slabs", async () => {
    // Kept bytes across slabs, on every runtime: response-class-check.ts.
    const bytes = new Uint8Array(1000).fill(7);
    const kept = new Response(bytes);
    bytes.fill(0xff);
    for (let i = 0; i < 20; i++) new Response(new Uint8Array(3000).fill(0xee));
    const text = await answer(() => kept);
    expect(text.endsWith("\r\n\r\n" + "\x07".repeat(1000))).toBe(true);
  });

  it("has the fields the runtime's Response would: Content-Type for a string, none for bytes, status and statusText", async () => {
    await answer(() => new Response("x"));
    for (const [body, type] of [["s", "text/plain;charset=UTF-8"], [Uint8Array.of(1), null], [null, null]] as const) {
      expect(new Response(body).headers.get("content-type")).toBe(new Native(body).headers.get("content-type"));
      expect(new Response(body).headers.get("content-type")).toBe(type);
    }
    expect(new Response("s", { headers: { "content-type": "text/html" } }).headers.get("content-type")).toBe("text/html");
    const r = new Response("s", { status: 201, statusText: "Made" });
    expect([r.status, r.statusText, r.ok, r.type, r.redirected, r.url]).toEqual([201, "Made", true, "default", false, ""]);
  });

  it("refuses what the runtime's Response refuses, with a TypeError or RangeError", async () => {
    await answer(() => new Response("x"));
    for (const status of [204, 205, 304]) {
      expect(() => new Response("body", { status })).toThrow(TypeError);
      expect(() => new Native("body", { status })).toThrow(TypeError);
    }
    expect(() => new Response("s", { status: 99 })).toThrow(RangeError);
    expect(() => new Response("s", { status: 101 })).toThrow(RangeError);
    expect(() => new Response("s", { statusText: "bad\n" })).toThrow(TypeError);
    expect(() => new Response("s", { headers: { "bad name": "1" } })).toThrow(TypeError);
  });

  it("reads its body as the runtime's would, once, with every body member", async () => {
    await answer(() => new Response("x"));
    const r = new Response('{"a":1}');
    expect(r.bodyUsed).toBe(false);
    expect(await r.json()).toEqual({ a: 1 });
    expect(r.bodyUsed).toBe(true);
    await expect(r.text()).rejects.toThrow(TypeError);
    expect(await new Response("hé").text()).toBe("hé");
    expect(new Uint8Array(await new Response(Uint8Array.of(7, 8)).arrayBuffer())).toEqual(Uint8Array.of(7, 8));
    const blob = await new Response("b").blob();
    expect([blob.type, await blob.text()]).toEqual(["text/plain;charset=utf-8", "b"]);
    const form = await new Response("a=1&b=2", { headers: { "content-type": "application/x-www-form-urlencoded" } }).formData();
    expect(form.get("b")).toBe("2");
    const stream = new Response("streamed").body!;
    expect(stream).toBeInstanceOf(ReadableStream);
    expect(await new Native(stream).text()).toBe("streamed");
    const c = new Response("twice", { status: 202, headers: { "x-c": "1" } });
    const copy = c.clone();
    expect([copy.status, copy.headers.get("x-c"), await copy.text(), await c.text()]).toEqual([202, "1", "twice", "twice"]);
  });

  it("a body the handler has read is the runtime's: the send path reads its stream, and a used one is not sent again", async () => {
    await answer(() => new Response("x"));
    const used = new Response("once");
    await used.text();
    expect(staticBody(used)).toBeUndefined();
    const touched = new Response("touched");
    void touched.body;
    expect(staticBody(touched)).toBeUndefined();
    const text = await answer(() => {
      const res = new Response("via the stream");
      void res.body;
      return res;
    });
    expect(text.endsWith("\r\n\r\nvia the stream")).toBe(true);
  });

  it("answers exactly as the runtime's Response: fields, length, body", async () => {
    const text = await answer(() => new Response("héllo", { status: 201, headers: { "x-a": "1" } }));
    expect(text).toMatch(/^HTTP\/1\.1 201 Created\r\n/);
    expect(text).toMatch(/\r\nx-a: 1\r\n/);
    expect(text).toMatch(/\r\ncontent-type: text\/plain;charset=UTF-8\r\n/);
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
    expect(staticBody(r)).toBe('{"a":[1,"é"]}');
    expect(await r.json()).toEqual({ a: [1, "é"] });
    expect(Response.json("x", { headers: { "content-type": "text/x-json" } }).headers.get("content-type")).toBe("text/x-json");
    expect(() => Response.json(undefined)).toThrow(TypeError);
    expect(() => Response.json(() => 1)).toThrow(TypeError);
  });

  it("the runtime's own Responses still count as Responses and are answered", async () => {
    await answer(() => new Response("x"));
    expect(before).toBeInstanceOf(Response);
    expect(new Response("x")).toBeInstanceOf(Native);
    expect(Response.error()).toBeInstanceOf(Response);
    expect(Response.redirect("http://a.example/", 302)).toBeInstanceOf(Response);
    const text = await answer(() => before);
    expect(text).toMatch(/\r\nx-before: 1\r\n/);
    expect(text.endsWith("\r\n\r\nmade before")).toBe(true);
  });

  it("a Response made with at most a status answers every member as the runtime's made with the same", async () => {
    await answer(() => new Response("x"));
    const inits = [undefined, {}, { status: 201 }, { status: 404 }, { status: 599 }];
    for (const body of ["text", Uint8Array.of(1, 2), null, undefined]) {
      for (const init of inits) {
        const ours = new Response(body, init);
        const theirs = new Native(body, init);
        for (const key of ["status", "statusText", "ok", "type", "url", "redirected", "bodyUsed"] as const) {
          expect([key, ours[key]]).toEqual([key, theirs[key]]);
        }
        expect([...ours.headers]).toEqual([...theirs.headers]);
        expect(ours.body === null).toBe(theirs.body === null);
        expect(new Uint8Array(await ours.arrayBuffer())).toEqual(new Uint8Array(await theirs.arrayBuffer()));
        expect(ours.bodyUsed).toBe(theirs.bodyUsed);
      }
    }
    const r = new Response("x", { status: 201 });
    expect(r).toBeInstanceOf(Response);
    expect(r).toBeInstanceOf(Native);
    expect(Object.prototype.toString.call(r)).toBe("[object Response]");
    expect(Native.prototype.isPrototypeOf(r)).toBe(true);
    const { inspect } = await import("node:util");
    expect(inspect(r)).toContain("status: 201");
  });

  it("plain-object fields that need no conversion keep a Response lazy, and go out as a Headers would send them", async () => {
    await answer(() => new Response("x"));
    const lazy = (r: Response) => !(responseFields(r) instanceof Headers);
    expect(lazy(new Response("x", { status: 201, headers: { "Content-Type": "application/json", "x-b": "1" } }))).toBe(true);
    expect(lazy(Response.json({ a: 1 }))).toBe(true);
    for (const headers of [{ "x-s": " padded" }, { a: "1", A: "2" }, { "set-cookie": "a=1" }, [["a", "1"]], new Headers({ a: "1" })]) {
      expect(lazy(new Response("x", { headers: headers as HeadersInit }))).toBe(false);
    }
    const text = await answer(() => new Response("{}", { status: 201, headers: { "X-Z": "z", "Content-Type": "application/json" } }));
    expect(text).toMatch(/^HTTP\/1\.1 201 Created\r\ncontent-type: application\/json\r\nx-z: z\r\ndate: [^\r]+\r\ncontent-length: 2\r\n\r\n\{\}$/);
  });

  it("fields set on a Response made without any are sent, and kept by clone()", async () => {
    const text = await answer(() => {
      const res = new Response("set later", { status: 202 });
      res.headers.set("x-later", "1");
      res.headers.delete("content-type");
      return res;
    });
    expect(text).toMatch(/^HTTP\/1\.1 202 Accepted\r\n/);
    expect(text).toMatch(/\r\nx-later: 1\r\n/);
    expect(text).not.toMatch(/content-type/i);
    expect(text.endsWith("\r\n\r\nset later")).toBe(true);
    const r = new Response("cloned");
    r.headers.append("x-c", "2");
    const copy = r.clone();
    expect([copy.status, copy.headers.get("x-c"), copy.headers.get("content-type"), await copy.text(), await r.text()])
      .toEqual([200, "2", "text/plain;charset=UTF-8", "cloned", "cloned"]);
    const plain = new Response("plain").clone();
    expect([plain.headers.get("content-type"), await plain.text()]).toEqual(["text/plain;charset=UTF-8", "plain"]);
  });

  it("a subclass of Response is made as the runtime's would make it", async () => {
    await answer(() => new Response("x"));
    class Mine extends Response {
      mine = true;
    }
    for (const init of [undefined, { headers: { "x-m": "1" } }]) {
      const m = new Mine("sub", init);
      expect([m instanceof Mine, m instanceof Native, m.mine, m.status, await m.text()]).toEqual([true, true, true, 200, "sub"]);
    }
    const streamed = new Mine(new Native("s").body);
    expect([streamed instanceof Mine, await streamed.text()]).toEqual([true, "s"]);
    expect(await answer(() => new Mine("as sent", { status: 203 }))).toMatch(/^HTTP\/1\.1 203 [^\r]*\r\n[^]*\r\n\r\nas sent$/);
  });

  it("stream bodies stream", async () => {
    const text = await answer(() => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("streamed")); c.close(); } })));
    expect(text.endsWith("streamed")).toBe(true);
  });

  it("a HEAD answer gives the held body's length and makes no stream", async () => {
    await answer(() => new Response("x"));
    let res!: Response;
    const server = await start(() => (res = new Response("twelve bytes")));
    const conn = server.connect();
    conn.handler.data(Buffer.from("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await settle();
    expect(conn.text()).toMatch(/\r\ncontent-length: 12\r\n/);
    expect(staticBody(res)).toBe("twelve bytes"); // never made into the runtime's Response
  });
});
