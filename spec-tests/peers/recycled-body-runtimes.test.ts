/**
 * Bytes bodies over 16 KiB are copied, as Fetch says, into regions of
 * buffers/recycler.ts, used again once the transport is done with them (Node: node:net's
 * write callback; Bun: its write took all of them; Deno: its write's promise settled).
 * Over real sockets on every runtime: no response ever carries bytes of another (a
 * region handed out again while still being sent would), also while a client stops
 * reading, and where a transport gives regions back they do come back. The same over
 * HTTP/2 (h2c), where a region goes out as DATA frames cut from it and comes back once the
 * frame that ends it is written (facade/h2-recycling.ts), with Node's HTTP/2 client.
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { RUNTIMES } from "../helpers/runtimes.ts";
import { serverForSuite } from "../helpers/server-suite.ts";

function get(agent: http.Agent, port: number, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks)));
      res.on("error", reject);
    }).on("error", reject);
  });
}

/**
 * Asks for sixteen 1 MiB bodies (bytes 7 to 22) pipelined, reads nothing for a second,
 * then checks every byte. On loopback the kernel takes a few MiB of a socket's writes at
 * once; the rest waits, regions and all (in node:net, or in the queue until Bun drains).
 */
const STALLED_CLIENT = `
import socket, sys, time
s = socket.socket()
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"".join(b"GET /body/%d/1048576 HTTP/1.1\\r\\nHost: t\\r\\n%s\\r\\n" % (i, b"Connection: close\\r\\n" if i == 22 else b"") for i in range(7, 23)))
time.sleep(1.0)
data = b""
while True:
    d = s.recv(1 << 20)
    if not d: break
    data += d
at, verdict = 0, "ok"
for i in range(7, 23):
    start = data.index(b"\\r\\n\\r\\n", at) + 4
    body = data[start:start + 1048576]
    if len(body) != 1048576 or body.count(bytes([i])) != 1048576:
        verdict = "bad: response %d" % i
        break
    at = start + 1048576
print(verdict)
`;

const SIZES = [16 * 1024 + 1, 40_000, 65_536, 100_000, 1024 * 1024];

describe.each(RUNTIMES)("recycled response bodies on %s", (runtime) => {
  const server = serverForSuite(runtime, "spec-tests/peers/recycled-body-app.ts");

  it("every response carries its own bytes, over 16 keep-alive connections with sizes in every class", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) {
      const id = i % 251;
      const size = SIZES[i % SIZES.length]!;
      jobs.push(get(agent, server().port, `/body/${id}/${size}`).then((body) => {
        expect(body.length).toBe(size);
        const wrong = body.findIndex((b) => b !== id);
        expect(wrong, `request ${i}: byte ${wrong} is ${body[wrong]}, not ${id}`).toBe(-1);
      }));
    }
    await Promise.all(jobs);
    const spares = Number(await get(agent, server().port, "/spares/0/0"));
    agent.destroy();
    // Regions come back once sent: the recycler holds spares now.
    expect(spares).toBeGreaterThan(0);
  }, 30_000);

  it("a client that stops reading keeps its responses' regions: others never get them while they wait", async () => {
    const stalled = spawn("python3", ["-c", STALLED_CLIENT, String(server().port)], { stdio: ["ignore", "pipe", "inherit"] });
    const verdict = new Promise<string>((resolve) => {
      let out = "";
      stalled.stdout!.on("data", (d) => (out += d));
      stalled.on("close", () => resolve(out.trim()));
    });
    await new Promise((r) => setTimeout(r, 400));
    // Meanwhile other clients are served bodies of the same size class.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 24 });
    const others = await Promise.all(Array.from({ length: 24 }, (_, i) => get(agent, server().port, `/body/${100 + i}/1048576`)));
    others.forEach((b, i) => expect(b.findIndex((x) => x !== 100 + i)).toBe(-1));
    agent.destroy();
    expect(await verdict).toBe("ok");
  }, 30_000);
});

/** GET over an HTTP/2 session; the body once it has all come. */
function h2get(session: http2.ClientHttp2Session, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":path": path });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

describe.each(RUNTIMES)("recycled response bodies over HTTP/2 on %s", (runtime) => {
  // A server of its own: the regions it holds spare can only have come back over HTTP/2.
  const server = serverForSuite(runtime, "spec-tests/peers/recycled-body-app.ts");

  it("every stream carries its own bytes, 4 connections of concurrent streams with sizes in every class, and the regions come back", async () => {
    const sessions = Array.from({ length: 4 }, () => http2.connect(`http://127.0.0.1:${server().port}`));
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      const id = i % 251;
      const size = SIZES[i % SIZES.length]!;
      jobs.push(h2get(sessions[i % 4]!, `/body/${id}/${size}`).then((body) => {
        expect(body.length).toBe(size);
        const wrong = body.findIndex((b) => b !== id);
        expect(wrong, `stream ${i}: byte ${wrong} is ${body[wrong]}, not ${id}`).toBe(-1);
      }));
    }
    await Promise.all(jobs);
    const spares = Number(await h2get(sessions[0]!, "/spares/0/0"));
    for (const s of sessions) s.close();
    expect(spares).toBeGreaterThan(0);
  }, 30_000);

  it("a stream whose client stops reading keeps its region while other connections are served the same size; then it arrives whole", async () => {
    const stalled = http2.connect(`http://127.0.0.1:${server().port}`);
    const req = stalled.request({ ":path": "/body/9/1048576" });
    req.pause(); // the client stops reading: its window runs out, and the rest of the region waits
    const chunks: Buffer[] = [];
    const done = new Promise<Buffer>((resolve, reject) => {
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
    await new Promise((r) => setTimeout(r, 300));
    const others = Array.from({ length: 3 }, () => http2.connect(`http://127.0.0.1:${server().port}`));
    const bodies = await Promise.all(Array.from({ length: 24 }, (_, i) => h2get(others[i % 3]!, `/body/${100 + i}/1048576`)));
    bodies.forEach((b, i) => expect(b.findIndex((x) => x !== 100 + i), `other ${i}`).toBe(-1));
    req.on("data", (c: Buffer) => chunks.push(c));
    req.resume();
    const body = await done;
    expect(body.length).toBe(1048576);
    expect(body.findIndex((x) => x !== 9)).toBe(-1);
    for (const s of [stalled, ...others]) s.close();
  }, 30_000);

  it("streams reset part-way, their regions queued, leave every later stream on the connection its own bytes", async () => {
    const session = http2.connect(`http://127.0.0.1:${server().port}`);
    for (let round = 0; round < 5; round++) {
      const req = session.request({ ":path": `/body/${40 + round}/1048576` });
      await new Promise<void>((resolve) => req.once("data", () => resolve()));
      req.close(http2.constants.NGHTTP2_CANCEL);
      const bodies = await Promise.all([1, 2, 3].map((k) => h2get(session, `/body/${50 + k}/1048576`)));
      bodies.forEach((b, k) => expect([b.length, b.findIndex((x) => x !== 51 + k)]).toEqual([1048576, -1]));
    }
    session.close();
  }, 30_000);
});
