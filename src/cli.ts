#!/usr/bin/env node
/**
 * The `purehttp` command. Runs the same on
 *   node --import tsx src/cli.ts echo    deno run -A src/cli.ts echo    bun src/cli.ts echo
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { echoHandler } from "./echo.ts";
import { serve } from "./serve.ts";

const USAGE = "usage: purehttp echo [--port N] [--host H] [--tls-cert FILE --tls-key FILE]";

function main(argv: string[]): void {
  const [command, ...rest] = argv;
  if (command !== "echo") {
    console.error(USAGE);
    process.exit(2);
  }
  const opts: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const m = /^--(port|host|tls-cert|tls-key)(?:=(.*))?$/.exec(a);
    if (!m) {
      console.error(`unknown argument ${a}\n${USAGE}`);
      process.exit(2);
    }
    opts[m[1]!] = m[2] ?? rest[++i] ?? "";
  }
  const port = Number(opts.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid port ${opts.port}\n${USAGE}`);
    process.exit(2);
  }
  if (!!opts["tls-cert"] !== !!opts["tls-key"]) {
    console.error(`--tls-cert and --tls-key go together\n${USAGE}`);
    process.exit(2);
  }
  const tls = opts["tls-cert"]
    ? { cert: readFileSync(opts["tls-cert"], "utf8"), key: readFileSync(opts["tls-key"]!, "utf8") }
    : undefined;
  const host = opts.host ?? "127.0.0.1";
  const server = serve(
    {
      port,
      hostname: host,
      tls,
      onListen: (addr) => {
        const h = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
        console.log(`listening on ${tls ? "https" : "http"}://${h}:${addr.port}`);
      },
    },
    echoHandler,
  );
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

main(process.argv.slice(2));
