/** What every benchmark server answers, so all of them do the same work. */
export const HELLO = "Hello World";
export const BIG = new Uint8Array(64 * 1024).fill(0x61);

export function args(): Record<string, string> {
  const g = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
  const argv = g.Deno ? g.Deno.args : g.process!.argv.slice(2);
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i]!.replace(/^--/, "")] = argv[i + 1]!;
  return out;
}

export function runtime(): "node" | "deno" | "bun" {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  return g.Deno ? "deno" : g.Bun ? "bun" : "node";
}

/** The shared handler: / -> hello, /64k -> 64 KiB, POST /echo -> the body back. */
export async function handle(req: Request): Promise<Response> {
  const path = req.url.slice(req.url.indexOf("/", 8));
  if (path === "/64k") return new Response(BIG);
  if (req.method === "POST") return new Response(await req.arrayBuffer());
  return new Response(HELLO);
}

/**
 * purehttp as the benchmarks measure it. On Node, as it ships: the JavaScript
 * `npm run build` emits in dist/ (the harness builds it first); tsx's on-the-fly
 * transform runs the same code about 10% slower. PUREHTTP_BENCH_SRC=1 takes the
 * sources instead. Deno and Bun run the TypeScript sources themselves.
 */
export function loadPurehttp(): Promise<typeof import("../../src/mod.ts")> {
  // --tree DIR: another checkout of purehttp (run.ts's --baseline), for a before/after in one run.
  const tree = args().tree;
  const base = tree ? new URL(`file://${tree.replace(/\/$/, "")}/`).href : new URL("../../", import.meta.url).href;
  return runtime() === "node" && !process.env.PUREHTTP_BENCH_SRC ? import(`${base}dist/mod.js`) : import(`${base}src/mod.ts`);
}
