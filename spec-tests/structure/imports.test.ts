/**
 * The shape of src/ as the README draws it: no import circle anywhere (type imports
 * included: a circle of types is still two modules that cannot be read apart), the
 * sans-I/O cores free of runtime imports and of the layers above them, and no file
 * much past 400 lines.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
const CORES = ["h1", "hpack", "h2", "ws", "buffers", "proxy"];
const MAX_LINES = 420;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []);
}

/** Every module specifier a file names in a static import or export ... from, or import("..."). */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\b[^;"']*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** One circle in the graph (as the list of its files, first repeated at the end), or null. */
export function findCircle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === "done") return null;
    if (state.get(n) === "open") return [...path.slice(path.indexOf(n)), n];
    state.set(n, "open");
    path.push(n);
    for (const m of graph.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    path.pop();
    state.set(n, "done");
    return null;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

const files = sourceFiles(SRC);
const graph = new Map<string, string[]>();
const external = new Map<string, string[]>();
for (const f of files) {
  const name = relative(SRC, f);
  const specs = specifiers(readFileSync(f, "utf8"));
  graph.set(name, specs.filter((s) => s.startsWith(".")).map((s) => relative(SRC, resolve(dirname(f), s))));
  external.set(name, specs.filter((s) => !s.startsWith(".")));
}

describe("src/ import graph", () => {
  it("the circle finder finds a circle, and none where there is none", () => {
    expect(findCircle(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]]))).toEqual(["a", "b", "c", "a"]);
    expect(findCircle(new Map([["a", ["b", "c"]], ["b", ["c"]], ["c", []]]))).toBeNull();
    expect(specifiers('import type { A } from "./a.ts";\nexport { b } from "./b.ts";\nconst c = await import("./c.ts");'))
      .toEqual(["./a.ts", "./b.ts", "./c.ts"]);
    // A string that holds the word is not an import (HPACK's static table has a "from" field).
    expect(specifiers('export const T = [\n  ["from", ""],\n];')).toEqual([]);
  });

  it("reads every file's imports", () => {
    expect(graph.get("serve.ts")).toContain("facade/h1-connection.ts");
    for (const [file, deps] of graph) for (const d of deps) expect(graph.has(d), `${file} imports ${d}`).toBe(true);
  });

  it("has no import circle", () => {
    expect(findCircle(graph)).toBeNull();
  });

  it("keeps the cores sans-I/O: no runtime module, nothing from the layers above", () => {
    for (const [file, deps] of graph) {
      const core = file.split("/")[0]!;
      if (!CORES.includes(core)) continue;
      expect(external.get(file), `${file} imports a runtime module`).toEqual([]);
      for (const d of deps) expect(CORES, `${file} imports ${d}`).toContain(d.split("/")[0]);
    }
  });

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = files.map((f) => [relative(SRC, f), readFileSync(f, "utf8").split("\n").length] as const).filter(([, n]) => n > MAX_LINES);
    expect(long).toEqual([]);
  });
});
