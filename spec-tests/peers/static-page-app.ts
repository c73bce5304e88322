/**
 * HTTPS app for the browser test of serveDir: the files under --root, and a /report
 * route where the page's script posts what it found; each file request is recorded with
 * the HTTP version that carried it.
 * Args: --root DIR --tls-cert FILE --tls-key FILE.
 */
import { pageServeOptions } from "../helpers/chromium.ts";
import { serve, serveDir } from "../../src/mod.ts";

const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1]!;
const root = arg("--root");
const seen: string[] = [];
let report: string | null = null;

serve(pageServeOptions(), async (req, info) => {
  const path = new URL(req.url).pathname;
  if (path === "/report") {
    report = await req.text();
    return new Response("ok");
  }
  if (path === "/report-result") return report ? Response.json({ page: JSON.parse(report), seen }) : new Response("", { status: 404 });
  const res = await serveDir(req, { root });
  seen.push(`${path} ${res.status} HTTP/${info.httpVersion}`);
  return res;
});
