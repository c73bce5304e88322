#!/usr/bin/env node
/**
 * The `purehttp` command. Runs the same on
 *   node --import tsx src/cli.ts echo    deno run -A src/cli.ts echo    bun src/cli.ts echo
 *
 * `purehttp serve app.ts` serves a module's default export, as `deno serve app.ts` and
 * `bun app.ts` do: an object with `fetch` (and, Bun's way, `routes`, `websocket`,
 * `error`, `port`, `hostname`), or `onListen`.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { echoHandler } from "./echo.ts";
import { type Handler, type ServeOptions, serve } from "./serve.ts";

const USAGE = [
  "usage: purehttp echo [--port N] [--host H] [--tls-cert FILE --tls-key FILE]",
  "       purehttp serve MODULE [--port N] [--host H] [--tls-cert FILE --tls-key FILE]",
].join("\n");

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

/** The default export of `file` as serve() options: it must have `fetch` or `routes`. */
async function moduleOptions(file: string): Promise<ServeOptions & { fetch?: Handler }> {
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(resolve(file)).href);
  } catch (e) {
    console.error(`purehttp: cannot load ${file}: ${(e as Error).message}`);
    process.exit(1);
  }
  const app = mod.default as (ServeOptions & { fetch?: unknown }) | undefined;
  if (!app || typeof app !== "object" || (typeof app.fetch !== "function" && (typeof app.routes !== "object" || app.routes === null))) {
    fail(`${file} has no default export with a fetch function or routes (export default { fetch(req) { ... } })`);
  }
  return app as ServeOptions & { fetch?: Handler };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command !== "echo" && command !== "serve") fail(command ? `unknown command ${command}` : "no command");
  let rest = args;
  let app: (ServeOptions & { fetch?: Handler }) | null = null;
  if (command === "serve") {
    if (!args[0] || args[0].startsWith("--")) fail("serve needs a module");
    app = await moduleOptions(args[0]);
    rest = args.slice(1);
  }
  const opts: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const m = /^--(port|host|tls-cert|tls-key)(?:=(.*))?$/.exec(a);
    if (!m) fail(`unknown argument ${a}`);
    opts[m[1]!] = m[2] ?? rest[++i] ?? "";
  }
  // echo listens on 8080; a module where it says, else on 8000 as `deno serve` does.
  const port = Number(opts.port ?? app?.port ?? (app ? 8000 : 8080));
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid port ${opts.port}`);
  if (!!opts["tls-cert"] !== !!opts["tls-key"]) fail("--tls-cert and --tls-key go together");
  const tls = opts["tls-cert"]
    ? { cert: readFileSync(opts["tls-cert"], "utf8"), key: readFileSync(opts["tls-key"]!, "utf8") }
    : app?.tls;
  const host = opts.host ?? app?.hostname ?? "127.0.0.1";
  const onListen = app?.onListen ?? ((addr: { hostname: string; port: number }) => {
    const h = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
    console.log(`listening on ${tls ? "https" : "http"}://${h}:${addr.port}`);
  });
  const server = app
    ? serve({ ...app, port, hostname: host, tls, onListen } as ServeOptions & { fetch: Handler })
    : serve({ port, hostname: host, tls, onListen }, echoHandler);
  server.listening.catch((e: Error) => {
    console.error(`purehttp: cannot listen on ${host}:${port}: ${e.message}`);
    process.exit(1);
  });
  const stop = () => {
    server.shutdown().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

await main(process.argv.slice(2));
