#!/usr/bin/env node
/**
 * The `purehttp` command. Runs the same on
 *   node --import tsx src/cli.ts echo    deno run -A src/cli.ts echo    bun src/cli.ts echo
 *
 * Exit codes: 0 for help, the version and a clean shutdown (SIGINT, SIGTERM); 1 when
 * the server cannot start (the port is taken, a module or a TLS file cannot be read);
 * 2 for a command line it cannot use (an unknown command or option, a missing or
 * invalid value), with the reason and the usage on stderr.
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { echoHandlerFor } from "./echo.ts";
import { serveDir } from "./files/serve-dir.ts";
import { type Handler, type ServeOptions, serve } from "./serve.ts";
import { freePort, stopWithSupervisor, supervise, workerRole } from "./workers.ts";

const COMMON = `options:
  --port N                  port to listen on (0: any free port)
  --host H                  address to listen on (default 127.0.0.1)
  --tls-cert FILE           PEM certificate chain: serve HTTPS (HTTP/2 by ALPN)
  --tls-key FILE            PEM private key, with --tls-cert
  --trace[=json]            print every request, response and frame to stderr
                            (text in the way of nghttp -v, or JSON lines)
  --proxy-protocol          every connection opens with a PROXY protocol header
                            (v1 or v2, as HAProxy's send-proxy sends it)
  --workers N               N processes on one port (SO_REUSEPORT, or Node's
                            cluster module where Node has no reusePort); default 1
  -h, --help                this help`;

const HELP: Record<string, string> = {
  echo: `usage: purehttp echo [options]

The conformance echo server (default port 8080):
  /hello   "Hello World"
  /ws      a WebSocket that sends every message back
  else     the request as JSON: method, url, httpVersion, headers, body (base64)

${COMMON}`,
  serve: `usage: purehttp serve MODULE [options]

Serves a module's default export, as \`deno serve\` and \`bun\` do: an object with
fetch(request) (and Bun's routes, websocket, error, port, hostname). Default port:
the module's, else 8000.

${COMMON}`,
  static: `usage: purehttp static [DIR] [options]

Serves the files under DIR (default .): GET and HEAD, ranges, conditional requests,
index.html for a directory (default port 8000).

${COMMON}
  --listing                 list a directory that has no index.html
  --dotfiles                serve names that start with "."`,
};

const USAGE = `usage: purehttp COMMAND [options]

commands:
  echo                      the conformance echo server
  serve MODULE              serve a module's default export ({ fetch })
  static [DIR]              serve the files under DIR
  help [COMMAND]            this help, or a command's

  purehttp --version        the version
  purehttp COMMAND --help   a command's options

Exit codes: 0 done, 1 the server cannot start, 2 a command line it cannot use.`;

const COMMANDS = ["echo", "serve", "static"] as const;
type Command = (typeof COMMANDS)[number];

/** The options each command takes, and whether each takes a value. */
const OPTIONS: Record<Command, Record<string, boolean>> = {
  echo: { port: true, host: true, "tls-cert": true, "tls-key": true, trace: false, "proxy-protocol": false, workers: true, help: false },
  serve: { port: true, host: true, "tls-cert": true, "tls-key": true, trace: false, "proxy-protocol": false, workers: true, help: false },
  static: { port: true, host: true, "tls-cert": true, "tls-key": true, trace: false, "proxy-protocol": false, workers: true, help: false, listing: false, dotfiles: false },
};

/** A command line purehttp cannot use: exit 2 with the reason and the usage. */
function usageError(message: string, command?: Command): never {
  console.error(`purehttp: ${message}\n\n${command ? HELP[command] : USAGE}`);
  process.exit(2);
}

/** The server cannot start: exit 1 with the reason. */
function startError(message: string): never {
  console.error(`purehttp: ${message}`);
  process.exit(1);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

interface Parsed {
  positional: string[];
  options: Record<string, string | true>;
}

/** `--name value`, `--name=value` and flags, checked against the command's options. */
export function parseArgs(command: Command, args: string[]): Parsed {
  const known = OPTIONS[command];
  const out: Parsed = { positional: [], options: {} };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-h") {
      out.options.help = true;
      continue;
    }
    if (!a.startsWith("--")) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (!(name in known)) usageError(`unknown option --${name}`, command);
    if (known[name]) {
      const value = eq < 0 ? args[++i] : a.slice(eq + 1);
      if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) usageError(`--${name} needs a value`, command);
      out.options[name] = value;
    } else if (name === "trace" && eq >= 0) {
      if (a.slice(eq + 1) !== "json" && a.slice(eq + 1) !== "text") usageError(`--trace takes "text" or "json", not "${a.slice(eq + 1)}"`, command);
      out.options.trace = a.slice(eq + 1);
    } else {
      if (eq >= 0) usageError(`--${name} takes no value`, command);
      out.options[name] = true;
    }
  }
  return out;
}

/** The default export of `file` as serve() options: it must have `fetch` or `routes`. */
async function moduleOptions(file: string): Promise<ServeOptions & { fetch?: Handler }> {
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(resolve(file)).href);
  } catch (e) {
    startError(`cannot load ${file}: ${(e as Error).message}`);
  }
  const app = mod.default as (ServeOptions & { fetch?: unknown }) | undefined;
  if (!app || typeof app !== "object" || (typeof app.fetch !== "function" && (typeof app.routes !== "object" || app.routes === null))) {
    usageError(`${file} has no default export with a fetch function or routes (export default { fetch(req) { ... } })`, "serve");
  }
  return app as ServeOptions & { fetch?: Handler };
}

function readPem(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    startError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const [first, ...args] = argv;
  if (first === undefined) usageError("no command");
  if (first === "--version" || first === "-v" || first === "version") {
    console.log(version());
    return;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    const topic = args[0];
    if (topic === undefined) console.log(USAGE);
    else if (topic in HELP) console.log(HELP[topic]);
    else usageError(`no command ${topic}`);
    return;
  }
  if (!(COMMANDS as readonly string[]).includes(first)) usageError(first.startsWith("-") ? `unknown option ${first}` : `unknown command ${first}`);
  const command = first as Command;
  const { positional, options: opts } = parseArgs(command, args);
  if (opts.help) {
    console.log(HELP[command]);
    return;
  }

  let app: (ServeOptions & { fetch?: Handler }) | null = null;
  const role = workerRole();
  let handler: Handler = echoHandlerFor(role?.id);
  let defaultPort = 8080;
  if (command === "serve") {
    if (positional.length !== 1) usageError(positional.length ? `unexpected argument ${positional[1]}` : "serve needs a module", command);
    app = await moduleOptions(positional[0]!);
    defaultPort = app.port ?? 8000;
  } else if (command === "static") {
    if (positional.length > 1) usageError(`unexpected argument ${positional[1]}`, command);
    const root = positional[0] ?? ".";
    const dir = { root, listing: opts.listing === true, dotfiles: opts.dotfiles === true };
    try {
      if (!statSync(root).isDirectory()) usageError(`${root} is not a directory`, command);
    } catch {
      usageError(`no directory ${root}`, command);
    }
    handler = (req) => serveDir(req, dir);
    defaultPort = 8000;
  } else if (positional.length) usageError(`unexpected argument ${positional[0]}`, command);

  const portText = typeof opts.port === "string" ? opts.port : String(defaultPort);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) usageError(`invalid port ${portText}`, command);
  const port = Number(portText);
  if (!!opts["tls-cert"] !== !!opts["tls-key"]) usageError("--tls-cert and --tls-key go together", command);
  const tls = typeof opts["tls-cert"] === "string"
    ? { cert: readPem(opts["tls-cert"]), key: readPem(opts["tls-key"] as string) }
    : app?.tls;
  const host = (opts.host as string | undefined) ?? app?.hostname ?? "127.0.0.1";
  const trace = opts.trace === undefined ? app?.trace : opts.trace === "json" ? "json" : true;
  const proxyProtocol = opts["proxy-protocol"] === true || app?.proxyProtocol;
  const reusePort = role?.share === "reuse-port" || app?.reusePort;
  const announce = (addr: { hostname: string; port: number }) => {
    const h = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
    console.log(`listening on ${tls ? "https" : "http"}://${h}:${addr.port}`);
  };
  const workers = typeof opts.workers === "string" ? Number(opts.workers) : 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) usageError(`--workers takes a number from 1 to 256, not ${opts.workers}`, command);
  if (workers > 1 && role === null) {
    // The supervisor: the workers are this command again, all on one port.
    const shared = port === 0 ? await freePort(host) : port;
    const rest = args.filter((a, i) => !a.startsWith("--workers") && args[i - 1] !== "--workers" && !a.startsWith("--port") && args[i - 1] !== "--port");
    await supervise(workers, [command, ...rest, "--port", String(shared)], (url) => console.log(`listening on ${url}`));
    return;
  }
  // A worker's own address line is for its supervisor, which reads it (an app's onListen is its own).
  const onListen = app?.onListen && role === null ? app.onListen : announce;
  let server;
  try {
    server = app
      ? serve({ ...app, port, hostname: host, tls, onListen, trace, proxyProtocol, reusePort } as ServeOptions & { fetch: Handler })
      : serve({ port, hostname: host, tls, onListen, trace, proxyProtocol, reusePort }, handler);
  } catch (e) {
    startError(`cannot listen on ${host}:${port}: ${(e as Error).message}`);
  }
  server.listening.catch((e: Error) => startError(`cannot listen on ${host}:${port}: ${e.message}`));
  const stop = () => {
    server.shutdown().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  if (role !== null) stopWithSupervisor(stop);
}

await main(process.argv.slice(2));
