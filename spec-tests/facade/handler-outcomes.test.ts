/**
 * What a handler's outcome becomes (src/facade/exchange.ts): a Response as it is, returned
 * at once or through a promise or any thenable; a throw or a rejection, of either kind,
 * becomes onError's Response, and 500 when onError fails too.
 */
import { describe, expect, it } from "vitest";
import { runHandler } from "../../src/facade/exchange.ts";
import type { ServerContext } from "../../src/facade/context.ts";
import type { Connection } from "../../src/transport/types.ts";

const conn = { remoteAddr: { hostname: "127.0.0.1", port: 1, transport: "tcp" } } as unknown as Connection;
const answer = (handler: ServerContext["handler"], onError: ServerContext["onError"] = () => new Response("from onError", { status: 503 })) => {
  const ctx = { handler, onError, infoPrototype: {} } as unknown as ServerContext;
  return runHandler(ctx, new Request("http://x/"), conn, Promise.resolve(), "1.1");
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
      seen = { ...(info as unknown as Record<string, unknown>) };
      return ok;
    });
    expect(seen).toMatchObject({ remoteAddr: conn.remoteAddr, httpVersion: "1.1" });
    expect(seen.completed).toBeInstanceOf(Promise);
  });
});
