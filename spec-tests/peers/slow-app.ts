/** A module for `purehttp serve --workers`: /slow answers after 1.5 s, saying which worker it is. */
export default {
  async fetch(req: Request): Promise<Response> {
    if (new URL(req.url).pathname === "/slow") await new Promise((r) => setTimeout(r, 1500));
    return new Response(`worker ${globalThis.process?.env?.PUREHTTP_WORKER ?? "-"}`);
  },
};
