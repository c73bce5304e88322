/**
 * Bun's file API behind the file server's FileSource: bytes through Bun.file (a slice
 * read per chunk); metadata (stat, real paths, directories) through node:fs, as Bun's
 * documentation does it (Bun has no API of its own for those), shared with node.ts.
 */
import { nodeFiles } from "./node.ts";
import type { FileSource, OpenFile } from "./types.ts";

// deno-lint-ignore no-explicit-any
const Bun = (globalThis as any).Bun;

export const bunFiles: FileSource = {
  stat: nodeFiles.stat,
  realPath: nodeFiles.realPath,
  readDir: nodeFiles.readDir,
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
