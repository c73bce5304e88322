/**
 * @hono/node-server, the Fetch facade most Node users run, with the shared Fetch handler
 * (the same one purehttp serves): its lightweight Request and Response stand in for
 * undici's until something needs the real ones. Node only; from bench/package.json.
 */
import { serve } from "@hono/node-server";
import { args, handle } from "./common.ts";

const port = Number(args().port ?? 0);
serve({ fetch: handle, port, hostname: "127.0.0.1" }, (info) => console.log(`listening on http://127.0.0.1:${info.port}`));
