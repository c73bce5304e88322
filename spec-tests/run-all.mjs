#!/usr/bin/env node
/**
 * `npm test`: every unit, spec, property and peer test (the peer tests start
 * servers on Node, Deno and Bun), then one summary line: "N passed, M failed".
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The peer tests use bench/'s packages too (Hono, as an app we did not write).
if (!existsSync(new URL("../bench/node_modules/hono/package.json", import.meta.url))) {
  spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", new URL("../bench", import.meta.url).pathname], { stdio: "inherit" });
}

const out = join(mkdtempSync(join(tmpdir(), "purehttp-test-")), "results.json");
const args = [
  "vitest", "run",
  "--reporter=default", "--reporter=json", `--outputFile.json=${out}`,
  "--testTimeout=60000", "--hookTimeout=60000",
  ...process.argv.slice(2),
];
const r = spawnSync("npx", args, { stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } });
let passed = 0;
let failed = 0;
try {
  const json = JSON.parse(readFileSync(out, "utf8"));
  passed = json.numPassedTests;
  failed = json.numFailedTests + (json.numRuntimeErrorTestSuites ?? 0);
  if (!json.success && failed === 0) failed = 1;
} catch {
  failed = Math.max(1, failed);
}
if (r.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
