/**
 * The handler's info.completed on every runtime, over real sockets, with node:http,
 * node:http2 and node:net as the clients: it settles once the response has been sent
 * (read at once, or first read after the response went out), stays pending while a
 * response is still being sent, and settles when the client resets the connection
 * (HTTP/1.1) or cancels the stream (HTTP/2).
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { describe, expect, it } from "vitest";
import { RUNTIMES } from "../helpers/runtimes.ts";
import { serverForSuite } from "../helpers/server-suite.ts";

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
      res.on("error", reject);
    }).on("error", reject);
  });
}

/** The state /state/ID reports once it is `want`, or the last one seen after `ms`. */
async function stateOf(port: number, id: string, want: string, ms: number): Promise<string> {
  let s = "";
  for (const end = Date.now() + ms; Date.now() < end;) {
    s = await get(port, `/state/${id}`);
    if (s === want) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return s;
}

describe.each(RUNTIMES)("info.completed on %s", (runtime) => {
  const server = serverForSuite(runtime, "spec-tests/peers/info-completed-app.ts");

  it.each(["now", "later"])("HTTP/1.1: settles after the response was sent (read %s)", async (read) => {
    expect(await get(server().port, `/track/h1-${read}?read=${read}`)).toBe("done");
    expect(await stateOf(server().port, `h1-${read}`, "settled", 2000)).toBe("settled");
  });

  it("HTTP/1.1: pending while the response is being sent, settled once the client resets the connection", async () => {
    const sock = net.connect(server().port, "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    sock.write("GET /hang/h1-gone HTTP/1.1\r\nHost: t\r\n\r\n");
    await new Promise((r) => sock.once("data", r));
    await new Promise((r) => setTimeout(r, 100));
    expect(await get(server().port, "/state/h1-gone")).toBe("pending");
    sock.resetAndDestroy();
    expect(await stateOf(server().port, "h1-gone", "settled", 3000)).toBe("settled");
  });

  it("HTTP/2: settles after the response was sent, and when the client cancels a stream still being sent", async () => {
    const client = http2.connect(`http://127.0.0.1:${server().port}`);
    try {
      const done = client.request({ ":path": "/track/h2-done?read=later" });
      let body = "";
      done.setEncoding("utf8");
      done.on("data", (c: string) => (body += c));
      await new Promise((r) => done.on("end", r));
      expect(body).toBe("done");
      expect(await stateOf(server().port, "h2-done", "settled", 2000)).toBe("settled");

      const hang = client.request({ ":path": "/hang/h2-gone" });
      await new Promise((r) => hang.once("data", r));
      await new Promise((r) => setTimeout(r, 100));
      expect(await get(server().port, "/state/h2-gone")).toBe("pending");
      hang.close(http2.constants.NGHTTP2_CANCEL);
      expect(await stateOf(server().port, "h2-gone", "settled", 3000)).toBe("settled");
    } finally {
      client.close();
    }
  });
});
