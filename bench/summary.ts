/** The results as a markdown table; run alone to rebuild results/summary.md from results/latest.json. */
import { readFileSync, writeFileSync } from "node:fs";

interface Stat { median: number; min: number; max: number }

/** A markdown table of medians and same-run ratios, for the README. */
export function summary(res: Record<string, unknown>): string {
  const m = res.machine as { cpus: number; cpu?: string };
  let md = `Run of ${(res.date as string).slice(0, 10)} on ${m.cpu ?? "?"} (${m.cpus} cores shared by server and load generator), ${(res.settings as { seconds: number }).seconds} s x ${(res.settings as { rounds: number }).rounds} interleaved rounds; medians.\n\n`;
  md += "| runtime | suite | profile | purehttp | native | floor | purehttp/native | purehttp/floor |\n|---|---|---|---|---|---|---|---|\n";
  for (const [rt, r] of Object.entries(res.runtimes as Record<string, Record<string, Record<string, Record<string, Stat>>>>)) {
    for (const suite of ["h1", "h2", "ws"]) {
      for (const [profile, byName] of Object.entries(r[suite] ?? {})) {
        const p = byName.purehttp?.median ?? 0;
        const nativeEntry = Object.entries(byName).find(([k]) => k !== "purehttp" && k !== "floor");
        const n = nativeEntry?.[1].median ?? 0;
        const f = byName.floor?.median;
        const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : "-");
        // A median of 0 means most rounds failed (the generator reported errors).
        const nativeCell = !nativeEntry ? "-" : n ? `${Math.round(n)} (${nativeEntry[0]})` : `failed (${nativeEntry[0]})`;
        md += `| ${rt} | ${suite} | ${profile} | ${Math.round(p)} | ${nativeCell} | ${f === undefined ? "-" : Math.round(f)} | ${ratio(p, n)} | ${ratio(p, f)} |\n`;
      }
    }
    const mem = (r as unknown as { memory?: Record<string, { bytesPer10kIdleHttp: number | null; bytesPer1kIdleWs: number | null; marginalPerIdleHttp?: number | null; marginalPerIdleWs?: number | null; steadyPerIdleHttp?: number | null; steadyPerIdleWs?: number | null; rssAfterChurn?: number | null }> }).memory;
    if (mem) {
      for (const [name, v] of Object.entries(mem)) {
        const mb = (x: number | null) => (x === null ? "-" : `${(x / 2 ** 20).toFixed(0)} MiB`);
        const each = (x: number | null | undefined) => (x === undefined || x === null ? "-" : `${(x / 1024).toFixed(2)} KiB`);
        const steady = (x: number | null | undefined) => (x === undefined || x === null ? "" : `, then ${each(x)}`);
        md += `| ${rt} | memory | ${name} | 10k idle HTTP: ${mb(v.bytesPer10kIdleHttp)}, then ${each(v.marginalPerIdleHttp)}${steady(v.steadyPerIdleHttp)} each | 1k idle WS: ${mb(v.bytesPer1kIdleWs)}, then ${each(v.marginalPerIdleWs)}${steady(v.steadyPerIdleWs)} each | churn RSS: ${v.rssAfterChurn === undefined ? "-" : mb(v.rssAfterChurn)} | | |\n`;
      }
    }
  }
  const micro = res.micro as Record<string, Record<string, number>> | undefined;
  if (micro) {
    md += `\nMicro (Node, in process): HTTP/1.1 parser ${micro.h1Parser!.vsHttpParserJs!.toFixed(2)}x http-parser-js, ${micro.h1Parser!.vsLlhttp!.toFixed(2)}x llhttp; `;
    md += `HPACK ${micro.hpack!.vsHpackJs!.toFixed(2)}x hpack.js; WebSocket framing ${micro.ws64!.vsWs!.toFixed(2)}x ws (64 B), ${micro.ws65536!.vsWs!.toFixed(2)}x ws (64 KiB).\n`;
    const facade = micro.facadeUsPerRequest as unknown as Record<string, Record<string, number>> | undefined;
    if (facade) {
      md += `\nIn process, no sockets (micro/facade.ts), microseconds per request through serve(): `;
      md += Object.entries(facade).map(([rt, v]) => `${rt} ${v.hello!.toFixed(1)} with \`new Response("Hello World")\`, ${v.empty!.toFixed(1)} with \`new Response(null)\``).join("; ") + ".\n";
    }
  }
  return md;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = new URL("./results/", import.meta.url).pathname;
  writeFileSync(dir + "summary.md", summary(JSON.parse(readFileSync(dir + "latest.json", "utf8"))));
  console.log(`wrote ${dir}summary.md`);
}
