/**
 * A bytes body too large to go with its head is copied, as Fetch says, into a region of
 * buffers/recycler.ts, and the region is used again once node:net has sent it. These
 * tests check, over real sockets with node:http as the client, that no response ever
 * carries bytes of another (a region handed out again while still being sent would),
 * also when clients stop reading, and that a sent Response's body reads as used.
 */
import * as http from "node:http";
import { spawn } from "node:child_process";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyRecycler } from "../../src/buffers/recycler.ts";
import { takeRecycledBody } from "../../src/facade/response-class.ts";
import { nodeTransport } from "../../src/transport/node.ts";
import type { Connection } from "../../src/transport/types.ts";
import { serve } from "../../src/mod.ts";
import type { Server } from "../../src/serve.ts";

let server: Server;
let port: number;
const sent: Response[] = [];

/** /body/ID/SIZE: SIZE bytes of the byte ID, from an array the handler then overwrites. */
beforeAll(async () => {
  server = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const [, , id, size] = new URL(req.url).pathname.split("/");
    const bytes = new Uint8Array(Number(size)).fill(Number(id));
    const res = new Response(bytes);
    bytes.fill(0xee); // the Response took a copy when it was made
    if (sent.length < 4) sent.push(res);
    return res;
  });
  port = (await server.listening).port;
});
afterAll(() => server.shutdown());

function get(agent: http.Agent, path: string): Promise<Buffer> {
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
 * then checks every byte. On loopback the kernel takes a few
 * MiB of a socket's writes at once; the rest waits in node:net, regions and all.
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

describe("recycled response bodies (Node)", () => {
  it("every response carries its own bytes, over 16 keep-alive connections with sizes in every class", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) {
      const id = i % 251;
      const size = SIZES[i % SIZES.length]!;
      jobs.push(get(agent, `/body/${id}/${size}`).then((body) => {
        expect(body.length).toBe(size);
        const wrong = body.findIndex((b) => b !== id);
        expect(wrong, `request ${i}: byte ${wrong} is ${body[wrong]}, not ${id}`).toBe(-1);
      }));
    }
    await Promise.all(jobs);
    agent.destroy();
    // The regions came back once sent: the recycler holds spares now.
    expect(bodyRecycler.spareCount).toBeGreaterThan(0);
  });

  it("a client that stops reading keeps its responses' regions: others never get them while they wait in the socket", async () => {
    // Python's socket asks for sixteen 1 MiB bodies and reads nothing for a while: what the
    // kernel does not take waits in node:net, and with it the regions it is in.
    const stalled = spawn("python3", ["-c", STALLED_CLIENT, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
    const verdict = new Promise<string>((resolve) => {
      let out = "";
      stalled.stdout!.on("data", (d) => (out += d));
      stalled.on("close", () => resolve(out.trim()));
    });
    await new Promise((r) => setTimeout(r, 400));
    // Meanwhile other clients are served bodies of the same size class.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const others = await Promise.all(Array.from({ length: 24 }, (_, i) => get(agent, `/body/${100 + i}/1048576`)));
    others.forEach((b, i) => expect(b.findIndex((x) => x !== 100 + i)).toBe(-1));
    agent.destroy();
    expect(await verdict).toBe("ok");
  }, 30_000);

  it("a sent Response's body is used, as after any server sent it: reading it fails, cloning it throws, and it is not given up twice", async () => {
    expect(sent.length).toBeGreaterThan(0);
    for (const res of sent) {
      expect(res.bodyUsed).toBe(true);
      await expect(res.arrayBuffer()).rejects.toThrow(TypeError);
      expect(() => res.clone()).toThrow(TypeError);
      expect(takeRecycledBody(res)).toBe(null);
    }
  });

  it("a clone shares the copy, so neither gives it up; a Response whose body was read keeps the runtime's", async () => {
    const bytes = new Uint8Array(70_000).fill(3);
    const a = new Response(bytes);
    const b = a.clone();
    expect(takeRecycledBody(a)).toBe(null);
    expect(takeRecycledBody(b)).toBe(null);
    expect(new Uint8Array(await b.arrayBuffer()).every((x) => x === 3)).toBe(true);
    const c = new Response(bytes);
    expect((await c.bytes()).length).toBe(70_000);
    expect(takeRecycledBody(c)).toBe(null);
    const d = new Response(bytes);
    expect(takeRecycledBody(d)?.length).toBe(70_000);
    expect(takeRecycledBody(d)).toBe(null);
  });
});

describe("the Node transport's sent callback", () => {
  it("comes only once node:net has handed the bytes to the kernel: not while they wait for a peer that does not read", async () => {
    let conn!: Connection;
    const accepted = new Promise<void>((resolve) => {
      void nodeTransport.listen({ hostname: "127.0.0.1", port: 0 }, (c) => {
        conn = c;
        resolve();
        return { data() {}, drain() {}, end() {}, close() {} };
      }).then((l) => {
        const peer = net.connect(l.addr.port, "127.0.0.1");
        peer.pause();
        listener = { l, peer };
      });
    });
    let listener!: { l: { close(): void }; peer: net.Socket };
    await accepted;
    // 16 MiB to a peer that reads nothing: the kernel takes a few MiB, node:net keeps the rest.
    const called: number[] = [];
    for (let i = 0; i < 16; i++) conn.write(new Uint8Array(1 << 20).fill(i), () => called.push(i));
    await new Promise((r) => setTimeout(r, 300));
    expect(called.length).toBeLessThan(16);
    expect(called).toEqual(called.slice().sort((a, b) => a - b)); // in order
    // Once the peer reads everything, every write has been sent.
    let got = 0;
    listener.peer.on("data", (d: Buffer) => (got += d.length));
    listener.peer.resume();
    await new Promise<void>((resolve) => {
      const check = () => (got >= 16 << 20 ? resolve() : setTimeout(check, 10));
      check();
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(called).toEqual(Array.from({ length: 16 }, (_, i) => i));
    conn.destroy();
    listener.peer.destroy();
    listener.l.close();
  });
});
