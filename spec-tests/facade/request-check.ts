/**
 * What a handler can observe of the Request purehttp gives it, compared with a Request
 * the runtime builds itself from the same parts. Runs on Node, Deno and Bun: imported
 * by request.test.ts, or run directly, printing {"lazy": bool, "failures": [...]}. With the
 * argument "install", the Request class serve() installs where the runtime cannot read a
 * stand-in (facade/request-class.ts) is installed first.
 */
import { makeRequest } from "../../src/facade/lazy-request.ts";
import { installRequestClass } from "../../src/facade/request-class.ts";
import { unservableMethod } from "../../src/facade/method.ts";
import { useLazyHeaders } from "../../src/facade/request-headers.ts";

const PROPS = [
  "method", "url", "cache", "credentials", "destination", "integrity", "keepalive", "mode",
  "redirect", "referrer", "referrerPolicy", "bodyUsed",
] as const;

const encode = (s: string) => new TextEncoder().encode(s);
const streamOf = (s: string) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(encode(s));
      c.close();
    },
  });

/**
 * The handler's Headers against one the runtime fills by appends, from the same fields,
 * read and changed every way a handler can: each read first (before anything else could
 * make a lazy one's list), then all of them, then after each kind of change. Returns
 * whether they were made lazy (the runtime's own list left unmade: Deno).
 */
function checkHeaders(expect: (what: string, got: unknown, want: unknown) => void): boolean {
  const cases: string[][] = [
    [],
    ["host", "example.com"],
    ["host", "a", "x-two", "1", "accept", "*/*", "x-two", "", "x-two", "3", "content-type", "text/plain", "authorization", "Basic x"],
    ["set-cookie", "a=1", "set-cookie", "b=2", "cookie", "c=3; d=4", "x-latin", "latin1 \u00ff value", "upgrade", "websocket"],
  ];
  // And fields of a few names in random order and number (a fixed seed: the same cases each
  // run), as the parser gives them: lowercase names, values with no whitespace around them.
  let seed = 7;
  const next = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
  for (let i = 0; i < 40; i++) {
    const f: string[] = [];
    for (let k = next(8); k > 0; k--) f.push(["host", "x-a", "x-b", "accept", "set-cookie", "te"][next(6)]!, ["", "v", "a, b", "inner \t x", "q=\"1\""][next(5)]!);
    cases.push(f);
  }
  const json = (x: unknown) => JSON.stringify(x);
  const names = ["host", "Host", "x-two", "X-TWO", "accept", "content-type", "authorization", "set-cookie", "cookie", "x-a", "x-b", "te", "absent"];
  const reads: [string, (h: Headers) => unknown][] = [
    ...names.map((n): [string, (h: Headers) => unknown] => [`get(${n})`, (h) => h.get(n)]),
    ...names.map((n): [string, (h: Headers) => unknown] => [`has(${n})`, (h) => h.has(n)]),
    ["getSetCookie()", (h) => h.getSetCookie?.()],
    ["iterator", (h) => [...h]],
    ["entries()", (h) => [...h.entries()]],
    ["keys()", (h) => [...h.keys()]],
    ["values()", (h) => [...h.values()]],
    ["forEach", (h) => { const out: string[][] = []; h.forEach((v, n) => out.push([n, v])); return out; }],
    ["new Headers(h)", (h) => [...new Headers(h)]],
    ["new Request(url, { headers: h })", (h) => [...new Request("http://x/", { headers: h }).headers]],
    ["new Response(null, { headers: h })", (h) => [...new Response(null, { headers: h }).headers]],
    // What console.log shows (Deno's inspect; the other runtimes' need modules this file does not load).
    ["Deno.inspect", (h) => (globalThis as { Deno?: { inspect(x: unknown): string } }).Deno?.inspect(h).replace(/^\w+ /, "") ?? null],
  ];
  const changes: [string, (h: Headers) => void][] = [
    ["append(x-two)", (h) => h.append("x-two", "added")],
    ["append(X-New)", (h) => h.append("X-New", " padded ")],
    ["set(host)", (h) => h.set("host", "set")],
    ["set(x-a)", (h) => h.set("x-a", "one")],
    ["delete(x-two)", (h) => h.delete("x-two")],
    ["delete(set-cookie)", (h) => h.delete("set-cookie")],
  ];
  let lazy = false;
  const ofRequest = (fields: string[]) => {
    const h = makeRequest({ url: "http://x/", method: "GET", fields, body: null, signal: () => new AbortController().signal }).headers;
    const list = Object.getOwnPropertySymbols(h).find((s) => s.description === "header list");
    if (list !== undefined && (h as unknown as Record<symbol, unknown>)[list] === null) lazy = true;
    return h;
  };
  const appended = (fields: string[]) => {
    const h = new Headers();
    for (let i = 0; i < fields.length; i += 2) h.append(fields[i]!, fields[i + 1]!);
    return h;
  };
  for (const fields of cases) {
    const at = `headers ${json(fields)}`;
    for (const [what, read] of reads) expect(`${at}: ${what} first`, json(read(ofRequest(fields))), json(read(appended(fields))));
    const ours = ofRequest(fields), theirs = appended(fields);
    for (const [what, read] of reads) expect(`${at}: ${what}`, json(read(ours)), json(read(theirs)));
    for (const [change, apply] of changes) {
      const ours = ofRequest(fields), theirs = appended(fields);
      apply(ours);
      apply(theirs);
      for (const [what, read] of reads) expect(`${at}: ${what} after ${change}`, json(read(ours)), json(read(theirs)));
    }
  }
  return lazy;
}

export async function checkRequests(): Promise<{ lazy: boolean; lazyHeaders: boolean; failures: string[] }> {
  const failures: string[] = [];
  const expect = (what: string, got: unknown, want: unknown) => {
    if (got !== want) failures.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  const signal = new AbortController().signal;
  const headers: [string, string][] = [["content-type", "text/plain"], ["x-two", "a"], ["x-two", "b"]];
  const parts = (method: string, url: string, body: string | null) => ({
    url,
    method,
    fields: headers.flat(),
    body: body === null ? null : streamOf(body),
    signal: () => signal,
  });
  const native = (method: string, url: string, body: string | null) =>
    // @ts-ignore: duplex is missing from older lib types
    new Request(url, { method, headers, body: body === null ? null : streamOf(body), duplex: "half" });

  // Every method a handler is given is one the runtime's Request keeps exactly as sent
  // (method.ts answers the others 501, the same set on every runtime).
  const served = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "PROPFIND", "M-SEARCH", "PURGE"];
  const refused = ["get", "Post", "hEaD", "options", "delete", "put", "patch", "purge", "TRACE", "connect", "Track"];
  for (const method of [...served, ...refused]) expect(`${method} served`, unservableMethod(method) === null, served.includes(method));
  for (const method of served) {
    let kept: string;
    try {
      kept = new Request("http://x/", { method }).method;
    } catch (e) {
      kept = String(e);
    }
    expect(`${method} kept by the runtime's Request`, kept, method);
  }

  // Every property as the runtime's own Request has it.
  const cases: [string, string, string | null][] = [
    ["GET", "http://example.com/a?b=1", null],
    ["GET", "http://Example.COM:80/x/../y", null],
    ["PATCH", "http://example.com/", "body"],
    ["POST", "https://example.com:8443/p", "posted"],
    ["PROPFIND", "http://[::1]:8080/dav", null],
  ];
  let lazy = false;
  for (const [method, url, body] of cases) {
    const ours = makeRequest(parts(method, url, body));
    const theirs = native(method, url, body);
    if (Object.getPrototypeOf(ours) !== Request.prototype) lazy = true;
    expect(`${method} ${url} instanceof Request`, ours instanceof Request, true);
    expect(`${method} ${url} toString`, Object.prototype.toString.call(ours), "[object Request]");
    for (const p of PROPS) expect(`${method} ${url} .${p}`, ours[p], theirs[p]);
    expect(`${method} ${url} x-two`, ours.headers.get("x-two"), "a, b");
    expect(`${method} ${url} body`, ours.body === null, theirs.body === null);
    expect(`${method} ${url} text`, await ours.text(), await theirs.text());
    expect(`${method} ${url} bodyUsed after text`, ours.bodyUsed, theirs.bodyUsed);
  }

  // The signal is ours (it aborts when the client goes away).
  expect("signal", makeRequest(parts("GET", "http://x/", null)).signal, signal);

  // Headers: one object throughout; changes before and after the real Request exists reach copies.
  const r = makeRequest(parts("POST", "http://x/up", "payload"));
  const h = r.headers;
  h.set("x-before", "1");
  const copy = new Request(r); // what fetch(r) does first
  expect("copy keeps headers set before", copy.headers.get("x-before"), "1");
  expect("copy method", copy.method, "POST");
  expect("headers identity", r.headers, h);
  h.set("x-after", "2");
  h.append("x-two", "c");
  h.delete("content-type");
  // The body went to the copy, as with the runtime's own Request.
  const n = native("POST", "http://x/up", "payload");
  void new Request(n);
  expect("original bodyUsed after copy", r.bodyUsed, n.bodyUsed);
  expect("copy body", await copy.text(), "payload");

  const r2 = makeRequest(parts("PUT", "http://x/c", "twice"));
  r2.headers.set("x-late", "yes");
  const c1 = r2.clone();
  r2.headers.set("x-later", "too");
  const c2 = r2.clone();
  expect("clone sees header set before", c1.headers.get("x-late"), "yes");
  expect("clone sees header set after first clone", c2.headers.get("x-later"), "too");
  expect("clone body", await c1.text(), "twice");
  expect("original body after clone", await r2.text(), "twice");
  expect("json via new Request(r, init)", new Request(makeRequest(parts("GET", "http://x/j", null)), { method: "POST", body: "{}" }).method, "POST");

  // Body mixins that consult the content type: formData, blob, json.
  const form = makeRequest({ ...parts("POST", "http://x/f", "a=1&b=two"), fields: ["content-type", "application/x-www-form-urlencoded"] });
  expect("formData", (await form.formData()).get("b"), "two");
  const typed: [string, string][] = [["content-type", "text/x-test"]];
  const blob = await makeRequest({ ...parts("POST", "http://x/b", "xyz"), fields: typed.flat() }).blob();
  // @ts-ignore: duplex is missing from older lib types
  const theirBlob = await new Request("http://x/b", { method: "POST", headers: typed, body: streamOf("xyz"), duplex: "half" }).blob();
  expect("blob type", blob.type, theirBlob.type);
  expect("blob size", blob.size, 3);
  expect("json", (await makeRequest(parts("POST", "http://x/j", '{"n":3}')).json()).n, 3);

  // Body reads the stand-in answers itself (arrayBuffer, bytes, text, json) keep Fetch's rules.
  const outcome = async (p: () => Promise<unknown>) => {
    try {
      const v = await p();
      return v instanceof ArrayBuffer || v instanceof Uint8Array ? `bytes ${[...new Uint8Array(v as ArrayBuffer)].join(",")}` : `value ${JSON.stringify(v)}`;
    } catch (e) {
      return e instanceof TypeError ? "TypeError" : e instanceof SyntaxError ? "SyntaxError" : `other ${e}`;
    }
  };
  const syncOutcome = (f: () => unknown) => {
    try {
      f();
      return "ok";
    } catch (e) {
      return e instanceof TypeError ? "TypeError" : `other ${e}`;
    }
  };
  const readers = ["arrayBuffer", "text", "json", "bytes"].filter((m) => typeof (Request.prototype as unknown as Record<string, unknown>)[m] === "function");
  const bodies: (string | null)[] = [null, "", "plain", '{"n":3}', "\ufeffbom \u00e9\u20ac", "not json"];
  for (const m of readers) {
    for (const body of bodies) {
      for (const method of ["POST", "GET"]) {
        if (method === "GET" && body !== null) continue;
        const call = (r: Request) => (r as unknown as Record<string, () => Promise<unknown>>)[m]!.call(r);
        const ours = makeRequest(parts(method, "http://x/r", body));
        const theirs = native(method, "http://x/r", body);
        const what = `${m}() of ${method} ${JSON.stringify(body)}`;
        expect(`${what}`, await outcome(() => call(ours)), await outcome(() => call(theirs)));
        expect(`${what}: bodyUsed after`, ours.bodyUsed, theirs.bodyUsed);
        expect(`${what}: body locked after`, ours.body?.locked, theirs.body?.locked);
        expect(`${what}: read again`, await outcome(() => call(ours)), await outcome(() => call(theirs)));
        expect(`${what}: clone after`, syncOutcome(() => ours.clone()), syncOutcome(() => theirs.clone()));
        // (Only for stand-ins: Bun's eager Request carries our signal, and Bun then refuses a
        // copy of a used Request, as Fetch says, where its plain Request allows it.)
        if (lazy) expect(`${what}: copy after`, syncOutcome(() => new Request(ours)), syncOutcome(() => new Request(theirs)));
      }
    }
  }
  // Invalid UTF-8 is replaced, as the runtime's text() does.
  const bad = () => new ReadableStream<Uint8Array>({ start(c) { c.enqueue(Uint8Array.of(0x61, 0xff, 0xc3)); c.close(); } });
  // @ts-ignore: duplex is missing from older lib types
  const theirBad = new Request("http://x/u", { method: "POST", body: bad(), duplex: "half" });
  expect("text of invalid UTF-8", await makeRequest({ ...parts("POST", "http://x/u", null), body: bad() }).text(), await theirBad.text());
  // Header changes made before a read still reach a copy made after it.
  const read = makeRequest(parts("POST", "http://x/h", "abc"));
  await read.text();
  read.headers.set("x-after-read", "1");
  expect("headers after read", read.headers.get("x-after-read"), "1");

  // What the runtime's `new Request` rejects is rejected when the request is made, not later in the handler.
  const throws = (make: () => unknown) => {
    try {
      make();
      return "no";
    } catch (e) {
      return e instanceof TypeError ? "TypeError" : String(e);
    }
  };
  for (const [method, url, body] of [["GET", "http://x:99999/", null], ["GET", "http://x/", "no"]] as const) {
    expect(`${method} ${url} body=${body} throws`, throws(() => makeRequest(parts(method, url, body))), throws(() => native(method, url, body)));
  }
  // The handler's Headers, made lazy where the runtime allows, and by appends (which
  // every runtime can be made to use).
  const lazyHeaders = checkHeaders(expect);
  useLazyHeaders(false);
  expect("headers filled by appends when told", checkHeaders(expect), false);
  useLazyHeaders(true);
  return { lazy, lazyHeaders, failures };
}

// deno-lint-ignore no-explicit-any
const main = (import.meta as any).main ?? (globalThis as any).process?.argv?.[1]?.endsWith("request-check.ts");
if (main) {
  // deno-lint-ignore no-explicit-any
  const argv: string[] = (globalThis as any).Deno?.args ?? (globalThis as any).process.argv.slice(2);
  if (argv.includes("install")) installRequestClass();
  console.log(JSON.stringify(await checkRequests()));
}
