/** Draws the benchmark results as a bar chart in SVG (no dependencies). */

interface Stat { median: number; min: number; max: number }
type Results = {
  date: string;
  machine: { cpus: number; cpu?: string };
  runtimes: Record<string, Record<string, Record<string, Record<string, Stat>>>>;
};

const COLORS = ["#2563eb", "#f59e0b", "#9ca3af", "#10b981"];
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function drawChart(results: unknown): string {
  const r = results as Results;
  const groups: { title: string; bars: { name: string; s: Stat }[] }[] = [];
  for (const [rt, suites] of Object.entries(r.runtimes)) {
    for (const suite of ["h1", "h2", "ws"]) {
      for (const [profile, byName] of Object.entries(suites[suite] ?? {})) {
        groups.push({ title: `${rt} ${suite} ${profile}`, bars: Object.entries(byName).map(([name, s]) => ({ name, s })) });
      }
    }
  }
  const rowH = 16, gap = 22, left = 260, width = 900;
  let y = 50;
  const parts: string[] = [];
  const names = new Map<string, string>();
  for (const g of groups) {
    const max = Math.max(1, ...g.bars.map((b) => b.s.max));
    parts.push(`<text x="10" y="${y + 12}" font-size="12" font-weight="bold">${esc(g.title)}</text>`);
    g.bars.forEach((b, i) => {
      const key = b.name.startsWith("purehttp") ? "purehttp" : b.name === "floor" ? "floor" : "native";
      const color = key === "purehttp" ? COLORS[0] : key === "floor" ? COLORS[2] : COLORS[1];
      names.set(key, color!);
      const w = ((width - left - 120) * b.s.median) / max;
      const yy = y + i * rowH;
      parts.push(`<text x="${left - 6}" y="${yy + 12}" font-size="11" text-anchor="end">${esc(b.name)}</text>`);
      parts.push(`<rect x="${left}" y="${yy + 2}" width="${w.toFixed(1)}" height="${rowH - 4}" fill="${color}"/>`);
      const lo = left + ((width - left - 120) * b.s.min) / max, hi = left + ((width - left - 120) * b.s.max) / max;
      parts.push(`<line x1="${lo.toFixed(1)}" x2="${hi.toFixed(1)}" y1="${yy + 8}" y2="${yy + 8}" stroke="#111" stroke-width="1"/>`);
      parts.push(`<text x="${(left + w + 6).toFixed(1)}" y="${yy + 12}" font-size="11">${Math.round(b.s.median).toLocaleString("en")}</text>`);
    });
    y += g.bars.length * rowH + gap;
  }
  const legend = [...names.entries()].map(([n, c], i) => `<rect x="${10 + i * 120}" y="${y}" width="12" height="12" fill="${c}"/><text x="${26 + i * 120}" y="${y + 11}" font-size="11">${n}</text>`).join("");
  const title = `purehttp vs native servers and raw-socket floor — medians with min-max (higher is better); ${esc(r.machine.cpu ?? "")}, ${r.machine.cpus} cores, ${r.date.slice(0, 10)}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 30}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="24" font-size="13">${title}</text>
${parts.join("\n")}
${legend}
</svg>
`;
}
