/**
 * How long each property runs. By default (npm test, CI) a fixed number of cases, so the
 * suite stays short; `npm run fuzz` sets FUZZ_SECONDS and the properties that run through
 * `assertFor` run for that long instead, in slices of a few seconds with a fresh seed
 * each, yielding to the event loop between them (the test runner talks to its workers
 * there). Each prints how many cases it ran.
 */
import fc from "fast-check";

const seconds = Number(process.env.FUZZ_SECONDS ?? 0);
const SLICE_MS = 2000;

/** A vitest timeout that leaves room for the budget. */
export const testTimeout = seconds > 0 ? (seconds + 120) * 1000 : 60_000;

/** Checks `property` for `runs` cases, or for FUZZ_SECONDS when set; throws fast-check's report on a failure. */
export async function assertFor<T>(name: string, property: fc.IProperty<T> | fc.IAsyncProperty<T>, runs: number): Promise<void> {
  if (!(seconds > 0)) {
    await fc.assert(property as fc.IAsyncProperty<T>, { numRuns: runs });
    return;
  }
  const end = Date.now() + seconds * 1000;
  let cases = 0;
  while (Date.now() < end) {
    const result = await fc.check(property as fc.IAsyncProperty<T>, {
      numRuns: Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: Math.max(1, Math.min(SLICE_MS, end - Date.now())),
      markInterruptAsFailure: false,
    });
    cases += result.numRuns;
    if (result.failed) throw new Error(fc.defaultReportMessage(result) ?? "property failed");
    await new Promise((r) => setTimeout(r, 0));
  }
  console.log(`fuzz: ${name}: ${cases} cases in ${seconds} s, no failure`);
}
