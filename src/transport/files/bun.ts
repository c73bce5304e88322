/**
 * Bun's file API behind the file server's FileSource: bytes through Bun.file (a slice
 * read per chunk), metadata through node:fs, which is how Bun's documentation reads
 * directories and real paths (Bun has no API of its own for them).
 */
import { readdir, realpath, stat } from "node:fs/promises";
import { type DirEntry, type FileSource, type OpenFile, kindOf } from "./types.ts";

// deno-lint-ignore no-explicit-any
const Bun = (globalThis as any).Bun;

export const bunFiles: FileSource = {
  async stat(path) {
    try {
      const s = await stat(path);
      return { kind: kindOf(s), size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return null;
    }
  },
  async realPath(path) {
    try {
      return await realpath(path);
    } catch {
      return null;
    }
  },
  async readDir(path) {
    const out: DirEntry[] = [];
    for (const e of await readdir(path, { withFileTypes: true })) {
      let kind = kindOf(e);
      if (e.isSymbolicLink()) kind = (await bunFiles.stat(`${path}/${e.name}`))?.kind ?? "other";
      out.push({ name: e.name, kind });
    }
    return out;
  },
  async open(path): Promise<OpenFile> {
    const file = Bun.file(path);
    return {
      async read(position, length) {
        return new Uint8Array(await file.slice(position, position + length).arrayBuffer());
      },
      close() {},
    };
  },
};
