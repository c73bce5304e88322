/**
 * A handler's throw or rejection over HTTP/1.1 (src/facade/h1-connection.ts): the
 * request next in line has its promise awaited as it is by the writer, and one queued
 * behind another (pipelining) has its rejection caught at once. Either way each is
 * answered with onError's Response, in request order, and no rejection is ever left
 * unhandled, also when the client has gone before the handler fails.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fakeServerPerTest, settle } from "../helpers/fake-transport.ts";

const start = fakeServerPerTest();

let unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

const onError = (e: unknown) => new Response(`onError: ${(e as Error).message}`, { status: 503 });

/** Each response's status and body, in the order they were written. */
function answers(text: string): string[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d+)[^]*?\r\n\r\n([^H]*)/g)].map((m) => `${m[1]} ${m[2]}`);
}

describe("handler rejections over HTTP/1.1", () => {
  it("the request next in line: a rejection later, a rejection at once and a throw each get onError's answer", async () => {
    const server = await start(async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/later") await settle(5);
      if (path === "/throw") throw new Error(path);
      return Promise.reject(new Error(path));
    }, { onError });
    for (const path of ["/later", "/now", "/throw"]) {
      const conn = server.connect();
      conn.handler.data(Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
      await settle(20);
      expect(answers(conn.text())).toEqual([`503 onError: ${path}`]);
    }
    await settle(10);
    expect(unhandled).toEqual([]);
  });

  it("pipelined requests: those queued behind a slow one reject before the writer reaches them, and are answered in order", async () => {
    const server = await start(async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/slow") {
        await settle(30);
        return new Response("slow");
      }
      throw new Error(path);
    }, { onError });
    const conn = server.connect();
    conn.handler.data(Buffer.from(["/slow", "/a", "/b"].map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join("")));
    // /a and /b have rejected while /slow is still at work: nothing may be left unhandled meanwhile.
    await settle(10);
    expect(unhandled).toEqual([]);
    expect(conn.text()).toBe("");
    await settle(60);
    expect(answers(conn.text())).toEqual(["200 slow", "503 onError: /a", "503 onError: /b"]);
    expect(unhandled).toEqual([]);
  });

  it("the client goes away before its handler rejects: nothing is written, and the rejection is handled", async () => {
    const errors: string[] = [];
    const server = await start(async () => {
      await settle(10);
      throw new Error("after the client left");
    }, { onError: (e) => (errors.push((e as Error).message), new Response("late")) });
    const conn = server.connect();
    conn.handler.data(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
    conn.handler.close();
    await settle(40);
    expect(conn.text()).toBe("");
    // Both went to onError (the server's log of failures), though no answer can be sent.
    expect(errors).toEqual(["after the client left", "after the client left"]);
    expect(unhandled).toEqual([]);
  });
});
