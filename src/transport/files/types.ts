/**
 * What the file server needs from a runtime's file system: the interface each
 * runtime's file API is put behind (node:fs, Deno's, Bun's), as the transports put
 * its sockets behind `Transport`. Paths are absolute POSIX paths.
 */

export type FileKind = "file" | "directory" | "other";

export interface FileInfo {
  kind: FileKind;
  /** Bytes, for a file. */
  size: number;
  /** Last modification, ms since the epoch; null where the file system does not say. */
  mtimeMs: number | null;
}

export interface DirEntry {
  name: string;
  /** What the entry is, a symbolic link followed. */
  kind: FileKind;
}

export interface OpenFile {
  /** Up to `length` bytes from `position`, in a new array (empty at the end of the file). */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): void;
}

export interface FileSource {
  /** The file at `path`, symbolic links followed; null when there is none (or it cannot be reached). */
  stat(path: string): Promise<FileInfo | null>;
  /** `path` with every symbolic link resolved; null when there is none. */
  realPath(path: string): Promise<string | null>;
  /** The entries of a directory, in no set order. */
  readDir(path: string): Promise<DirEntry[]>;
  open(path: string): Promise<OpenFile>;
}

/** The kind a stat-like object reports. */
export function kindOf(s: { isFile: boolean | (() => boolean); isDirectory: boolean | (() => boolean) }): FileKind {
  const is = (v: boolean | (() => boolean), self: object) => (typeof v === "function" ? v.call(self) : v);
  if (is(s.isFile, s)) return "file";
  if (is(s.isDirectory, s)) return "directory";
  return "other";
}
