/**
 * A server for recycled-body.test.ts, on any runtime: /body/ID/SIZE answers SIZE bytes
 * of the byte ID from an array the handler overwrites after making its Response (Fetch
 * has the Response take a copy); /spares says how many recycled regions wait for reuse.
 */
import { bodyRecycler } from "../../src/buffers/recycler.ts";
import { serve } from "../../src/mod.ts";

serve({ port: 0, hostname: "127.0.0.1", onListen: (a) => console.log(`listening on http://127.0.0.1:${a.port}`) }, (req) => {
  const [, what, id, size] = new URL(req.url).pathname.split("/");
  if (what === "spares") return new Response(String(bodyRecycler.spareCount));
  const bytes = new Uint8Array(Number(size)).fill(Number(id));
  const res = new Response(bytes);
  bytes.fill(0xee);
  return res;
});
