/**
 * The echo server on Deno for deno-reads.test.ts, reading and writing through Deno's ops (the
 * default where the runtime has it) or, with the argument "public", through `conn.read`
 * (transport/deno.ts); it says which it took after its address.
 */
import { echoHandler } from "../../src/echo.ts";
import { serve } from "../../src/mod.ts";
import { usePublicOps } from "../../src/transport/deno.ts";

// deno-lint-ignore no-explicit-any
const ops = usePublicOps((globalThis as any).Deno.args[0] === "public");
serve({ port: 0, hostname: "127.0.0.1", onListen: (a) => console.log(`listening on http://127.0.0.1:${a.port} reads=${ops ? "op" : "public"}`) }, echoHandler);
