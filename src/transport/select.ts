/**
 * Picks the transport of the runtime we run on. Deno's and Bun's touch only their
 * runtime's global (none at import time), so they are imported here as they are and
 * given at once; node:net is imported only on Node.
 */
import { bunTransport } from "./bun.ts";
import { denoTransport } from "./deno.ts";
import type { Transport } from "./types.ts";

export type RuntimeName = "node" | "deno" | "bun";

export function detectRuntime(): RuntimeName {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno) return "deno";
  if (g.Bun) return "bun";
  return "node";
}

export function runtimeTransport(): Transport | Promise<Transport> {
  switch (detectRuntime()) {
    case "deno":
      return denoTransport;
    case "bun":
      return bunTransport;
    default:
      return import("./node.ts").then((m) => m.nodeTransport);
  }
}
