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
  ".bin": "application/octet-stream",
};

/** How long a browser may keep `path` (relative to the site) without asking:
 *  for good where the name changes with the content (the served standard
 *  library's folder is named by its version, trunk's file names and the
 *  runtime's cold tables carry a hash), otherwise it must ask each time
 *  (answered 304 when unchanged). */
function cacheControl(path) {
  const versioned = path.startsWith("/stdlib/") || path.startsWith("/cold/") || /-[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/.test(path);
  return versioned ? "public, max-age=31536000, immutable" : "no-cache";
}

/** Serves `dir` (under the URL path `prefix`, as a host serving a site from
 *  a sub-path does); resolves to { url, requests, refuse(path), close() },
 *  `requests` what was asked for, in order: { path (relative to the site,
 *  with a leading "/"), status, bytes (of the body sent) }. `refuse(path)`
 *  answers every request under that site path with 503 from then on, as a
 *  host gone away would (`refuse(null)` serves again). */
export async function serve(dir, { port = 0, isolation = true, prefix = "/" } = {}) {
  const root = resolve(dir);
  const requests = [];
  let refused = null;
  const server = createServer(async (req, res) => {
    const full = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const logged = { path: full.startsWith(prefix) ? "/" + full.slice(prefix.length) : full, status: 0, bytes: 0 };
    requests.push(logged);
    const send = (status, headers, body) => {
      Object.assign(logged, { status, bytes: body?.length ?? 0 });
      res.writeHead(status, headers).end(body);
    };
    if (!full.startsWith(prefix)) {
      send(404, { "Content-Type": "text/plain" }, "not found");
      return;
    }
    const path = "/" + full.slice(prefix.length);
    if (refused !== null && path.startsWith(refused)) {
      send(503, { "Content-Type": "text/plain" }, "refused");
      return;
    }
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      send(403, {});
      return;
    }
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, "index.html");
        info = await stat(file);
      }
      const headers = { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Cache-Control": cacheControl(path) };
      const accepted = req.headers["accept-encoding"] ?? "";
      // A validator, so that a browser's "no-cache" revisit costs a 304, as on a real host.
      const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}${accepted.includes("br") ? "-br" : ""}"`;
      headers["ETag"] = etag;
      headers["Vary"] = "Accept-Encoding";
      if (isolation) {
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      }
      if (req.headers["if-none-match"] === etag) {
        send(304, headers);
        return;
      }
      // A precompressed twin (web/pack-dist.mjs) if the browser takes it, as static hosts do.
      let body = null;
      for (const [encoding, suffix] of [["br", ".br"], ["gzip", ".gz"]]) {
        if (body === null && accepted.includes(encoding)) {
          body = await readFile(file + suffix).catch(() => null);
          if (body !== null) headers["Content-Encoding"] = encoding;
        }
      }
      body ??= await readFile(file);
      send(200, headers, body);
    } catch {
      send(404, { "Content-Type": "text/plain" }, "not found");
    }
  });
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${server.address().port}${prefix}`,
    requests,
    refuse: (path) => {
      refused = path;
    },
    close: () => new Promise((ok) => server.close(ok)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = "../../dist", port = "8080"] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const { url } = await serve(dir, { port: Number(port), isolation: !process.argv.includes("--no-isolation") });
  console.log(`serving ${dir} at ${url}`);
}
