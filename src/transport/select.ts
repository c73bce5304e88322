/** Picks the transport of the runtime we run on. */
import type { Transport } from "./types.ts";

export type RuntimeName = "node" | "deno" | "bun";

export function detectRuntime(): RuntimeName {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno) return "deno";
  if (g.Bun) return "bun";
  return "node";
}

export async function runtimeTransport(): Promise<Transport> {
  switch (detectRuntime()) {
    case "deno":
      return (await import("./deno.ts")).denoTransport;
    case "bun":
      return (await import("./bun.ts")).bunTransport;
    default:
      return (await import("./node.ts")).nodeTransport;
  }
}
