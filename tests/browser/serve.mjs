// A static file server for browser tests: serves a built dist/ on loopback,
// with the cross-origin isolation headers (COOP/COEP) unless asked not to,
// the way a static host would, sending precompressed NAME.br / NAME.gz twins
// when the browser accepts them. Usable alone: node serve.mjs DIR [PORT] [--no-isolation]
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
  ".py": "text/plain; charset=utf-8",
};

/** Serves `dir` (under the URL path `prefix`, as a host serving a site from
 *  a sub-path does); resolves to { url, close() }. */
export async function serve(dir, { port = 0, isolation = true, prefix = "/" } = {}) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    const full = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (!full.startsWith(prefix)) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    const path = "/" + full.slice(prefix.length);
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const headers = { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Cache-Control": "no-cache" };
      // A precompressed twin (web/pack-dist.mjs) if the browser takes it, as static hosts do.
      const accepted = req.headers["accept-encoding"] ?? "";
      let body = null;
      for (const [encoding, suffix] of [["br", ".br"], ["gzip", ".gz"]]) {
        if (body === null && accepted.includes(encoding)) {
          body = await readFile(file + suffix).catch(() => null);
          if (body !== null) headers["Content-Encoding"] = encoding;
        }
      }
      body ??= await readFile(file);
      headers["Vary"] = "Accept-Encoding";
      if (isolation) {
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      }
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
  });
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}${prefix}`, close: () => new Promise((ok) => server.close(ok)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = "../../dist", port = "8080"] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const { url } = await serve(dir, { port: Number(port), isolation: !process.argv.includes("--no-isolation") });
  console.log(`serving ${dir} at ${url}`);
}
