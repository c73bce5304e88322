#!/usr/bin/env node
/**
 * `npm run fuzz [-- pattern]`: the fast-check properties in fuzz/ with a time budget per
 * property (FUZZ_SECONDS, default 60) instead of the fixed case counts `npm test` runs.
 */
import { spawnSync } from "node:child_process";

const seconds = process.env.FUZZ_SECONDS ?? "60";
const timeout = String((Number(seconds) + 120) * 1000);
const r = spawnSync("npx", ["vitest", "run", ...process.argv.slice(2), "--dir", "fuzz", "--testTimeout", timeout, "--no-file-parallelism"], {
  stdio: "inherit",
  env: { ...process.env, FUZZ_SECONDS: seconds },
});
process.exit(r.status ?? 1);
