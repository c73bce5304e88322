/** The hpack-test-case interoperability vectors in ../shared/hpack-test-case. */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { HpackDecoder } from "../../src/hpack/decoder.ts";
import { HpackEncoder } from "../../src/hpack/encoder.ts";

const DIR = resolve(import.meta.dirname, "../../../shared/hpack-test-case");
const exists = existsSync(DIR);
const implementations = exists ? readdirSync(DIR).filter((d) => d !== "raw-data" && existsSync(join(DIR, d, "story_00.json"))) : [];

interface Story {
  cases: { wire?: string; headers: Record<string, string>[]; header_table_size?: number }[];
}
const load = (impl: string, file: string): Story => JSON.parse(readFileSync(join(DIR, impl, file), "utf8"));
const stories = (impl: string) => readdirSync(join(DIR, impl)).filter((f) => f.endsWith(".json")).sort();
const pairs = (hs: Record<string, string>[]) => hs.flatMap((h) => Object.entries(h)[0]!);
/** The vectors are UTF-8 JSON; on the wire a field is its bytes, which we carry as latin1. */
const bytesAsLatin1 = (s: string) => Buffer.from(s, "utf8").toString("latin1");

describe.skipIf(!exists)("HPACK: decode every story of every encoder", () => {
  for (const impl of implementations) {
    it(`${impl}: all stories decode to the expected header lists`, () => {
      let blocks = 0;
      for (const file of stories(impl)) {
        const dec = new HpackDecoder(4096);
        for (const c of load(impl, file).cases) {
          if (c.header_table_size !== undefined) dec.maxTableSize = Math.max(dec.maxTableSize, c.header_table_size);
          const got = dec.decode(Buffer.from(c.wire!, "hex")).fields;
          expect(got, `${impl}/${file}`).toEqual(pairs(c.headers).map(bytesAsLatin1));
          blocks++;
        }
      }
      expect(blocks).toBeGreaterThan(0);
    });
  }
});

describe.skipIf(!exists)("HPACK: our encoder on the raw-data stories", () => {
  it("round-trips through our decoder and is no larger than the reference encoders on average", () => {
    let ours = 0;
    const theirs: Record<string, number> = {};
    for (const file of stories("raw-data")) {
      const enc = new HpackEncoder(4096);
      const dec = new HpackDecoder(4096);
      const raw = load("raw-data", file);
      for (const c of raw.cases) {
        const fields = pairs(c.headers).map(bytesAsLatin1);
        const list: [string, string][] = [];
        for (let i = 0; i < fields.length; i += 2) list.push([fields[i]!, fields[i + 1]!]);
        const block = enc.encode(list);
        ours += block.length;
        expect(dec.decode(block).fields).toEqual(fields);
      }
      for (const impl of implementations) {
        if (!existsSync(join(DIR, impl, file))) continue;
        theirs[impl] = (theirs[impl] ?? 0) + load(impl, file).cases.reduce((n, c) => n + c.wire!.length / 2, 0);
      }
    }
    const values = Object.values(theirs);
    const average = values.reduce((a, b) => a + b, 0) / values.length;
    console.log(`HPACK encoded bytes: ours ${ours}, reference encoders ${JSON.stringify(theirs)}, average ${Math.round(average)}`);
    expect(ours).toBeLessThanOrEqual(average);
  });
});
