/** A module in the shape `deno serve` and `bun` run: a default export with fetch (and Bun's routes). */
export default {
  fetch(req: Request): Response {
    return new Response(`fetch ${new URL(req.url).pathname}`);
  },
  routes: {
    "/items/:id": (req: Request & { params: Record<string, string> }) => Response.json(req.params),
  },
};
