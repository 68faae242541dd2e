// Figures of the browser runtime in headless Chromium (printed, not asserted):
// page load -> ready, warm Run -> every rank printed hello (4 ranks),
// small-object ping-pong half round trip, 16 MiB bytes ping-pong bandwidth,
// 64 ranks hello end to end, and the rank wasm's size raw / gzip / brotli.
//
//   node measure.mjs [--dist DIR] [--repeat N]     (median of N, default 5)
import { readFile } from "node:fs/promises";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./serve.mjs";
import { launch } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const dist = resolve(option("--dist", join(here, "../../dist")));
const repeat = Number(option("--repeat", "5"));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const HELLO = 'from mpi4py import MPI\nprint("hello from rank", MPI.COMM_WORLD.rank)\n';
const PINGPONG = `
from mpi4py import MPI
comm = MPI.COMM_WORLD
n = 2000
comm.barrier()
t = MPI.Wtime()
for i in range(n):
    if comm.rank == 0:
        comm.send(i, dest=1)
        comm.recv(source=1)
    else:
        comm.recv(source=0)
        comm.send(i, dest=0)
if comm.rank == 0:
    print((MPI.Wtime() - t) / n / 2 * 1e6)
`;
const BANDWIDTH = `
from mpi4py import MPI
comm = MPI.COMM_WORLD
data = bytes(16 << 20)
reps = 8
comm.barrier()
t = MPI.Wtime()
for i in range(reps):
    if comm.rank == 0:
        comm.send(data, dest=1)
        data = comm.recv(source=1)
    else:
        data = comm.recv(source=0)
        comm.send(data, dest=0)
if comm.rank == 0:
    print(2 * reps * len(data) / (MPI.Wtime() - t) / 1e6)
`;

async function main() {
  const wasm = await readFile(join(dist, "mpi-worker_bg.wasm"));
  const gz = gzipSync(wasm, { level: 9 }).length;
  const br = brotliCompressSync(wasm, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const server = await serve(dist);
  const figures = {};
  const loads = [];
  for (let i = 0; i < Math.max(1, Math.min(repeat, 3)); i++) {
    const context = await launch();
    const page = context.pages()[0] ?? (await context.newPage());
    const t0 = Date.now();
    await page.goto(server.url);
    await page.waitForFunction(() => window.mpiPlayground !== undefined);
    await page.evaluate(() => window.mpiPlayground.ready);
    loads.push(Date.now() - t0);
    if (i > 0) {
      await context.close();
      continue;
    }
    const warmRun = async (ranks) =>
      page.evaluate(
        async ([source, ranks]) => {
          const seen = new Set();
          let last = 0;
          const t0 = performance.now();
          const result = await window.mpiPlayground.run(source, {
            ranks,
            onOutput: (lines) => {
              for (const l of lines) seen.add(l.rank);
              if (seen.size === ranks && !last) last = performance.now() - t0;
            },
          });
          return { printed: last, total: performance.now() - t0, status: result.status };
        },
        [HELLO, ranks],
      );
    const hello4 = [];
    for (let r = 0; r < repeat; r++) {
      await page.evaluate(() => new Promise((ok) => setTimeout(ok, 300))); // let the pool re-warm
      hello4.push((await warmRun(4)).printed);
    }
    figures["warm Run -> all 4 ranks printed hello (ms)"] = median(hello4);
    const scalar = async (source) => {
      const xs = [];
      for (let r = 0; r < repeat; r++) {
        const result = await page.evaluate(([s]) => window.mpiPlayground.run(s, { ranks: 2 }), [source]);
        if (result.status !== "ok") throw new Error(result.report);
        xs.push(Number(result.ranks[0].stdout));
      }
      return median(xs);
    };
    figures["ping-pong small object, half round trip (us)"] = await scalar(PINGPONG);
    figures["ping-pong 16 MiB bytes, bandwidth (MB/s)"] = await scalar(BANDWIDTH);
    const big = [];
    for (let r = 0; r < Math.min(repeat, 3); r++) {
      const t = await warmRun(64);
      if (t.status !== "ok") throw new Error("64 ranks failed");
      big.push(t.total);
    }
    figures["64 ranks hello, end to end (ms)"] = median(big);
    await context.close();
  }
  figures["page load -> ready, fresh browser profile (ms)"] = median(loads);
  figures["rank wasm raw (MB)"] = wasm.length / 1e6;
  figures["rank wasm gzip -9 (MB)"] = gz / 1e6;
  figures["rank wasm brotli -q11 (MB)"] = br / 1e6;
  await server.close();
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(52)} ${v.toFixed(2)}`);
}

await main();
