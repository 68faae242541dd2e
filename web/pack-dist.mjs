// Finishes a built dist/ for hosting:
// 1. drops the function-name section of the rank runtime (mpi-worker_bg.wasm):
//    a fifth of its bytes, used only to name wasm frames in JS stack traces
//    (a rank's panic message keeps its file and line);
// 2. writes NAME.br and NAME.gz beside every compressible file (wasm, js,
//    css, html), so that a host (or tests/browser/serve.mjs) sends the
//    smallest encoding a browser accepts without compressing on the fly.
//   node web/pack-dist.mjs DIST [--quick]
// --quick: brotli quality 5 instead of 11, for a dist/ only the tests load
// (2 s instead of 2 minutes for the rank runtime; about 14% larger).
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, extname } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const COMPRESSIBLE = new Set([".wasm", ".js", ".mjs", ".css", ".html", ".json", ".svg", ".txt", ".py"]);

async function files(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else if (COMPRESSIBLE.has(extname(entry.name))) out.push(path);
  }
  return out;
}

/** `wasm` without its custom sections named `drop` (the module stays valid:
 *  custom sections never affect what it does). */
function withoutCustomSections(wasm, drop) {
  const kept = [wasm.subarray(0, 8)];
  let at = 8;
  const leb = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = wasm[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return value;
    }
  };
  while (at < wasm.length) {
    const start = at;
    const id = wasm[at++];
    const size = leb();
    const body = at;
    at = body + size;
    if (id === 0) {
      const save = at;
      at = body;
      const nameLength = leb();
      const name = new TextDecoder().decode(wasm.subarray(at, at + nameLength));
      at = save;
      if (drop.includes(name)) continue;
    }
    kept.push(wasm.subarray(start, at));
  }
  return Buffer.concat(kept);
}

const [dist, ...flags] = process.argv.slice(2);
if (!dist || flags.some((f) => f !== "--quick")) {
  console.error("usage: node web/pack-dist.mjs DIST [--quick]");
  process.exit(2);
}
const quality = flags.includes("--quick") ? 5 : 11;
const runtime = join(dist, "mpi-worker_bg.wasm");
const full = await readFile(runtime);
const stripped = withoutCustomSections(full, ["name"]);
await writeFile(runtime, stripped);
console.log(`pack-dist: rank runtime ${(full.length / 1e6).toFixed(1)} MB -> ${(stripped.length / 1e6).toFixed(1)} MB without names`);
// The page (what a browser loads before the first Run), apart from the
// standard library modules served for ranks to fetch on first import.
const stdlib = join(dist, "stdlib");
const totals = { page: { raw: 0, br: 0, files: 0 }, stdlib: { raw: 0, br: 0, files: 0 } };
for (const path of await files(dist)) {
  const body = await readFile(path);
  const brotli = brotliCompressSync(body, {
    // The largest window: the rank runtime is tens of MB of similar code.
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  await writeFile(`${path}.br`, brotli);
  await writeFile(`${path}.gz`, gzipSync(body, { level: 9 }));
  const total = totals[path.startsWith(stdlib) ? "stdlib" : "page"];
  total.raw += body.length;
  total.br += brotli.length;
  total.files += 1;
}
const mb = (n) => (n / 1e6).toFixed(1);
console.log(`pack-dist (brotli quality ${quality}): the page ${mb(totals.page.raw)} MB -> ${mb(totals.page.br)} MB; ` +
  `stdlib/, fetched on import: ${totals.stdlib.files} files, ${mb(totals.stdlib.raw)} MB -> ${mb(totals.stdlib.br)} MB`);
