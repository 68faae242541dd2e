// The fixture suite in a real browser: every tutorial example
// (tests/examples, with its manifest and mpi4py's recorded output), every
// API fixture (tests/fixtures/api) and every multiprocessing fixture
// (tests/fixtures/multiprocessing) runs through window.mpiPlayground.run on
// the built page in headless Chromium, and is checked exactly as the native
// runner's fixture test checks it (crates/mpi-runner/tests/fixtures.rs):
// each rank's stdout lines against mpi4py's, and how the run ended. Then the
// browser's own duties: Stop ends an endless loop, a time limit ends a run, a
// failing rank is named with its traceback, the next Run needs no reload,
// time.sleep sleeps, large messages arrive intact, a run's files are its own
// and bounded by its heap, output floods stay bounded.
//
//   node run-fixtures.mjs [--dist DIR] [--filter TEXT]
//
// Exits non-zero if any case fails. Prints a few timings (not asserted).
import { readFile, readdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { serve } from "./serve.mjs";
import { prefetchedFiles } from "./prefetched.mjs";
import { launch } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const dist = resolve(option("--dist", join(repo, "dist")));
const filter = option("--filter", "");
/** What the page fetches into the browser's cache once it is ready. */
const prefetched = await prefetchedFiles(dist);

/** `[rank] text` lines grouped by rank, in order (as fixtures.rs's per_rank). */
function perRank(text) {
  const ranks = new Map();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const m = /^\[(\d+)\] ?(.*)$/.exec(line);
    if (!m) throw new Error(`expected output line without a [rank] label: ${JSON.stringify(line)}`);
    const r = Number(m[1]);
    if (!ranks.has(r)) ranks.set(r, []);
    ranks.get(r).push(m[2]);
  }
  return ranks;
}

const linesOf = (text) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));

/** The one check, as in fixtures.rs: how the run ended, then each rank's lines. */
function check(result, ranks, expected, expect, cycle) {
  const context = () =>
    `\n--- status ${result.status}: ${result.report}\n` +
    result.ranks.map((r) => `--- rank ${r.rank} (exit ${r.exitCode})\n${r.stdout}${r.stderr}`).join("");
  if (expect === "ok" && result.status !== "ok") throw new Error(`expected a clean run${context()}`);
  if (expect === "deadlock") {
    if (result.status !== "deadlock") throw new Error(`expected a deadlock${context()}`);
    const cycleLine = result.report.split("\n").find((l) => l.startsWith("wait-for cycle:")) ?? "";
    for (const r of cycle) {
      if (!cycleLine.includes(`rank ${r}`)) throw new Error(`deadlock report does not name rank ${r} in its cycle${context()}`);
    }
  }
  if (expect === "error" && result.status !== "error") throw new Error(`expected a failing rank${context()}`);
  const want = perRank(expected);
  for (let r = 0; r < ranks; r++) {
    const got = linesOf(result.ranks[r]?.stdout ?? "");
    const w = want.get(r) ?? [];
    if (JSON.stringify(got) !== JSON.stringify(w)) {
      throw new Error(`rank ${r} printed\n  ${JSON.stringify(got)}\nbut mpi4py printed\n  ${JSON.stringify(w)}${context()}`);
    }
  }
}

async function fixtureCases() {
  const cases = [];
  for (const [prefix, examples] of [
    ["examples", join(repo, "tests/examples")],
    ["numpy_examples", join(repo, "tests/examples/numpy")],
    ["lessons", join(repo, "tests/examples/lessons")],
  ]) {
  const manifest = parseToml(await readFile(join(examples, "manifest.toml"), "utf8"));
  for (const e of manifest.example) {
    cases.push({
      name: `${prefix}::${e.name}`,
      path: `${e.name}.py`,
      source: await readFile(join(examples, `${e.name}.py`), "utf8"),
      ranks: e.ranks,
      expected: await readFile(join(examples, "expected", `${e.name}.txt`), "utf8"),
      expect: e.expect,
      cycle: e.cycle ?? [],
    });
  }
  }
  for (const suite of ["api", "multiprocessing", "numpy"]) {
    const dir = join(repo, "tests/fixtures", suite);
    for (const file of (await readdir(dir)).filter((f) => f.endsWith(".py")).sort()) {
      const source = await readFile(join(dir, file), "utf8");
      // A fixture that needs what a browser run lacks says so on its second line.
      if (/^# browser: skip/m.test(source)) continue;
      const ranks = Number(/^# ranks:\s*(\d+)/m.exec(source)?.[1]);
      if (!ranks) throw new Error(`${file} lacks a '# ranks: N' line`);
      cases.push({
        name: `${suite}::${file.replace(/\.py$/, "")}`,
        path: file,
        source,
        ranks,
        expected: await readFile(join(dir, file.replace(/\.py$/, ".txt")), "utf8"),
        expect: "ok",
        cycle: [],
      });
    }
  }
  return cases;
}

/** Runs a script in the page and returns the result plus the wall time seen by the test. */
async function run(page, source, options) {
  return page.evaluate(
    async ([source, options]) => {
      const t0 = performance.now();
      const result = await window.mpiPlayground.run(source, options);
      result.wallMs = performance.now() - t0;
      return result;
    },
    [source, options],
  );
}

function expectThat(condition, message, result) {
  if (!condition) {
    const detail = result ? `\n--- status ${result.status}: ${result.report}\n${JSON.stringify(result.ranks, null, 1).slice(0, 4000)}` : "";
    throw new Error(message + detail);
  }
}

/** Both ranks send pickled objects before they receive, growing the object until the exchange blocks. */
const BOTH_SEND_FIRST = [
  "from mpi4py import MPI",
  "comm = MPI.COMM_WORLD",
  "other = 1 - comm.rank",
  "for n in (1, 100, 10000, 1000000):",
  "    comm.send(b'x' * n, dest=other)",
  "    comm.recv(source=other)",
  "    if comm.rank == 0:",
  "        print(n, flush=True)",
].join("\n");

/** The browser's own duties, beyond matching mpi4py's output. */
const browserCases = [
  {
    name: "browser::eager_limit_decides_which_sends_wait_for_their_receive",
    async run(page) {
      const mpich = await run(page, BOTH_SEND_FIRST, { ranks: 2 });
      expectThat(mpich.status === "deadlock" && mpich.ranks[0].stdout === "1\n100\n", "MPICH's limit: 10000 bytes block", mpich);
      expectThat(/rank 0 is blocked in send of \d+ bytes to rank 1 \(tag=0, comm=COMM_WORLD\), which waits for a matching receive because it is larger than the 8255-byte eager limit/.test(mpich.report), "the report says why the send waits", mpich);
      const sync = await run(page, BOTH_SEND_FIRST, { ranks: 2, eagerLimit: 0 });
      expectThat(sync.status === "deadlock" && sync.ranks[0].stdout === "", "limit 0: the first send blocks", sync);
      const buffered = await run(page, BOTH_SEND_FIRST, { ranks: 2, eagerLimit: "unlimited" });
      expectThat(buffered.status === "ok" && buffered.ranks[0].stdout === "1\n100\n10000\n1000000\n", "unlimited: every send is buffered", buffered);
      const bad = await page.evaluate(async (src) => {
        try {
          await window.mpiPlayground.run(src, { ranks: 2, eagerLimit: -5 });
          return "no error";
        } catch (e) {
          return String(e.message ?? e);
        }
      }, BOTH_SEND_FIRST);
      expectThat(bad.includes("options.eagerLimit must be a number of bytes"), `a bad eagerLimit is refused: ${bad}`);
    },
  },
  {
    name: "browser::stop_ends_an_endless_loop",
    async run(page) {
      const stopped = await page.evaluate(async () => {
        const pending = window.mpiPlayground.run("while True:\n    pass\n", { ranks: 2 });
        await new Promise((ok) => setTimeout(ok, 500));
        const t0 = performance.now();
        window.mpiPlayground.stop();
        const result = await pending;
        result.stopMs = performance.now() - t0;
        return result;
      });
      expectThat(stopped.status === "stopped", "Stop did not stop the run", stopped);
      expectThat(stopped.stopMs < 1000, `Stop took ${stopped.stopMs} ms`, stopped);
      expectThat(stopped.report.includes("ranks 0, 1 were still running"), "the report names the running ranks", stopped);
      const next = await run(page, "from mpi4py import MPI\nprint(MPI.COMM_WORLD.rank)\n", { ranks: 2 });
      expectThat(next.status === "ok" && next.ranks[1].stdout === "1\n", "the next run after Stop failed", next);
    },
  },
  {
    name: "browser::time_limit_ends_a_run",
    async run(page) {
      const r = await run(page, "import sys\nprint('started', flush=True)\nwhile True:\n    pass\n", { ranks: 1, timeoutMs: 400 });
      expectThat(r.status === "timeout", "expected a timeout", r);
      expectThat(r.report.includes("timed out after 0.4 s"), "the report gives the limit", r);
      expectThat(r.ranks[0].stdout === "started\n", "output before the timeout is kept", r);
    },
  },
  {
    name: "browser::a_failing_rank_is_named_with_its_traceback",
    async run(page) {
      const source = "from mpi4py import MPI\ncomm = MPI.COMM_WORLD\nif comm.rank == 1:\n    1 / 0\ncomm.recv(source=1)\n";
      const r = await run(page, source, { ranks: 3 });
      expectThat(r.status === "error", "expected an error", r);
      expectThat(r.report.startsWith("rank 1 raised an exception (ZeroDivisionError: division by zero)"), "report names rank 1", r);
      expectThat(r.error && r.error.rank === 1, "error.rank is 1", r);
      expectThat(r.ranks[1].stderr.includes('File "script.py", line 4'), "the traceback names the line", r);
      expectThat(r.ranks[1].exitCode === 1, "rank 1 exit code 1", r);
    },
  },
  {
    // A rank's uncaught exception is reported by `traceback`, which the page
    // fetches into the browser's cache as soon as it is ready, with all it
    // imports (crates/mpi-python/stdlib/prefetched.txt): from then on a
    // report needs nothing from the network. The host here refuses the whole
    // library; the report must still be traceback's, with no request made.
    name: "browser::the_report_of_an_uncaught_exception_needs_no_network_once_the_page_is_ready",
    async run(page, server) {
      await waitUntilCached(page, prefetched);
      const source =
        "import sys\n" +
        "from mpi4py import MPI\n" +
        "if MPI.COMM_WORLD.rank == 1:\n" +
        "    raise MPI.Exception(MPI.ERR_ARG)\n" +
        "import traceback\n" +
        "print(sorted(name for name, module in sys.modules.items()\n" +
        "             if type(getattr(module, '__loader__', None)).__name__ == 'ServedStdlibLoader'))\n";
      const { r, reached } = await runRefusing(page, server, "/stdlib/", source, { ranks: 2 });
      expectThat(reached.length === 0, `the run asked the host for library files: ${reached.join(", ")}`, r);
      expectThat(r.status === "error" && r.error?.rank === 1, "rank 1's exception ends the run", r);
      // traceback's own report names the exception by its module-qualified class.
      const report = r.ranks[1].stderr;
      expectThat(report.includes('File "script.py", line 4, in <module>') && report.includes("\nmpi4py.MPI.Exception: "), "rank 1's report is traceback's", r);
      expectThat(r.ranks[0].stdout.includes("'traceback'"), "traceback came from the served library (the cache)", r);
    },
  },
  {
    // The runtime's cold tables (web/pack-dist.mjs) come back at the first
    // reader in each worker: the CJK codecs' at their modules' import, the
    // Unicode names at any of their four readers. The script's ranks each
    // start at a different one (the names only in strings the parser never
    // sees: a rank compiling `\N{...}` would fetch them at once).
    name: "browser::the_cold_tables_come_back_at_their_first_reader_and_a_failed_fetch_says_so",
    async run(page, server) {
      const cjk = "print('中文'.encode('gbk').hex(), b'\\x93\\xfa\\x96\\x7b'.decode('shift_jis'))\n";
      const names =
        "from mpi4py import MPI\n" +
        "r = MPI.COMM_WORLD.rank\n" +
        "try:\n" +
        "    if r == 0: out = eval('\"\\\\' + 'N{EM DASH}\"')\n" +
        "    elif r == 1:\n" +
        "        import unicodedata\n" +
        "        out = unicodedata.name('\\u2014')\n" +
        "    elif r == 2: out = 'x\\u2014'.encode('ascii', 'namereplace')\n" +
        "    else: out = b'\\\\N{EM DASH}'.decode('unicode_escape')\n" +
        "    print(ascii(out))\n" +
        "except Exception as e:\n" +
        "    print(type(e).__name__, e)\n";
      const named = ["'\\u2014'\n", "'EM DASH'\n", "b'x\\\\N{EM DASH}'\n", "'\\u2014'\n"];
      // This page cached the tables once it was ready: ranks take them from the cache.
      await waitUntilCached(page, prefetched);
      const { r, reached } = await runRefusing(page, server, "/cold/", cjk, { ranks: 2 });
      expectThat(reached.length === 0, `the run asked the host for cold tables: ${reached.join(", ")}`, r);
      expectThat(r.status === "ok" && r.ranks.every((k) => k.stdout === "d6d0cec4 日本\n"), "both ranks encode and decode", r);
      const n = await runRefusing(page, server, "/cold/", names, { ranks: 4 });
      expectThat(n.reached.length === 0, `the run asked the host for cold tables: ${n.reached.join(", ")}`, n.r);
      expectThat(n.r.status === "ok" && n.r.ranks.every((k, i) => k.stdout === named[i]), "each reader finds the names", n.r);
      // A fresh browser whose page could not fetch them: each reader says
      // why (none reads the zeros in their place), and once the host serves
      // them again the same page's ranks take them.
      server.refuse("/cold/");
      const fresh = await launch();
      try {
        const other = fresh.pages()[0] ?? (await fresh.newPage());
        await openUntilReady(other, server.url);
        const failed = await run(other, "import _codecs_cn\n", { ranks: 1 });
        const why = "ImportError: No module named '_codecs_cn': its tables could not be fetched from the page (HTTP 503";
        expectThat(failed.status === "error" && failed.ranks[0].stderr.includes(why), "the import says the tables could not be fetched", failed);
        const unnamed = await run(other, names, { ranks: 4 });
        const out = unnamed.ranks.map((k) => k.stdout);
        const fetchFailed = "could not be fetched from the page (HTTP 503";
        expectThat(unnamed.status === "ok" && out[0].startsWith("SyntaxError ") &&
          out[1].startsWith(`ImportError No module named 'unicodedata': its tables ${fetchFailed}`) &&
          out.slice(2).every((o) => o.startsWith(`OSError the Unicode character names ${fetchFailed}`)), "each reader says the names could not be fetched", unnamed);
        server.refuse(null);
        const again = await run(other, cjk, { ranks: 1 });
        expectThat(again.status === "ok" && again.ranks[0].stdout === "d6d0cec4 日本\n", "fetched once the host serves them", again);
        const back = await run(other, names, { ranks: 4 });
        expectThat(back.status === "ok" && back.ranks.every((k, i) => k.stdout === named[i]), "each reader fetches the names", back);
      } finally {
        server.refuse(null);
        await fresh.close();
      }
    },
  },
  {
    name: "browser::a_fetched_stdlib_module_quotes_its_lines_and_an_unserved_one_is_not_found",
    async run(page) {
      const bad = await run(page, "import json\njson.loads('{')\n", { ranks: 1 });
      expectThat(bad.status === "error", "expected an error", bad);
      const traceback = bad.ranks[0].stderr;
      expectThat(/File "\/lib\/python3\.\d+\/json\/decoder\.py", line \d+, in raw_decode\n +obj, end = self\.scan_once\(s, idx\)/.test(traceback), "the traceback names json's file and quotes its line", bad);
      expectThat(traceback.includes("json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"), "json's own error", bad);
      const missing = await run(page, "import tkinter\n", { ranks: 1 });
      expectThat(missing.status === "error" && missing.ranks[0].stderr.includes("ModuleNotFoundError: No module named 'tkinter'"), "a module the page does not serve is not found", missing);
    },
  },
  {
    name: "browser::syntax_error_names_rank_and_line",
    async run(page) {
      const r = await run(page, "print('a')\nif True\n    pass\n", { ranks: 2 });
      expectThat(r.status === "error", "expected an error", r);
      expectThat(r.error && /line 2/.test(r.error.traceback) && /SyntaxError/.test(r.error.traceback), "SyntaxError at line 2", r);
      expectThat(/^rank \d raised an exception \(SyntaxError/.test(r.report), "the report names the rank", r);
    },
  },
  {
    name: "browser::sleep_and_wtime",
    async run(page) {
      const source = [
        "import time",
        "from mpi4py import MPI",
        "t0 = time.monotonic(); w0 = MPI.Wtime()",
        "time.sleep(0.25)",
        "slept = time.monotonic() - t0",
        "print(0.24 <= slept < 1.0, 0.24 <= MPI.Wtime() - w0 < 1.0, MPI.Wtime() < 60)",
        "import os, random",
        "print(type(os.getpid()).__name__, 0 <= random.random() < 1)",
      ].join("\n");
      const r = await run(page, source, { ranks: 2 });
      expectThat(r.status === "ok", "script failed", r);
      for (const rank of r.ranks) expectThat(rank.stdout === "True True True\nint True\n", `rank ${rank.rank} printed ${rank.stdout}`, r);
    },
  },
  {
    name: "browser::large_messages_arrive_intact",
    async run(page) {
      const source = [
        "from mpi4py import MPI",
        "import zlib",
        "comm = MPI.COMM_WORLD",
        "n = 256 << 20",
        "if comm.rank == 0:",
        "    data = bytearray(n)",
        "    for i in range(0, n, 4096): data[i] = i // 4096 % 251",
        "    comm.Send(data, dest=1, tag=3)",
        "    print(zlib.crc32(data))",
        "else:",
        "    data = bytearray(n)",
        "    comm.Recv(data, source=0, tag=3)",
        "    print(zlib.crc32(data))",
        "    small = comm.recv(source=0, tag=4)",
        "    print(small)",
        "if comm.rank == 0:",
        "    comm.send({'k': [1, 2, 3]}, dest=1, tag=4)",
      ].join("\n");
      const r = await run(page, source, { ranks: 2, timeoutMs: 120000 });
      expectThat(r.status === "ok", "256 MiB send failed", r);
      expectThat(r.ranks[0].stdout === linesOf(r.ranks[1].stdout)[0] + "\n", "checksums differ", r);
      expectThat(linesOf(r.ranks[1].stdout)[1] === "{'k': [1, 2, 3]}", "small message after the large one", r);
      console.log(`    256 MiB Send/Recv run: ${r.elapsedMs.toFixed(0)} ms`);
    },
  },
  {
    name: "browser::files_are_the_runs_own_and_bounded_by_its_quota",
    async run(page) {
      // Each run starts from an empty file system (the run_files fixture
      // before this left nothing either way); a process sees the ranks'
      // files; a write past the run's 256 MiB quota is ENOSPC in the rank
      // that wrote, which goes on, and the run ends cleanly.
      const source = [
        "import os",
        "import multiprocessing as mp",
        "def child(path):",
        "    with open(path, 'a') as f:",
        "        f.write('and a process\\n')",
        "if __name__ == '__main__':",
        "    from mpi4py import MPI",
        "    comm = MPI.COMM_WORLD",
        "    print(sorted(os.listdir('/')), os.listdir('/tmp'), os.getcwd())",
        "    comm.Barrier()",
        "    if comm.rank == 1:",
        "        try:",
        "            with open('/tmp/big', 'wb') as f:",
        "                for _ in range(17):",
        "                    f.write(bytes(16 << 20))",
        "        except OSError as e:",
        "            print(type(e).__name__, e.errno, e.strerror)",
        "        os.remove('/tmp/big')",
        "        with open('/tmp/after', 'w') as f:",
        "            f.write('rank 1 wrote\\n')",
        "        p = mp.Process(target=child, args=('/tmp/after',))",
        "        p.start()",
        "        p.join()",
        "    comm.Barrier()",
        "    print(open('/tmp/after').read().splitlines())",
      ].join("\n");
      for (let round = 0; round < 2; round++) {
        const r = await run(page, source, { ranks: 3 });
        expectThat(r.status === "ok", "the run did not end cleanly", r);
        const seen = "['tmp'] [] /";
        const after = "['rank 1 wrote', 'and a process']";
        for (const rank of r.ranks) {
          const want = rank.rank === 1 ? [seen, "OSError 28 No space left on device", after] : [seen, after];
          expectThat(JSON.stringify(linesOf(rank.stdout)) === JSON.stringify(want), `rank ${rank.rank} printed ${rank.stdout}`, r);
        }
      }
    },
  },
  {
    name: "browser::an_output_flood_stays_bounded_and_whole",
    async run(page) {
      const r = await run(page, "for i in range(100000):\n    print(i)\n", { ranks: 2 });
      expectThat(r.status === "ok", "flood run failed", r);
      for (const rank of r.ranks) {
        const lines = linesOf(rank.stdout);
        expectThat(lines.length === 100000 && lines[99999] === "99999", `rank ${rank.rank} lost lines`, null);
      }
      const chunks = r.output.length;
      expectThat(chunks < 20000, `output arrived in ${chunks} pieces: not batched`, null);
    },
  },
];

/** Opens the page at `url` in `page` and waits until it can run scripts
 *  (cross-origin isolated, its warm workers ready). */
async function openUntilReady(page, url) {
  await page.goto(url);
  const isolated = await page.evaluate(() => self.crossOriginIsolated);
  if (!isolated) throw new Error("the served page is not cross-origin isolated");
  await page.waitForFunction(() => window.mpiPlayground !== undefined, null, { timeout: 60000 });
  await page.evaluate(() => window.mpiPlayground.ready);
}

/** Runs `source` while the server refuses every request under `path`:
 *  resolves to the run's result `r` and the paths under `path` that reached
 *  the server all the same (`reached`). */
async function runRefusing(page, server, path, source, options) {
  const asked = server.requests.length;
  server.refuse(path);
  let r;
  try {
    r = await run(page, source, options);
  } finally {
    server.refuse(null);
  }
  const reached = server.requests.slice(asked).filter((q) => q.path.startsWith(path)).map((q) => q.path);
  return { r, reached };
}

/** Waits until the browser's HTTP cache holds every one of `files` (site
 *  paths): a fetch that may only be answered from the cache finds each. */
async function waitUntilCached(page, files) {
  const deadline = Date.now() + 60000;
  for (;;) {
    const missing = await page.evaluate(async (files) => {
      const found = await Promise.all(
        files.map((f) => fetch(new URL(f.slice(1), location.href), { cache: "only-if-cached", mode: "same-origin" }).then((r) => r.ok, () => false)),
      );
      return files.filter((_, i) => !found[i]);
    }, files);
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the page did not cache ${missing.join(", ")}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

/** The gallery's examples (run first) need no standard library module the
 *  rank runtime lacks: nothing under stdlib/ is fetched until they are done
 *  but what the page itself fetches into the cache once it is ready.
 *  The stdlib fixture's modules, but a few, are fetched from the page. */
function checkStdlibFetches(name, requests) {
  const fetched = requests.map((r) => r.path).filter((path) => path.startsWith("/stdlib/") && !prefetched.includes(path));
  if (/^(examples|numpy_examples|lessons)::/.test(name) && fetched.length) {
    throw new Error(`the gallery example fetched standard library modules, which the rank runtime should carry (crates/mpi-python/stdlib/frozen-in-browser.txt):\n  ${fetched.join("\n  ")}`);
  }
  if (name === "api::stdlib_modules") {
    for (const module of ["json/__init__.py", "statistics.py", "decimal.py", "xml/etree/ElementTree.py", "unittest/__init__.py"]) {
      if (!fetched.some((path) => path.endsWith("/" + module))) {
        throw new Error(`${module} was not fetched from the page's stdlib/ (fetched: ${fetched.length} files)`);
      }
    }
  }
}

async function main() {
  const cases = [...(await fixtureCases()), ...browserCases].filter((c) => c.name.includes(filter));
  const server = await serve(dist);
  const context = await launch();
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  let failed = 0;
  try {
    const t0 = Date.now();
    await openUntilReady(page, server.url);
    console.log(`page load -> ready: ${Date.now() - t0} ms`);
    for (const c of cases) {
      const t = Date.now();
      try {
        if (c.run) {
          await c.run(page, server);
        } else {
          const result = await run(page, c.source, { ranks: c.ranks, timeoutMs: 120000, path: c.path });
          check(result, c.ranks, c.expected, c.expect, c.cycle);
          checkStdlibFetches(c.name, server.requests);
        }
        console.log(`test ${c.name} ... ok (${Date.now() - t} ms)`);
      } catch (e) {
        failed += 1;
        console.log(`test ${c.name} ... FAILED (${Date.now() - t} ms)\n${e.message}\n`);
      }
    }
  } finally {
    await context.close();
    await server.close();
  }
  if (problems.length) console.log(problems.slice(0, 20).join("\n"));
  console.log(`\nbrowser fixtures: ${cases.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

await main();
