/** Deno's file API (Deno.stat, Deno.open, Deno.readDir) behind the file server's FileSource. */
import { type DirEntry, type FileSource, type OpenFile, kindOf } from "./types.ts";

// deno-lint-ignore no-explicit-any
const Deno = (globalThis as any).Deno;

export const denoFiles: FileSource = {
  async stat(path) {
    try {
      const s = await Deno.stat(path);
      return { kind: kindOf(s), size: s.size, mtimeMs: s.mtime ? s.mtime.getTime() : null };
    } catch {
      return null;
    }
  },
  async realPath(path) {
    try {
      return await Deno.realPath(path);
    } catch {
      return null;
    }
  },
  async readDir(path) {
    const out: DirEntry[] = [];
    for await (const e of Deno.readDir(path)) {
      let kind = kindOf(e);
      if (e.isSymlink) kind = (await denoFiles.stat(`${path}/${e.name}`))?.kind ?? "other";
      out.push({ name: e.name, kind });
    }
    return out;
  },
  async open(path): Promise<OpenFile> {
    const file = await Deno.open(path, { read: true });
    let at = 0;
    return {
      async read(position, length) {
        if (position !== at) await file.seek(position, Deno.SeekMode.Start);
        const buf = new Uint8Array(length);
        let n = 0;
        // A read may return less than asked before the end: fill the buffer or reach the end.
        while (n < length) {
          const got: number | null = await file.read(buf.subarray(n));
          if (got === null || got === 0) break;
          n += got;
        }
        at = position + n;
        return n === length ? buf : buf.subarray(0, n);
      },
      close() {
        try {
          file.close();
        } catch {
          // already closed
        }
      },
    };
  },
};
