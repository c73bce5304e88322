/**
 * A server for info-completed-runtimes.test.ts, on any runtime. /track/ID answers "done"
 * and follows that request's info.completed, read at once (?read=now) or 50 ms after the
 * handler returned (?read=later); /hang/ID sends one chunk and then nothing, following
 * it at once; /state/ID says "settled" or "pending" for request ID.
 */
import { serve } from "../../src/mod.ts";

const settled = new Map<string, boolean>();
const follow = (id: string, completed: Promise<void>) => {
  settled.set(id, false);
  completed.then(() => settled.set(id, true));
};

serve({ port: 0, hostname: "127.0.0.1", onListen: (a) => console.log(`listening on http://127.0.0.1:${a.port}`) }, (req, info) => {
  const url = new URL(req.url);
  const [, what, id] = url.pathname.split("/") as [string, string, string];
  if (what === "state") return new Response(settled.get(id) === undefined ? "unknown" : settled.get(id) ? "settled" : "pending");
  if (what === "hang") {
    follow(id, info.completed);
    return new Response(new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode("first")), pull: () => new Promise(() => {}) }));
  }
  if (url.searchParams.get("read") === "later") {
    settled.set(id, false);
    setTimeout(() => follow(id, info.completed), 50);
  } else follow(id, info.completed);
  return new Response("done");
});
