/**
 * The Headers a lazy Request hands out (lazy-request.ts). It stays the object
 * `request.headers` returns before and after the real Request exists; changes made after
 * are applied to the real one's headers too, so `fetch(request)` sends what the handler
 * set.
 *
 * Its fields are the parser's: names lowercase tokens, values field values with no
 * surrounding whitespace (RFC 9110 §5.1, §5.5), which Fetch's append would keep as they
 * are. They go into the runtime's Headers one of two ways:
 *
 * - Where the runtime's Headers can be lazy itself (Deno's, as Deno.serve makes a
 *   request's: its list left null, a function that makes the list on first need and one
 *   that answers `get()` until then), the fields are handed over that way: a handler that
 *   only reads a field or two never has a list made, each field checked and appended.
 *   The runtime's own methods keep to it (any change, iteration or copy makes the list
 *   first), so every way of reading a Headers sees the same fields. Whether this runtime
 *   does is found once, by a self-test against a Headers filled by appends.
 * - Elsewhere, a field at a time with the runtime's own append (the same checks, the same
 *   combining of repeated names): in undici that costs under half of converting pairs
 *   through the constructor's sequence<sequence<ByteString>> (bench/README.md).
 */

/** Where a lazy Request keeps its real Request once made (lazy-request.ts). */
export const REAL = Symbol("purehttp lazy request");

export interface HeadersOwner {
  [REAL]: Request | null;
}

/** The symbols of a Headers that can be lazy (see above). */
interface LazySlots {
  /** The [name, value] list, null until made. */
  list: symbol;
  /** Called as a method of the Headers to make the list. */
  getter: symbol;
  /** Answers get(name) while the list is not made. */
  get: symbol;
}

/** undefined: not decided yet; null: this runtime's Headers is filled by appends. */
let lazySlots: LazySlots | null | undefined;

/**
 * Whether Headers are made lazy where the runtime allows (the default), or always filled
 * by appends: for tests of that path on a runtime that allows both.
 */
export function useLazyHeaders(use: boolean): void {
  lazySlots = use ? undefined : null;
}

/** The value get(name) gives for fields [name, value, ...] with lowercase names. */
function fieldValue(fields: string[], name: string): string | null {
  // Names reach here checked as tokens (or as one of the runtime's own lowercase ones): ASCII.
  const lower = name.toLowerCase();
  let value: string | null = null;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === lower) value = value === null ? fields[i + 1]! : `${value}, ${fields[i + 1]}`;
  }
  return value;
}

/** The runtime's Headers, filled by appends: what a lazy one must answer as. */
function appended(fields: string[]): Headers {
  const h = new Headers();
  for (let i = 0; i < fields.length; i += 2) h.append(fields[i]!, fields[i + 1]!);
  return h;
}

export class RequestHeaders extends Headers {
  readonly #owner: HeadersOwner;

  constructor(fields: string[], owner: HeadersOwner) {
    super();
    this.#owner = owner;
    const slots = lazySlots === undefined ? findLazySlots() : lazySlots;
    if (slots !== null) makeLazy(this, fields, slots);
    else for (let i = 0; i < fields.length; i += 2) super.append(fields[i]!, fields[i + 1]!);
  }
  override append(name: string, value: string): void {
    super.append(name, value);
    this.#owner[REAL]?.headers.append(name, value);
  }
  override set(name: string, value: string): void {
    super.set(name, value);
    this.#owner[REAL]?.headers.set(name, value);
  }
  override delete(name: string): void {
    super.delete(name);
    this.#owner[REAL]?.headers.delete(name);
  }
}

function makeLazy(headers: Headers, fields: string[], slots: LazySlots): void {
  const h = headers as unknown as Record<symbol, unknown>;
  h[slots.list] = null;
  h[slots.getter] = () => pairs(fields);
  h[slots.get] = (name: string) => fieldValue(fields, name);
}

/** Flat [name, value, ...] to the pairs Headers takes. */
export function pairs(fields: string[]): [string, string][] {
  const out: [string, string][] = new Array(fields.length >> 1);
  for (let i = 0; i < fields.length; i += 2) out[i >> 1] = [fields[i]!, fields[i + 1]!];
  return out;
}

/** Finds the lazy slots by their descriptions, and keeps them if a lazy Headers passes the self-test. */
function findLazySlots(): LazySlots | null {
  lazySlots = null;
  try {
    const own = Object.getOwnPropertySymbols(new Headers());
    const find = (description: string) => own.find((s) => s.description === description);
    const list = find("header list"), getter = find("header list getter"), get = find("header get");
    if (list === undefined || getter === undefined || get === undefined) return null;
    const slots = { list, getter, get };
    if (selfTest(slots)) lazySlots = slots;
  } catch {
    // Leave it null: fields are appended.
  }
  return lazySlots;
}

/** Does a lazy Headers answer every way of reading and changing it as one filled by appends? */
function selfTest(slots: LazySlots): boolean {
  const fields = ["host", "probe.invalid", "x-two", "a", "accept", "*/*", "x-two", "b", "set-cookie", "c=1", "set-cookie", "d=2"];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const lazy = (): Headers => {
    const h = new Headers();
    makeLazy(h, fields, slots);
    return h;
  };
  const reads: ((h: Headers) => unknown)[] = [
    (h) => h.get("x-two"), (h) => h.get("X-Two"), (h) => h.get("host"), (h) => h.get("accept"), (h) => h.get("absent"),
    (h) => h.has("X-TWO"), (h) => h.has("absent"), (h) => h.getSetCookie?.(), (h) => [...h], (h) => [...h.keys()],
    (h) => [...new Headers(h)], (h) => [...new Request("http://probe.invalid/", { headers: h }).headers],
  ];
  const readAll = (h: Headers) => reads.map((read) => read(h));
  const wanted = readAll(appended(fields));
  // Each way of reading first, before anything made the list; then all of them, after.
  for (let i = 0; i < reads.length; i++) {
    const h = lazy();
    if (!same(reads[i]!(h), wanted[i]) || !same(readAll(h), wanted)) return false;
  }
  // Changes, each to a Headers whose list was not made yet.
  const changes: ((h: Headers) => void)[] = [
    (h) => h.append("x-two", "c"), (h) => h.set("x-two", "d"), (h) => h.delete("x-two"), (h) => h.append("y", "e"),
  ];
  for (const change of changes) {
    const h = lazy(), w = appended(fields);
    change(h);
    change(w);
    if (!same(readAll(h), readAll(w))) return false;
  }
  return true;
}
