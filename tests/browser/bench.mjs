// Browser figures for `cargo xtask bench`, in headless Chromium: the bench/
// scripts through mpiPlayground.run (median of --repeat runs per figure), cold
// and repeat page load -> ready and the bytes each downloads, what the page
// fetches into the cache once ready, the download of a first Run, warm Run ->
// every rank printed hello (4 and 16 ranks), 64 ranks hello end to end, and
// the rank wasm's size raw / gzip / brotli; p2p.py again while the run
// records its timeline (figures `*_recording`).
// Prints a table, and with --out FILE writes `name value unit` lines.
//
//   node bench.mjs [--dist DIR] [--repeat N] [--out FILE]
import { readFile, writeFile } from "node:fs/promises";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./serve.mjs";
import { prefetchedFiles } from "./prefetched.mjs";
import { launch } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const dist = resolve(option("--dist", join(repo, "dist")));
const repeat = Number(option("--repeat", "5"));
const outPath = option("--out", "");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const figures = {};
const record = (name, values, unit) => (figures[name] = { value: median(values), unit, runs: values.length });

/** Runs a bench script `repeat` times; returns { name: [values] } of its BENCH lines. */
async function benchScript(page, file, ranks, suffix = "") {
  const source = await readFile(join(repo, "bench", file), "utf8");
  const seen = {};
  for (let r = 0; r < repeat; r++) {
    const result = await page.evaluate(([s, ranks, path]) => window.mpiPlayground.run(s, { ranks, path, timeoutMs: 300000 }), [source, ranks, file]);
    if (result.status !== "ok") throw new Error(`${file}: ${result.status}: ${result.report}\n${result.ranks[0].stderr}`);
    for (const line of result.ranks[0].stdout.split("\n")) {
      const m = /^BENCH (\S+) (\S+) (\S+)$/.exec(line);
      if (m) (seen[m[1]] ??= { unit: m[3], values: [] }).values.push(Number(m[2]));
    }
  }
  for (const [name, { unit, values }] of Object.entries(seen)) record(name + suffix, values, unit);
}

/** Warm Run of hello on `ranks`: time until every rank printed, and until the run ended. */
const helloRun = (page, ranks, source) =>
  page.evaluate(
    async ([source, ranks]) => {
      const seen = new Set();
      let printed = 0;
      const t0 = performance.now();
      const result = await window.mpiPlayground.run(source, {
        ranks,
        onOutput: (lines) => {
          for (const l of lines) seen.add(l.rank);
          if (seen.size === ranks && !printed) printed = performance.now() - t0;
        },
      });
      return { printed, total: performance.now() - t0, status: result.status };
    },
    [source, ranks],
  );

async function main() {
  const wasm = await readFile(join(dist, "mpi-worker_bg.wasm"));
  const server = await serve(dist);
  // Cold: a fresh browser profile, nothing cached. Counted are the bytes the
  // server sent (brotli where the browser takes it, as a host sends them)
  // until the page is ready to run, and, for the first visit, then until a
  // first Run of hello.py on 4 ranks ended. Repeat visits: the same
  // profile opens the page again, a few seconds after the previous visit
  // was ready (as a person who comes back), with the HTTP cache and V8's
  // compiled-code cache of the rank runtime warm.
  const cold = [];
  const coldBytes = [];
  const repeatVisits = [];
  const repeatBytes = [];
  const hello = await readFile(join(repo, "bench/hello.py"), "utf8");
  // What the page fetches into the cache once it is ready (the modules of an
  // uncaught exception's report and of a first open(), the runtime's cold
  // tables) is counted apart: it is downloaded after the page is ready,
  // while a first Run may be going on.
  const prefetched = await prefetchedFiles(dist);
  const bytes = (requests) => requests.reduce((sum, r) => sum + r.bytes, 0);
  const sentSince = (start) => bytes(server.requests.slice(start).filter((r) => !prefetched.includes(r.path)));
  const sentAfterReady = () => bytes(server.requests.filter((r) => prefetched.includes(r.path)));
  const visit = async (page) => {
    const start = server.requests.length;
    const t0 = Date.now();
    await page.goto(server.url);
    await page.waitForFunction(() => window.mpiPlayground !== undefined);
    await page.evaluate(() => window.mpiPlayground.ready);
    return { ms: Date.now() - t0, bytes: sentSince(start) };
  };
  for (let i = 0; i < Math.min(repeat, 3); i++) {
    const context = await launch();
    const page = context.pages()[0] ?? (await context.newPage());
    const first = await visit(page);
    cold.push(first.ms);
    coldBytes.push(first.bytes / 1e6);
    const start = server.requests.length;
    const run = await page.evaluate((s) => window.mpiPlayground.run(s, { ranks: 4 }), hello);
    if (run.status !== "ok") throw new Error(`the first run failed: ${run.report}`);
    if (i === 0) {
      record("first_run_download", [sentSince(start) / 1e6], "MB");
      record("page_download_after_ready", [sentAfterReady() / 1e6], "MB");
    }
    for (let v = 0; v < 2; v++) {
      await page.waitForTimeout(3000);
      const again = await visit(page);
      repeatVisits.push(again.ms);
      repeatBytes.push(again.bytes / 1e6);
    }
    await context.close();
  }
  record("page_load_to_ready", cold, "ms");
  record("page_download_to_ready", coldBytes, "MB");
  record("page_repeat_visit_to_ready", repeatVisits, "ms");
  record("page_repeat_visit_download", repeatBytes, "MB");

  const context = await launch();
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(server.url);
  await page.waitForFunction(() => window.mpiPlayground !== undefined);
  await page.evaluate(() => window.mpiPlayground.ready);
  for (const ranks of [4, 16]) {
    await page.evaluate((n) => window.mpiPlayground.warm(n), ranks);
    const times = [];
    for (let r = 0; r < repeat + 1; r++) {
      await page.waitForTimeout(500); // the pool re-warms between runs, as between a person's clicks
      const t = await helloRun(page, ranks, hello);
      if (t.status !== "ok") throw new Error(`hello on ${ranks} ranks: ${t.status}`);
      if (r > 0) times.push(t.printed); // the first run also starts the extra workers
    }
    record(`warm_run_hello_${ranks}_ranks_printed`, times, "ms");
  }
  const big = [];
  for (let r = 0; r < Math.min(repeat, 3); r++) {
    await page.evaluate(() => window.mpiPlayground.warm(4));
    await page.waitForTimeout(500);
    const t = await helloRun(page, 64, hello);
    if (t.status !== "ok") throw new Error("hello on 64 ranks failed");
    big.push(t.total);
  }
  record("hello_64_ranks_end_to_end", big, "ms");
  await page.evaluate(() => window.mpiPlayground.warm(4));

  await benchScript(page, "p2p.py", 2);
  await benchScript(page, "collectives.py", 4);
  await benchScript(page, "loop.py", 2);
  await benchScript(page, "pool.py", 1);
  await benchScript(page, "numpy_ops.py", 2);
  // Again while the run records its timeline (as with the Messages panel open).
  await page.evaluate(() => window.mpiPlayground.record(true));
  await benchScript(page, "p2p.py", 2, "_recording");
  await page.evaluate(() => window.mpiPlayground.record(false));
  await context.close();
  await server.close();

  // What a browser downloads: the precompressed twins web/pack-dist.mjs wrote
  // (computed here if the dist has none).
  const twin = async (suffix, compress) => (await readFile(join(dist, `mpi-worker_bg.wasm${suffix}`)).catch(() => compress(wasm))).length;
  figures.wasm_raw = { value: wasm.length / 1e6, unit: "MB", runs: 1 };
  figures.wasm_gzip = { value: (await twin(".gz", (w) => gzipSync(w, { level: 9 }))) / 1e6, unit: "MB", runs: 1 };
  const brotli = (w) => brotliCompressSync(w, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  figures.wasm_brotli = { value: (await twin(".br", brotli)) / 1e6, unit: "MB", runs: 1 };
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(40)} ${v.value.toFixed(2).padStart(10)} ${v.unit}`);
  if (outPath) await writeFile(outPath, Object.entries(figures).map(([k, v]) => `${k} ${v.value} ${v.unit}\n`).join(""));
}

await main();
