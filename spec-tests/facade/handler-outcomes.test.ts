/**
 * What a handler's outcome becomes (src/facade/exchange.ts): a Response as it is, returned
 * at once or through a promise or any thenable; a throw or a rejection, of either kind,
 * becomes onError's Response, and 500 when onError fails too.
 */
import { describe, expect, it } from "vitest";
import { Completion, runHandler, withInfoGetters } from "../../src/facade/exchange.ts";
import type { ServerContext } from "../../src/facade/context.ts";
import type { Connection } from "../../src/transport/types.ts";

const conn = { remoteAddr: { hostname: "127.0.0.1", port: 1, transport: "tcp" } } as unknown as Connection;
const answer = (
  handler: ServerContext["handler"],
  onError: ServerContext["onError"] = () => new Response("from onError", { status: 503 }),
  completion = new Completion(),
) => {
  const ctx = { handler, onError, infoPrototype: withInfoGetters({}) } as unknown as ServerContext;
  return runHandler(ctx, new Request("http://x/"), conn, completion, "1.1");
};
const ok = new Response("ok");

describe("handler outcomes", () => {
  it("a Response returned at once, through a promise or through a thenable is the answer", async () => {
    expect(await answer(() => ok)).toBe(ok);
    expect(await answer(async () => ok)).toBe(ok);
    expect(await answer((() => ({ then: (r: (v: Response) => void) => r(ok) })) as unknown as ServerContext["handler"])).toBe(ok);
  });
  it("a throw, a rejection or a rejecting thenable becomes onError's Response", async () => {
    const boom = () => {
      throw new Error("sync");
    };
    const thenable = (() => ({ then: (_: unknown, reject: (e: Error) => void) => reject(new Error("thenable")) })) as unknown as ServerContext["handler"];
    for (const h of [boom, async () => Promise.reject(new Error("async")), thenable]) {
      expect((await answer(h))?.status).toBe(503);
    }
  });
  it("onError failing, at once or later, gives 500", async () => {
    const fail = () => {
      throw new Error("sync");
    };
    const r1 = await answer(fail, () => {
      throw new Error("onError too");
    });
    const r2 = await answer(fail, async () => Promise.reject(new Error("onError rejects")));
    expect([r1?.status, r2?.status]).toEqual([500, 500]);
  });
  it("the handler gets the info object: remoteAddr, completed and httpVersion", async () => {
    let seen: Record<string, unknown> = {};
    await answer((_req, info) => {
      // completed and remoteAddr are getters, as in Deno.serve (whose info has no own properties).
      seen = { ...(info as unknown as Record<string, unknown>), completed: info.completed, remoteAddr: info.remoteAddr };
      return ok;
    });
    expect(seen).toMatchObject({ remoteAddr: conn.remoteAddr, httpVersion: "1.1" });
    expect(seen.completed).toBeInstanceOf(Promise);
  });
  it("info.remoteAddr is asked of the connection only when the handler reads it, and each read sees its address as it is then", async () => {
    let reads = 0;
    let addr = { hostname: "127.0.0.1", port: 1, transport: "tcp" };
    const counting = { get remoteAddr() { reads++; return addr; }, proxy: null } as unknown as Connection;
    const ctx = { handler: () => ok, onError: undefined, infoPrototype: withInfoGetters({}) } as unknown as ServerContext;
    await runHandler(ctx, new Request("http://x/"), counting, new Completion(), "1.1");
    expect(reads).toBe(0);
    let info!: { remoteAddr: unknown };
    ctx.handler = (_req, i) => ((info = i as unknown as { remoteAddr: unknown }), ok);
    await runHandler(ctx, new Request("http://x/"), counting, new Completion(), "1.1");
    expect(info.remoteAddr).toBe(addr);
    // A PROXY header (proxy-gate.ts) replaces the connection's address: the info follows it.
    addr = { hostname: "192.0.2.1", port: 9, transport: "tcp" };
    expect(info.remoteAddr).toBe(addr);
    expect(reads).toBe(2);
  });
  it("info.completed is made when first read, the same promise on every read, and settles with the exchange", async () => {
    const completion = new Completion();
    let info!: { completed: Promise<void> };
    await answer((_req, i) => {
      info = i;
      return ok;
    }, undefined, completion);
    const first = info.completed;
    expect(info.completed).toBe(first);
    let settled = false;
    first.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(settled).toBe(false);
    completion.complete();
    await first;
    expect(settled).toBe(true);
    // First read after the exchange ended: already settled.
    const late = new Completion();
    late.complete();
    let lateSettled = false;
    late.get().then(() => (lateSettled = true));
    await Promise.resolve();
    expect(lateSettled).toBe(true);
  });
});
