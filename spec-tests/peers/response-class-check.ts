/**
 * Run on Node, Deno or Bun (response-class.test.ts): installs the Response class serve()
 * installs on this runtime and compares what a handler can see of one with the
 * runtime's own Response made the same way. Prints one JSON line: the mode installed
 * and every difference found (none expected).
 */
import { installResponseClass, installedResponseClass, responseFields } from "../../src/facade/response-class.ts";
import { staticBody } from "../../src/facade/response-body.ts";
import { serve } from "../../src/mod.ts";

const Native = globalThis.Response;
const server = serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => new Response("x"));
await server.listening;
const mode = installedResponseClass();
if (mode === null) installResponseClass("hold"); // a runtime where serve() installs none: check the class anyway
const differences: string[] = [];
const same = (what: string, a: unknown, b: unknown) => {
  if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`${what}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
};
const fields = (h: Headers) => {
  const out: string[] = [];
  h.forEach((v, n) => out.push(`${n}: ${v.toLowerCase()}`)); // Bun spells the charset its own way
  return out;
};

const inits: (ResponseInit | undefined)[] = [
  undefined, {}, { status: 201 }, { status: 404 }, { status: 599 }, { statusText: "Fine" },
  // Plain-object fields: the ones a lazy Response takes, and the ones the runtime must convert.
  { status: 202, headers: { "x-a": "1" } },
  { headers: { "Content-Type": "application/json", "X-B": "2", a: "", "cache-control": "no-store, max-age=0" } },
  { headers: { "x-latin1": "caf\u00e9", "x-inner": "a \t b" } },
  { headers: { "x-spaced": "  padded\t" } },
  { headers: { "x-same": "1", "X-Same": "2" } },
  { headers: { "set-cookie": "a=1" } },
  { headers: Object.assign(Object.create(null), { "x-null-proto": "1" }) },
  { headers: [["x-pair", "1"]] },
  { headers: new Headers({ "x-headers": "1" }) },
];
for (const body of ["text", "", new Uint8Array([1, 2]), new Uint8Array([3]).buffer, null, undefined]) {
  for (const init of inits) {
    const what = `${typeof body === "string" ? JSON.stringify(body) : String(body)} ${JSON.stringify(init)}`;
    const ours = new Response(body as BodyInit, init);
    const theirs = new Native(body as BodyInit, init);
    for (const key of ["status", "statusText", "ok", "type", "url", "redirected", "bodyUsed"] as const) same(`${what} ${key}`, ours[key], theirs[key]);
    same(`${what} instanceof`, [ours instanceof Response, ours instanceof Native, Object.prototype.toString.call(ours)], [true, true, "[object Response]"]);
    same(`${what} body null`, ours.body === null, theirs.body === null);
    same(`${what} bytes`, [...new Uint8Array(await ours.arrayBuffer())], [...new Uint8Array(await theirs.arrayBuffer())]);
    same(`${what} used after`, ours.bodyUsed, theirs.bodyUsed);
    const theirFields = fields(theirs.headers);
    // A string body's Content-Type: in the fields (Fetch), or added as it is sent (Bun).
    if (typeof body === "string" && !theirs.headers.has("content-type")) theirFields.unshift("content-type: text/plain;charset=utf-8");
    same(`${what} fields`, fields(ours.headers).sort(), theirFields.sort());
  }
}
for (const headers of [{ "bad name": "1" }, { "x-nl": "a\nb" }, { "x-wide": "\u0100" }, { "": "1" }]) {
  let ours = "", theirs = "";
  try { new Response("x", { headers }); } catch (e) { ours = (e as Error).name; }
  try { new Native("x", { headers }); } catch (e) { theirs = (e as Error).name; }
  same(`refuses fields ${JSON.stringify(headers)}`, ours, theirs);
}
const sent = new Response("sent", { status: 201, headers: { "X-Z": "z", "x-a": "a" } });
same("fields of a lazy one, as sent", [...responseFields(sent)], [["content-type", new Native("x").headers.get("content-type") ?? "text/plain;charset=utf-8"], ["x-a", "a"], ["x-z", "z"]].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));
same("fields asked for later", [sent.headers.get("x-z"), sent.headers.get("X-A")], ["z", "a"]);
for (const [status, body] of [[204, "x"], [99, "x"], [101, null], [600, null], [200.5, null]] as const) {
  let ours = "", theirs = "";
  try { new Response(body, { status }); } catch (e) { ours = (e as Error).name; }
  try { new Native(body, { status }); } catch (e) { theirs = (e as Error).name; }
  same(`refuses status ${status}`, ours, theirs);
}
const r = new Response("sent as set", { status: 202 });
r.headers.set("x-later", "1");
same("fields set later", r.headers.get("x-later"), "1");
const copy = r.clone();
same("clone", [copy.status, copy.headers.get("x-later"), await copy.text(), await r.text()], [202, "1", "sent as set", "sent as set"]);
const held = new Response("held");
same("static body", staticBody(held), "held");
class Mine extends Response {
  mine = true;
}
const m = new Mine("sub", { status: 203 });
same("subclass", [m instanceof Mine, m.mine, m.status, await m.text()], [true, true, 203, "sub"]);
same("json", [Response.json({ a: 1 }).headers.get("content-type"), await Response.json({ a: 1 }).text()], ["application/json", '{"a":1}']);
same("json fields, as sent", [...responseFields(Response.json([1], { status: 201 }))], [["content-type", "application/json"]]);
same("json with fields", [...Response.json(1, { headers: { "x-j": "1" } }).headers], [["content-type", "application/json"], ["x-j", "1"]]);
// Small bodies are copied side by side into shared slabs: each keeps its own bytes, as made.
const sizes = Array.from({ length: 60 }, (_, i) => [1, 1000, 4095, 4096, 4097][i % 5]!);
const kept = sizes.map((n, i) => {
  const bytes = new Uint8Array(n).fill(i);
  const res = new Response(bytes);
  bytes.fill(0xff);
  return res;
});
for (let i = 0; i < 20; i++) new Response(new Uint8Array(3000).fill(0xee));
for (const [i, res] of kept.entries()) {
  const got = new Uint8Array(await res.arrayBuffer());
  same(`small body ${i} kept`, [got.length, got.every((b) => b === i)], [sizes[i], true]);
}
await server.shutdown();
console.log(JSON.stringify({ mode, differences }));
