/** The file source of the runtime we run on; each is imported only on its runtime. */
import { detectRuntime } from "../select.ts";
import type { FileSource } from "./types.ts";

let source: Promise<FileSource> | null = null;

export function runtimeFiles(): Promise<FileSource> {
  return (source ??= pick());
}

async function pick(): Promise<FileSource> {
  switch (detectRuntime()) {
    case "deno":
      return (await import("./deno.ts")).denoFiles;
    case "bun":
      return (await import("./bun.ts")).bunFiles;
    default:
      return (await import("./node.ts")).nodeFiles;
  }
}
