/**
 * Text bodies (`new Response(text)`, `Response.json`) go out as exactly the UTF-8 that
 * TextEncoder makes of them, with that Content-Length, over HTTP/1.1 and HTTP/2: short
 * text, which we encode into the write pool, and longer text, which the runtime encodes;
 * pipelined answers and concurrent streams each keeping their own bytes.
 */
import * as http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve } from "../../src/mod.ts";
import type { Server } from "../../src/serve.ts";
import { Client } from "../helpers/http-client.ts";
import { raw } from "../helpers/raw.ts";

const TEXTS = [
  "Hello World",
  "x".repeat(31),
  "x".repeat(32),
  "héllo wörld",
  "€😀 and a lone \ud800 and \udc00 surrogate",
  "y".repeat(1024),
  "é".repeat(1024), // 1,024 code units, 2,048 bytes
  "z".repeat(1025), // past the text we encode: the runtime's encoder
  "",
];
const encoder = new TextEncoder();

let server: Server;
let port: number;

beforeAll(async () => {
  server = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const i = Number(new URL(req.url).pathname.slice(1));
    return i === TEXTS.length ? Response.json({ "ü": "€", n: [1, 2] }) : new Response(TEXTS[i]);
  });
  port = (await server.listening).port;
});
afterAll(() => server.shutdown());

const expected = (i: number) => (i === TEXTS.length ? encoder.encode('{"ü":"€","n":[1,2]}') : encoder.encode(TEXTS[i]));

describe("HTTP/1.1", () => {
  it("pipelined text answers each carry their own UTF-8 bytes and length, twice over", async () => {
    const order = [...TEXTS.keys(), TEXTS.length, ...TEXTS.keys(), TEXTS.length];
    const c = new Client(port);
    try {
      const req = (i: number, last: boolean) => `GET /${i} HTTP/1.1\r\nHost: t\r\n${last ? "Connection: close\r\n" : ""}\r\n`;
      c.sock.write(order.map((i, k) => req(i, k === order.length - 1)).join(""));
      for (const i of order) {
        const { head, body } = await c.response();
        expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1])).toBe(expected(i).length);
        expect(new Uint8Array(body)).toEqual(expected(i));
      }
      // Nothing follows the last answer before the server closes.
      expect(await c.untilEnd(2000)).toBe(true);
      expect(c.unread).toBe(0);
    } finally {
      c.sock.destroy();
    }
  });

  it("HEAD of a text answer gives its UTF-8 length and no body", async () => {
    const out = await raw(port, "HEAD /3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    expect(out).toMatch(new RegExp(`\\r\\ncontent-length: ${expected(3).length}\\r\\n`, "i"));
    expect(out.endsWith("\r\n\r\n")).toBe(true);
  });
});

describe("HTTP/2", () => {
  it("text answers on concurrent streams each carry their own UTF-8 bytes and length", async () => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const answers = await Promise.all([...TEXTS.keys(), TEXTS.length].map((i) => new Promise<[number, Buffer, string]>((resolve, reject) => {
        const s = client.request({ ":path": `/${i}` });
        const chunks: Buffer[] = [];
        let length = "";
        s.on("response", (h) => (length = String(h["content-length"])));
        s.on("data", (c: Buffer) => chunks.push(c));
        s.on("end", () => resolve([i, Buffer.concat(chunks), length]));
        s.on("error", reject);
      })));
      for (const [i, body, length] of answers) {
        expect(new Uint8Array(body)).toEqual(expected(i));
        expect(Number(length)).toBe(expected(i).length);
      }
    } finally {
      client.close();
    }
  });
});
