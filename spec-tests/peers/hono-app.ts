/** An unmodified Hono app served by purehttp: `serve(options, app.fetch)`. */
import { Hono } from "../../bench/node_modules/hono/dist/index.js";
import { serve } from "../../src/mod.ts";

const app = new Hono();
app.get("/", (c) => c.text("hono root"));
app.get("/users/:id", (c) => c.json({ id: c.req.param("id"), q: c.req.query("q"), ua: c.req.header("user-agent") ?? null }));
app.post("/echo", async (c) => c.json({ got: await c.req.json() }, 201));
app.get("/redirect", (c) => c.redirect("/users/7"));
app.use("/mw/*", async (c, next) => {
  await next();
  c.header("x-middleware", "ran");
});
app.get("/mw/hi", (c) => c.text("with middleware"));

serve({ port: 0, hostname: "127.0.0.1", onListen: (a) => console.log(`listening on http://127.0.0.1:${a.port}`) }, app.fetch);
