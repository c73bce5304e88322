/** node:fs behind the file server's FileSource. */
import { open, readdir, realpath, stat } from "node:fs/promises";
import { type DirEntry, type FileSource, type OpenFile, kindOf } from "./types.ts";

export const nodeFiles: FileSource = {
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
      if (e.isSymbolicLink()) kind = (await nodeFiles.stat(`${path}/${e.name}`))?.kind ?? "other";
      out.push({ name: e.name, kind });
    }
    return out;
  },
  async open(path): Promise<OpenFile> {
    const handle = await open(path, "r");
    return {
      async read(position, length) {
        const buf = new Uint8Array(length);
        const { bytesRead } = await handle.read(buf, 0, length, position);
        return bytesRead === length ? buf : buf.subarray(0, bytesRead);
      },
      close() {
        handle.close().catch(() => {});
      },
    };
  },
};
