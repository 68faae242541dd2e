// The playground page driven as a person would, in headless Chromium: click
// an example, set the ranks, press Run, read the output; the deadlock block;
// Stop on an endless loop; the error line marked in the editor; Ctrl+Enter;
// share links; drafts across reloads; embed mode; a flood of output that
// leaves the page responsive; the Messages panel (status table, timeline,
// trace export) and misuse reports; and the page served WITHOUT isolation
// headers becoming isolated through its service worker; an MPMD run whose
// "Download for mpiexec" zip then runs under real mpi4py + MPICH
// (`--real-python`: the venv's python, whose bin/ has mpiexec's mpi4py).
//
//   node ui.mjs [--dist DIR] [--filter TEXT] [--shots DIR] [--real-python PATH]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { serve } from "./serve.mjs";
import { launch } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const dist = resolve(option("--dist", join(here, "../../dist")));
const filter = option("--filter", "");
const shots = option("--shots", "");
const realPython = option("--real-python", "");

/** A downloaded zip unpacked into a new temporary folder (by CPython's zipfile,
 *  which keeps no permissions: the caller runs scripts with `sh`). Returns the
 *  folder and each file's text by its path inside the zip. */
async function unzip(zipPath) {
  const dir = await mkdtemp(join(tmpdir(), "mpi-playground-zip-"));
  const listing = execFileSync("python3", ["-c", [
    "import json, sys, zipfile",
    "z = zipfile.ZipFile(sys.argv[1]); z.extractall(sys.argv[2])",
    "print(json.dumps({i.filename: [z.read(i).decode('utf-8', 'replace'), i.external_attr >> 16] for i in z.infolist()}))",
  ].join("\n"), zipPath, dir], { encoding: "utf8" });
  return { dir, files: JSON.parse(listing) };
}

/** Runs `script` (a run.sh) with the venv of `--real-python` first on PATH and
 *  returns its ranks' lines as `{ rank, text }`. MPICH's mpiexec passes on each
 *  write of a rank as it comes, so lines of different ranks can mix mid-line;
 *  an `mpiexec` placed before the real one adds `-l`, which tags each piece
 *  with its rank ("[2] "), and the pieces are joined again rank by rank. */
async function runUnderRealMpi(script) {
  const real = execFileSync("sh", ["-c", "command -v mpiexec"], { encoding: "utf8" }).trim();
  const shim = await mkdtemp(join(tmpdir(), "mpiexec-l-"));
  await writeFile(join(shim, "mpiexec"), `#!/bin/sh\nexec ${real} -l "$@"\n`, { mode: 0o755 });
  try {
    const out = execFileSync("sh", [script], {
      encoding: "utf8",
      timeout: 120000,
      env: { ...process.env, PATH: `${shim}:${dirname(realPython)}:${process.env.PATH}` },
    });
    const streams = {};
    const parts = out.split(/\[(\d+)\] /);
    for (let i = 1; i < parts.length; i += 2) streams[parts[i]] = (streams[parts[i]] ?? "") + parts[i + 1];
    return Object.entries(streams).flatMap(([rank, text]) =>
      text.split("\n").filter((line) => line !== "").map((line) => ({ rank: Number(rank), text: line })));
  } finally {
    await rm(shim, { recursive: true });
  }
}

/** A `run()` result's output line by line (an entry holds one or more whole lines). */
const resultLines = (result) =>
  result.output.flatMap((l) => l.text.replace(/\n$/, "").split("\n").map((text) => ({ rank: l.rank, text })));

/** Lines grouped by the rank that printed them, in the order each printed. */
const byRank = (lines) => {
  const ranks = {};
  for (const { rank, text } of lines) (ranks[rank] ??= []).push(text);
  return ranks;
};

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const settled = (page) =>
  page.waitForFunction(() => !["running", "ready", "loading"].includes(document.querySelector("#status")?.dataset.state), null, {
    timeout: 60000,
  });

async function open(page, url) {
  await page.goto(url);
  await page.waitForSelector("#status[data-state=ready]", { timeout: 60000 });
}

/** Replaces the editor's text as a person would: select all, type. */
async function typeScript(page, text) {
  await page.click("#editor .cm-content");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  // insertText avoids the editor's auto-indent and bracket closing.
  await page.keyboard.insertText(text);
}

/** Presses Run, waits for the run's end and expects it to end as `state`. */
async function runExpecting(page, state) {
  await page.click("#run");
  await settled(page);
  expect((await page.getAttribute("#status", "data-state")) === state, `status: ${await page.textContent("#status")}`);
}

/** Types a rank count into its box and leaves it, as a person does. */
async function setRanks(page, n) {
  await page.fill("#ranks", String(n));
  await page.press("#ranks", "Tab");
}

/** Presses Stop and expects the run to be stopped within a second. */
async function stopWithinASecond(page) {
  const t0 = Date.now();
  await page.click("#stop");
  await page.waitForSelector("#status[data-state=stopped]", { timeout: 1000 });
  const took = Date.now() - t0;
  expect(took < 1000, `Stop took ${took} ms`);
}

/** Opens the page with the Messages panel open and runs `script` on `ranks`. */
async function runWithMessages(page, url, script, ranks) {
  await open(page, url);
  await page.click("#messages-toggle");
  await typeScript(page, script);
  await setRanks(page, ranks);
  await page.click("#run");
}

const editorText = (page) => page.evaluate(() => [...document.querySelectorAll("#editor .cm-line")].map((l) => l.textContent).join("\n"));
const outputLines = (page) => page.$$eval("#output .line", (ls) => ls.map((l) => ({ rank: Number(l.dataset.rank), text: l.querySelector(".text").textContent })));

const cases = [
  {
    name: "ui::broadcast_example_on_10_ranks",
    async run(page, url) {
      await open(page, url);
      await page.click("[data-example=broadcast]");
      await setRanks(page, 10);
      await runExpecting(page, "ok");
      const lines = await outputLines(page);
      expect(lines.length === 10, `expected 10 lines, got ${JSON.stringify(lines)}`);
      const ranks = lines.map((l) => {
        const m = /^process = (\d+) variable shared\s+= 100\s*$/.exec(l.text);
        expect(m && Number(m[1]) === l.rank, `unexpected line ${JSON.stringify(l)}`);
        return l.rank;
      });
      expect(JSON.stringify(ranks.sort((a, b) => a - b)) === JSON.stringify([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), "ranks 0..9 each once");
      await page.click("#view-ranks");
      expect((await page.$$("#output .pane")).length === 10, "one pane per rank");
      await page.click("#view-sorted");
      const sorted = (await outputLines(page)).map((l) => l.rank);
      expect(JSON.stringify(sorted) === JSON.stringify([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), `sorted view: ${sorted}`);
    },
  },
  {
    name: "ui::numpy_scatter_example_from_its_gallery_group",
    async run(page, url) {
      await open(page, url);
      const heading = await page.$$eval("#gallery h2", (hs) => hs.map((h) => h.textContent));
      expect(JSON.stringify(heading) === JSON.stringify(["Examples", "With NumPy arrays"]), `gallery headings ${heading}`);
      await page.click("[data-example=numpy_scatter]");
      expect((await page.inputValue("#ranks")) === "4", "the NumPy scatter example sets 4 ranks");
      await runExpecting(page, "ok");
      const lines = (await outputLines(page)).sort((a, b) => a.rank - b.rank);
      const want = [0, 1, 2, 3].map((r) => `rank ${r}: Scatter got 100 x ${r}`);
      expect(JSON.stringify(lines.map((l) => l.text)) === JSON.stringify(want), `printed ${JSON.stringify(lines)}`);
    },
  },
  {
    name: "ui::deadlock_example_names_ranks_1_and_5",
    async run(page, url) {
      await open(page, url);
      await page.click("[data-example=deadlock]");
      expect((await page.inputValue("#ranks")) === "9", "the deadlock example needs 9 ranks");
      await page.click("#run");
      await settled(page);
      expect((await page.getAttribute("#status", "data-state")) === "deadlock", "status deadlock");
      const block = await page.textContent(".deadlock-block");
      expect(/rank 1 → rank 5 → rank 1/.test(block), `cycle not shown: ${block}`);
      expect(block.includes("rank 1 is blocked in recv(source=5") && block.includes("rank 5 is blocked in recv(source=1"), block);
      if (shots) await page.screenshot({ path: join(shots, "deadlock.png") });
    },
  },
  {
    name: "ui::the_sends_setting_decides_whether_sending_first_deadlocks",
    async run(page, url) {
      await open(page, url);
      await page.click("[data-example=lesson_eager_limit]");
      expect((await page.inputValue("#ranks")) === "2", "the lesson runs on 2 ranks");
      expect((await page.inputValue("#sends")) === "mpich", "sends like MPICH by default");
      await page.click("#run");
      await settled(page);
      expect((await page.getAttribute("#status", "data-state")) === "deadlock", "status deadlock");
      const items = await page.$$eval(".deadlock-block li", (lis) => lis.map((li) => li.textContent));
      expect(items.includes("rank 0 is blocked in send of 80000 bytes to rank 1 (tag=0, comm=COMM_WORLD), which waits for a matching receive because it is larger than the 8255-byte eager limit"), `blocked: ${JSON.stringify(items)}`);
      const before = (await outputLines(page)).filter((l) => l.rank === 0).map((l) => l.text);
      expect(before.at(-1) === "rank 0: exchanged 1000 ints (8000 bytes)", `printed ${JSON.stringify(before)}`);
      if (shots) await page.screenshot({ path: join(shots, "eager-limit.png") });
      await page.selectOption("#sends", "buffered");
      await runExpecting(page, "ok");
      const after = (await outputLines(page)).filter((l) => l.rank === 1).map((l) => l.text);
      expect(after.at(-1) === "rank 1: exchanged 100000 ints (800000 bytes)", `printed ${JSON.stringify(after)}`);
    },
  },
  {
    name: "ui::stop_ends_an_endless_loop_within_1s",
    async run(page, url) {
      await open(page, url);
      await typeScript(page, "while True:\n    pass\n");
      await setRanks(page, 2);
      await page.click("#run");
      await page.waitForSelector("#status[data-state=running]");
      await page.waitForTimeout(300);
      await stopWithinASecond(page);
      // The next run needs no reload.
      await typeScript(page, "from mpi4py import MPI\nprint('again', MPI.COMM_WORLD.rank)\n");
      await page.click("#run");
      await settled(page);
      expect((await outputLines(page)).length === 2, "the next run printed on both ranks");
    },
  },
  {
    name: "ui::multiprocessing_output_is_labelled_and_stop_ends_processes",
    async run(page, url) {
      await open(page, url);
      await page.click("[data-example=pool_map]");
      await runExpecting(page, "ok");
      const squares = Array.from({ length: 100 }, (_, i) => i * i).join(", ");
      const pool = await outputLines(page);
      expect(pool.length === 1 && pool[0].text === `Pool    : [${squares}]`, `pool_map printed ${JSON.stringify(pool)}`);
      // A process's line counts as its rank's and is labelled with the process.
      await typeScript(page, "import multiprocessing as mp\n\ndef hi(n):\n    print('hi from', mp.current_process().name, n)\n\nif __name__ == '__main__':\n    p = mp.Process(target=hi, args=(7,))\n    p.start()\n    p.join()\n    print('joined', p.exitcode)\n");
      await setRanks(page, 1);
      await page.click("#run");
      await settled(page);
      const labelled = await page.$$eval("#output .line", (ls) => ls.map((l) => [l.dataset.rank, l.dataset.process ?? "", l.textContent]));
      expect(
        JSON.stringify(labelled) === JSON.stringify([["0", "Process-1", "[0:Process-1]hi from Process-1 7"], ["0", "", "[0]joined 0"]]),
        `labelled lines: ${JSON.stringify(labelled)}`,
      );
      // Stop ends the rank and its busy pool workers at once; the next run works.
      await typeScript(page, "import multiprocessing as mp\n\ndef spin(_):\n    while True:\n        pass\n\nif __name__ == '__main__':\n    with mp.Pool(3) as pool:\n        pool.map(spin, range(3))\n");
      await page.click("#run");
      await page.waitForSelector("#status[data-state=running]");
      await page.waitForTimeout(1500);
      await stopWithinASecond(page);
      await typeScript(page, "print('after')\n");
      await page.click("#run");
      await settled(page);
      const after = await outputLines(page);
      expect(after.length === 1 && after[0].text === "after", `next run: ${JSON.stringify(after)}`);
    },
  },
  {
    name: "ui::a_traceback_marks_its_line_and_ctrl_enter_runs",
    async run(page, url) {
      await open(page, url);
      await setRanks(page, 2);
      await typeScript(page, "from mpi4py import MPI\nx = 1\nif MPI.COMM_WORLD.rank == 1:\n    x = 1 / 0\n");
      await page.keyboard.press("Control+Enter");
      await settled(page);
      expect((await page.getAttribute("#status", "data-state")) === "error", "status error");
      expect((await page.textContent("#status")).includes("Error in rank 1"), await page.textContent("#status"));
      const block = await page.textContent(".error-block");
      expect(block.includes("ZeroDivisionError") && block.includes("line 4"), block);
      const marked = await page.$$eval(".cm-error-line", (ls) => ls.map((l) => l.textContent));
      expect(marked.length === 1 && marked[0].includes("1 / 0"), `marked: ${JSON.stringify(marked)}`);
    },
  },
  {
    name: "ui::share_link_round_trips_without_running",
    async run(page, url, context) {
      await open(page, url);
      const script = "from mpi4py import MPI\nprint('shared', MPI.COMM_WORLD.rank)  # ü\n";
      await typeScript(page, script);
      await setRanks(page, 3);
      await page.selectOption("#sends", "synchronous");
      // A workspace file and rank 0's input travel with the link.
      page.on("dialog", (d) => d.accept(d.type() === "prompt" ? "helper.py" : undefined));
      await page.click("#new-file");
      await typeScript(page, "N = 3\n");
      if (!(await page.$eval(".stdin", (d) => d.open))) await page.click(".stdin summary");
      await page.fill("#stdin", "7\n");
      await page.click("#share");
      const link = await page.inputValue("#share-url");
      expect(link.includes("#ranks=3&sends=synchronous&input=") && link.includes("&files="), link);
      // Gone from this page's draft: the other page can only have it from the link.
      await page.click('#files .tab-close[aria-label="Delete helper.py"]');
      await page.waitForTimeout(200);
      const other = await context.newPage();
      await open(other, link);
      expect((await editorText(other)).trim() === script.trim(), `shared script: ${await editorText(other)}`);
      await other.click('#files .tab[data-file="helper.py"]');
      expect((await editorText(other)) === "N = 3\n" || (await editorText(other)).trim() === "N = 3", `shared file: ${await editorText(other)}`);
      expect((await other.inputValue("#stdin")) === "7\n", "shared input");
      expect((await other.inputValue("#ranks")) === "3", "shared rank count");
      expect((await other.inputValue("#sends")) === "synchronous", "shared Sends setting");
      await other.waitForTimeout(500);
      expect((await other.$$("#output .line")).length === 0, "a shared link never runs by itself");
      expect((await other.getAttribute("#status", "data-state")) === "ready", "still ready");
      await other.close();
    },
  },
  {
    name: "ui::reload_keeps_the_draft",
    async run(page, url) {
      await open(page, url);
      const script = "print('my draft')\n# kept across reloads\n";
      await typeScript(page, script);
      await setRanks(page, 7);
      await page.selectOption("#sends", "buffered");
      await page.waitForTimeout(200);
      await open(page, url);
      expect((await editorText(page)).trim() === script.trim(), `after reload: ${await editorText(page)}`);
      expect((await page.inputValue("#ranks")) === "7", "rank count kept");
      expect((await page.inputValue("#sends")) === "buffered", "Sends setting kept");
    },
  },
  {
    name: "ui::the_input_box_is_rank_zeros_stdin_and_is_kept",
    async run(page, url) {
      await open(page, url);
      const script = "from mpi4py import MPI\nimport sys\ncomm = MPI.COMM_WORLD\nn = int(input()) if comm.rank == 0 else None\nn = comm.bcast(n, root=0)\nprint(comm.rank, n * comm.rank, repr(sys.stdin.read()))\n";
      await typeScript(page, script);
      await setRanks(page, 4);
      // Open by itself if the draft holds input from before.
      if (!(await page.$eval(".stdin", (d) => d.open))) await page.click(".stdin summary");
      await page.fill("#stdin", "12\nsecond line\n");
      await runExpecting(page, "ok");
      const lines = (await outputLines(page)).map((l) => `${l.rank}|${l.text}`).sort();
      const want = ["0|0 0 'second line\\n'", "1|1 12 ''", "2|2 24 ''", "3|3 36 ''"];
      expect(JSON.stringify(lines) === JSON.stringify(want), `lines ${JSON.stringify(lines)}`);
      // Kept across a reload, and open since it holds something.
      await page.waitForTimeout(200);
      await open(page, url);
      expect((await page.inputValue("#stdin")) === "12\nsecond line\n", `stdin after reload: ${await page.inputValue("#stdin")}`);
      expect(await page.$eval(".stdin", (d) => d.open), "the input box shows what it holds");
      // With nothing to read, input() raises EOFError, as under mpiexec with an empty stdin.
      await page.fill("#stdin", "");
      await runExpecting(page, "error");
      const block = await page.textContent(".error-block");
      expect(block.includes("EOFError: EOF when reading a line"), block);
    },
  },
  {
    name: "ui::a_workspace_given_to_run_is_the_runs_file_system",
    async run(page, url) {
      await open(page, url);
      const main = [
        "from mpi4py import MPI",
        "from parutils import pprint",
        "from modules.heat import N",
        "import os",
        "comm = MPI.COMM_WORLD",
        "rows = [list(map(int, line.split())) for line in open('data/bottle.dat')]",
        "pprint(comm.rank, sum(rows[comm.rank]) * N)",
        "with open(f'out{comm.rank}.txt', 'w') as f:",
        "    f.write(str(comm.rank))",
        "comm.barrier()",
        "if comm.rank == 0:",
        "    print(sorted(os.listdir('.')), open('raw.bin', 'rb').read())",
        "    try:",
        "        open('raw.bin').read()",
        "    except UnicodeDecodeError as e:",
        "        print(type(e).__name__, e)",
        "",
      ].join("\n");
      const result = await page.evaluate((main) => window.mpiPlayground.run(main, {
        ranks: 2,
        path: "main.py",
        files: {
          "parutils.py": "def pprint(*args):\n    print('[parutils]', *args)\n",
          "modules/__init__.py": "",
          "modules/heat.py": "N = 10\n",
          "data/bottle.dat": "1 2 3\n4 5 6\n",
          "raw.bin": new Uint8Array([0, 255, 7]),
        },
      }), main);
      expect(result.status === "ok", `status ${result.status}: ${result.report}`);
      const text = resultLines(result).map((l) => `${l.rank}|${l.text}`).sort();
      // As CPython does, importing caches bytecode in __pycache__.
      const want = [
        "0|UnicodeDecodeError 'utf-8' codec can't decode byte 0xff in position 1: invalid start byte",
        "0|['__pycache__', 'data', 'modules', 'out0.txt', 'out1.txt', 'parutils.py', 'raw.bin', 'tmp'] b'\\x00\\xff\\x07'",
        "0|[parutils] 0 60",
        "1|[parutils] 1 150",
      ];
      expect(JSON.stringify(text) === JSON.stringify(want), `output ${JSON.stringify(text)}`);
      // What the run wrote comes back; what it was given unchanged does not.
      const written = result.files.map((f) => [f.name, f.contents.text]);
      expect(JSON.stringify(written) === JSON.stringify([["out0.txt", "0"], ["out1.txt", "1"]]), `files ${JSON.stringify(written)}`);
      const refused = await page.evaluate(() =>
        window.mpiPlayground.run("print(1)", { files: { "../escape.py": "x" } }).then(() => "ran", (e) => String(e)));
      expect(refused.includes('"../escape.py" is not a file name inside the workspace'), refused);
    },
  },
  {
    name: "ui::workspace_files_are_added_uploaded_run_refused_and_kept",
    async run(page, url) {
      // From a fresh page: earlier cases' drafts (a shared link opened) hold files.
      await open(page, url);
      await page.evaluate(() => localStorage.clear());
      await open(page, url);
      // Prompts and confirms answer what the next step says.
      let answer = null;
      page.on("dialog", (d) => (answer === false ? d.dismiss() : d.accept(answer ?? undefined)));
      const tabs = () => page.$$eval("#files .tab", (ts) => ts.map((t) => t.dataset.file));
      await typeScript(page, "from mpi4py import MPI\nfrom helper import greet\nn = int(open('data/n.txt').read())\nprint(greet(MPI.COMM_WORLD.rank), n)\n");
      answer = "helper.py";
      await page.click("#new-file");
      await page.waitForSelector('#files .tab[data-file="helper.py"][aria-selected="true"]');
      expect((await editorText(page)) === "", `a new file is empty: ${await editorText(page)}`);
      await typeScript(page, "def greet(rank):\n    return f'hello from {rank}'\n");
      await page.setInputFiles("#upload", { name: "n.txt", mimeType: "text/plain", buffer: Buffer.from("42\n") });
      await page.waitForSelector('#files .tab[data-file="n.txt"]');
      answer = "data/n.txt";
      await page.dblclick('#files .tab[data-file="n.txt"]');
      await page.waitForSelector('#files .tab[data-file="data/n.txt"]');
      await page.setInputFiles("#upload", { name: "raw.bin", mimeType: "application/octet-stream", buffer: Buffer.from([0, 159, 255]) });
      await page.waitForSelector('#files .tab[data-file="raw.bin"] .size');
      expect((await page.textContent('#files .tab[data-file="raw.bin"] .size')) === "3 bytes", "binary files show their size");
      await setRanks(page, 2);
      await runExpecting(page, "ok");
      const lines = (await outputLines(page)).map((l) => `${l.rank}|${l.text}`).sort();
      expect(JSON.stringify(lines) === JSON.stringify(["0|hello from 0 42", "1|hello from 1 42"]), `lines ${JSON.stringify(lines)}`);
      // Bad names and clashes are refused and change nothing.
      const before = await tabs();
      answer = "../escape.py";
      await page.click("#new-file");
      await page.waitForSelector("#workspace-error");
      expect((await page.textContent("#workspace-error")).includes("is not a name inside the workspace"), await page.textContent("#workspace-error"));
      answer = "script.py";
      await page.dblclick('#files .tab[data-file="helper.py"]');
      await page.waitForFunction(() => document.querySelector("#workspace-error")?.textContent.includes("already a file named"));
      expect(JSON.stringify(await tabs()) === JSON.stringify(before), `tabs ${JSON.stringify(await tabs())}`);
      // Kept across a reload; a deletion asks first.
      await page.waitForTimeout(200);
      await open(page, url);
      const kept = await tabs();
      expect(JSON.stringify(kept) === JSON.stringify(["script.py", "helper.py", "data/n.txt", "raw.bin"]), `after reload: ${JSON.stringify(kept)}`);
      await page.click('#files .tab[data-file="helper.py"]');
      expect((await editorText(page)).includes("hello from"), `helper kept: ${await editorText(page)}`);
      answer = false;
      await page.click('#files .tab-close[aria-label="Delete raw.bin"]');
      expect((await page.$('#files .tab[data-file="raw.bin"]')) !== null, "dismissing the question keeps the file");
      answer = null;
      await page.click('#files .tab-close[aria-label="Delete raw.bin"]');
      await page.waitForFunction(() => !document.querySelector('#files .tab[data-file="raw.bin"]'));
      if (shots) await page.screenshot({ path: join(shots, "workspace.png") });
    },
  },
  {
    name: "ui::files_a_run_writes_are_listed_to_view_download_and_keep",
    async run(page, url) {
      await open(page, url);
      await typeScript(page, "from mpi4py import MPI\nrank = MPI.COMM_WORLD.rank\nwith open(f'out{rank}.txt', 'w') as f:\n    f.write(f'rank {rank} result\\n')\n");
      await setRanks(page, 3);
      await runExpecting(page, "ok");
      const names = await page.$$eval("#written li", (ls) => ls.map((l) => l.dataset.file));
      expect(JSON.stringify(names) === JSON.stringify(["out0.txt", "out1.txt", "out2.txt"]), `written ${JSON.stringify(names)}`);
      await page.click('#written li[data-file="out1.txt"] summary');
      expect((await page.textContent('#written li[data-file="out1.txt"] .file-view')) === "rank 1 result\n", "the view shows the file");
      const [download] = await Promise.all([page.waitForEvent("download"), page.click('#written li[data-file="out1.txt"] .download-file')]);
      expect(download.suggestedFilename() === "out1.txt", download.suggestedFilename());
      const saved = await readFile(await download.path(), "utf8");
      expect(saved === "rank 1 result\n", `downloaded ${JSON.stringify(saved)}`);
      await page.click('#written li[data-file="out2.txt"] .keep-file');
      await page.waitForSelector('#files .tab[data-file="out2.txt"]');
      expect((await page.textContent('#written li[data-file="out2.txt"] .keep-file')) === "In the workspace", "kept once");
      if (shots) await page.screenshot({ path: join(shots, "files-written.png"), fullPage: true });
    },
  },
  {
    name: "ui::an_mpmd_run_is_configured_shown_run_and_its_mpiexec_zip_runs_under_real_mpi",
    async run(page, url) {
      await open(page, url);
      await page.evaluate(() => localStorage.clear());
      await open(page, url);
      let answer = null;
      page.on("dialog", (d) => d.accept(answer ?? undefined));
      await typeScript(page, [
        "from mpi4py import MPI",
        "import sys",
        "comm = MPI.COMM_WORLD",
        "name = input()",
        "print(f'{comm.rank}: master {sys.argv[1:]} of {comm.size}, appnum {comm.Get_attr(MPI.APPNUM)}, hello {name}')",
        "for i in range(1, comm.size):",
        "    comm.send(10 * i, dest=i)",
        "print(f'{comm.rank}: total', sum(comm.recv(source=i) for i in range(1, comm.size)))",
        "",
      ].join("\n"));
      answer = "worker.py";
      await page.click("#new-file");
      await page.waitForSelector('#files .tab[data-file="worker.py"][aria-selected="true"]');
      await typeScript(page, [
        "from mpi4py import MPI",
        "import sys",
        "comm = MPI.COMM_WORLD",
        "x = comm.recv(source=0)",
        "print(f'{comm.rank}: worker {sys.argv[1:]} appnum {comm.Get_attr(MPI.APPNUM)} got {x}')",
        "comm.send(x + comm.rank, dest=0)",
        "",
      ].join("\n"));
      await setRanks(page, 1);
      if (!(await page.$eval("details.stdin", (d) => d.open))) await page.click("details.stdin summary");
      await page.fill("#stdin", "Ada\n");
      if (!(await page.$eval("#programs", (d) => d.open))) await page.click("#programs summary");
      const row = (i) => `#programs [data-program="${i}"]`;
      await page.fill(`${row(0)} .program-args`, "--steps 3");
      await page.press(`${row(0)} .program-args`, "Tab");
      await page.click("#add-program");
      await page.waitForSelector(row(1));
      expect((await page.$eval(`${row(1)} .program-file`, (s) => s.value)) === "worker.py", "a new program runs the workspace's script");
      await page.fill(`${row(1)} .program-ranks`, "3");
      await page.press(`${row(1)} .program-ranks`, "Tab");
      await page.fill(`${row(1)} .program-args`, "'two words'");
      await page.press(`${row(1)} .program-args`, "Tab");
      const command = "mpiexec -n 1 python script.py --steps 3 : -n 3 python worker.py 'two words' < input.txt";
      await page.waitForFunction((c) => document.querySelector("#mpiexec-line")?.textContent === c, command, { timeout: 5000 })
        .catch(async () => { throw new Error(`mpiexec line: ${await page.textContent("#programs")}`); });
      expect((await page.textContent("#more-ranks")) === "+ 3 = 4 ranks", `toolbar: ${await page.textContent("#more-ranks")}`);
      await runExpecting(page, "ok");
      const ranks = byRank(await outputLines(page));
      const want = {
        0: ["0: master ['--steps', '3'] of 4, appnum 0, hello Ada", "0: total 66"],
        1: ["1: worker ['two words'] appnum 1 got 10"],
        2: ["2: worker ['two words'] appnum 1 got 20"],
        3: ["3: worker ['two words'] appnum 1 got 30"],
      };
      expect(JSON.stringify(ranks) === JSON.stringify(want), `page output ${JSON.stringify(ranks)}`);
      if (shots) await page.screenshot({ path: join(shots, "mpmd.png"), fullPage: true });

      // The zip for a cluster: the files, the input, run.sh and job.slurm.
      await page.click("#downloads");
      if (shots) await page.screenshot({ path: join(shots, "download-menu.png"), fullPage: true });
      const [zip] = await Promise.all([page.waitForEvent("download"), page.click("#download-mpiexec")]);
      expect(zip.suggestedFilename() === "script-mpiexec.zip", zip.suggestedFilename());
      const { dir, files } = await unzip(await zip.path());
      const names = Object.keys(files).sort();
      const wantNames = ["script/input.txt", "script/job.slurm", "script/run.sh", "script/script.py", "script/worker.py"];
      expect(JSON.stringify(names) === JSON.stringify(wantNames), `zip holds ${JSON.stringify(names)}`);
      expect(files["script/input.txt"][0] === "Ada\n", `input ${JSON.stringify(files["script/input.txt"])}`);
      const [runSh, mode] = files["script/run.sh"];
      expect(runSh.startsWith("#!/bin/sh\n") && runSh.endsWith(`\nexec ${command}\n`), `run.sh:\n${runSh}`);
      expect((mode & 0o777) === 0o755, `run.sh mode ${mode.toString(8)}`);
      const slurm = files["script/job.slurm"][0];
      for (const part of ["#!/bin/bash\n", "\n#SBATCH --ntasks=4\n", "\n#SBATCH --job-name=script\n", `\n${command}\n`]) {
        expect(slurm.includes(part), `job.slurm lacks ${JSON.stringify(part)}:\n${slurm}`);
      }
      // run.sh under real mpi4py + MPICH prints what the page printed, rank for rank.
      expect(realPython !== "", "the real-MPI check needs --real-python (cargo xtask test passes the venv's python)");
      const real = byRank(await runUnderRealMpi(join(dir, "script/run.sh")));
      expect(JSON.stringify(real) === JSON.stringify(ranks), `real mpiexec printed ${JSON.stringify(real)}`);
      await rm(dir, { recursive: true });

      // The file open in the editor, by itself.
      await page.click("#downloads");
      const [one] = await Promise.all([page.waitForEvent("download"), page.click("#download-open")]);
      const oneText = await readFile(await one.path(), "utf8");
      expect(one.suggestedFilename() === "worker.py" && oneText.startsWith("from mpi4py import MPI\nimport sys\n"), `${one.suggestedFilename()}: ${oneText}`);
      // All files as a zip; the configuration is kept; a program whose file is gone cannot run.
      await page.click("#downloads");
      const [all] = await Promise.all([page.waitForEvent("download"), page.click("#download-zip")]);
      const unpacked = await unzip(await all.path());
      expect(JSON.stringify(Object.keys(unpacked.files).sort()) === JSON.stringify(["script/script.py", "script/worker.py"]),
        `all files: ${JSON.stringify(Object.keys(unpacked.files))}`);
      await rm(unpacked.dir, { recursive: true });
      await page.waitForTimeout(200);
      await open(page, url);
      expect((await page.textContent("#mpiexec-line")) === command, "the programs are kept across a reload");
      answer = null;
      await page.click('#files .tab-close[aria-label="Delete worker.py"]');
      await page.waitForSelector("#programs-error");
      const why = await page.textContent("#programs-error");
      expect(why === "worker.py is not in the workspace: choose another file for its ranks.", why);
      expect(await page.$eval("#run", (b) => b.disabled), "Run waits for a program that can run");
    },
  },
  {
    name: "ui::files_dropped_on_the_tabs_are_uploaded_and_an_embedded_link_runs_its_workspace",
    async run(page, url) {
      await open(page, url);
      await page.evaluate(() => localStorage.clear());
      await open(page, url);
      await typeScript(page, "from mpi4py import MPI\nfrom helper import double\nprint(MPI.COMM_WORLD.rank, double(21), open('n.dat').read().split())\n");
      await page.evaluate(() => {
        const dropped = new DataTransfer();
        dropped.items.add(new File(["def double(x):\n    return 2 * x\n"], "helper.py"));
        dropped.items.add(new File(["1 2 3\n"], "n.dat"));
        const bar = document.querySelector("#files");
        for (const type of ["dragover", "drop"]) bar.dispatchEvent(new DragEvent(type, { dataTransfer: dropped, bubbles: true, cancelable: true }));
      });
      await page.waitForSelector('#files .tab[data-file="helper.py"]');
      await page.waitForSelector('#files .tab[data-file="n.dat"]');
      // Python files are highlighted as Python, data files are plain text.
      const highlighted = () => page.$$eval("#editor .cm-line span", (spans) => spans.length);
      await page.click('#files .tab[data-file="helper.py"]');
      await page.waitForFunction(() => document.querySelector("#editor .cm-content")?.textContent.startsWith("def double"));
      expect((await highlighted()) > 0, "helper.py is highlighted");
      await page.click('#files .tab[data-file="n.dat"]');
      await page.waitForFunction(() => document.querySelector("#editor .cm-content")?.textContent === "1 2 3");
      expect((await highlighted()) === 0, "n.dat is plain text");
      await setRanks(page, 2);
      await runExpecting(page, "ok");
      const want = JSON.stringify(["0 42 ['1', '2', '3']", "1 42 ['1', '2', '3']"]);
      const printed = async () => JSON.stringify((await outputLines(page)).map((l) => l.text).sort());
      expect((await printed()) === want, `output ${await printed()}`);
      // The share link, opened in embed mode, brings the workspace and runs it.
      await page.click("#share");
      const link = await page.inputValue("#share-url");
      await page.goto(link.replace("#", "?embed#"));
      await page.waitForSelector("#status[data-state=ready]", { timeout: 60000 });
      expect((await page.getAttribute("main", "data-mode")) === "embed", "embed mode");
      const tabs = await page.$$eval("#files .tab", (ts) => ts.map((t) => t.dataset.file));
      expect(JSON.stringify(tabs) === JSON.stringify(["script.py", "helper.py", "n.dat"]), `embedded tabs ${JSON.stringify(tabs)}`);
      await runExpecting(page, "ok");
      expect((await printed()) === want, `embedded output ${await printed()}`);
    },
  },
  {
    name: "ui::writing_a_read_only_path_or_past_the_quota_raises_oserror_and_keeps_the_workspace",
    async run(page, url) {
      await open(page, url);
      const script = [
        "import os",
        "from mpi4py import MPI",
        "comm = MPI.COMM_WORLD",
        "if comm.rank == 0:",
        "    os.chmod('data.txt', 0o444)",
        "    os.mkdir('locked', 0o555)",
        "    for path in ('data.txt', 'locked/new.txt'):",
        "        try:",
        "            open(path, 'w')",
        "        except PermissionError as e:",
        "            print(type(e).__name__, e)",
        "else:",
        "    block = b'x' * (1 << 20)",
        "    written = 0",
        "    try:",
        "        with open('big.bin', 'wb', buffering=0) as f:",
        "            while True:",
        "                written += f.write(block)",
        "    except OSError as e:",
        "        print(type(e).__name__, e, written >> 20, 'MiB written')",
        "    os.remove('big.bin')",
        "    with open('after.txt', 'w') as f:",
        "        f.write('room again')",
        "comm.barrier()",
        "if comm.rank == 0:",
        "    print(open('data.txt').read().strip(), sorted(os.listdir('.')))",
        "",
      ].join("\n");
      const result = await page.evaluate((s) => window.mpiPlayground.run(s, { ranks: 2, files: { "data.txt": "keep me\n" } }), script);
      expect(result.status === "ok", `status ${result.status}: ${result.report}`);
      const ranks = byRank(resultLines(result));
      const want = {
        0: [
          "PermissionError [Errno 13] Permission denied: 'data.txt'",
          "PermissionError [Errno 13] Permission denied: 'locked/new.txt'",
          "keep me ['after.txt', 'data.txt', 'locked', 'tmp']",
        ],
        1: ["OSError [Errno 28] No space left on device 256 MiB written"],
      };
      expect(JSON.stringify(ranks) === JSON.stringify(want), `output ${JSON.stringify(ranks)}`);
      const written = result.files.map((f) => f.name);
      expect(JSON.stringify(written) === JSON.stringify(["after.txt"]), `files ${JSON.stringify(written)}`);
    },
  },
  {
    name: "ui::a_master_spawns_a_worker_script_of_the_workspace",
    async run(page, url) {
      await open(page, url);
      const master = [
        "import sys",
        "from mpi4py import MPI",
        "workers = MPI.COMM_SELF.Spawn(sys.executable, args=['worker.py', 'x'], maxprocs=3)",
        "print(workers.gather(None, root=MPI.ROOT))",
        "workers.Disconnect()",
        "",
      ].join("\n");
      const worker = [
        "import sys",
        "from mpi4py import MPI",
        "parent = MPI.Comm.Get_parent()",
        "parent.gather(f'{parent.Get_rank()} {sys.argv[1:]}', root=0)",
        "parent.Disconnect()",
        "",
      ].join("\n");
      const result = await page.evaluate(([m, w]) => window.mpiPlayground.run(m, { ranks: 1, files: { "worker.py": w } }), [master, worker]);
      expect(result.status === "ok", `status ${result.status}: ${result.report}`);
      const text = resultLines(result).map((l) => `${l.rank}|${l.text}`);
      expect(JSON.stringify(text) === JSON.stringify(["0|[\"0 ['x']\", \"1 ['x']\", \"2 ['x']\"]"]), `output ${JSON.stringify(text)}`);
    },
  },
  {
    name: "ui::embed_mode_is_compact_and_runs_the_example",
    async run(page, url) {
      await page.goto(`${url}?embed&example=scatter&ranks=10`);
      await page.waitForSelector("#status[data-state=ready]", { timeout: 60000 });
      expect((await page.getAttribute("main", "data-mode")) === "embed", "embed mode");
      expect((await page.$("#gallery")) === null, "no gallery in embed mode");
      await page.click("#run");
      await settled(page);
      expect((await outputLines(page)).length === 10, "scatter printed on 10 ranks");
    },
  },
  {
    name: "ui::a_flood_of_output_leaves_the_page_responsive",
    async run(page, url) {
      await open(page, url);
      await typeScript(page, "i = 0\nwhile True:\n    print(i)\n    i += 1\n");
      await setRanks(page, 2);
      await page.click("#run");
      await page.waitForSelector(".hidden-lines", { timeout: 20000 });
      // The page answers while the flood goes on: a round trip into the page is quick.
      const delays = [];
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now();
        await page.evaluate(() => document.querySelectorAll("#output .line").length);
        delays.push(Date.now() - t0);
        await page.waitForTimeout(100);
      }
      const shown = await page.$$eval("#output .line", (ls) => ls.length);
      expect(shown <= 2000, `${shown} lines rendered`);
      const t0 = Date.now();
      await page.click("#stop");
      await page.waitForSelector("#status[data-state=stopped]", { timeout: 2000 });
      console.log(`    flood: page answered in ${Math.max(...delays)} ms at worst; Stop took ${Date.now() - t0} ms`);
      expect(/\d+ earlier lines not shown/.test(await page.textContent(".hidden-lines")), "the cap is said");
    },
  },
  {
    name: "ui::the_messages_panel_draws_a_ring_and_exports_its_trace",
    async run(page, url) {
      await runWithMessages(page, url, RING, 4);
      await settled(page);
      expect((await page.getAttribute("#status", "data-state")) === "ok", `status: ${await page.textContent("#status")}`);
      // Wait for the panel's refreshes after the run ended: each rank's end
      // reaches the page on its own, so every row is waited for, not the last.
      await page.waitForFunction(() => mpiPlayground.timeline()?.running === false);
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll("#rank-status tbody tr")];
        return rows.length === 4 && rows.every((tr) => tr.dataset.state === "done");
      });
      const tl = await page.evaluate(() => mpiPlayground.timeline());
      const hops = tl.arrows.map((a) => `${a.from}->${a.to}@${a.sendLine}:${a.recvLine}`).sort();
      expect(JSON.stringify(hops) === JSON.stringify(["0->1@6:5", "1->2@6:5", "2->3@6:5", "3->0@6:8"]), `arrows ${hops}`);
      expect(tl.arrows.every((a) => a.preview.startsWith("{'hop': ")), `previews ${tl.arrows.map((a) => a.preview)}`);
      const allreduce = tl.spans.filter((s) => s.call === "allreduce" && s.line === 9).length;
      expect(allreduce === 4, `allreduce spans: ${JSON.stringify(tl.spans)}`);
      expect((await page.getAttribute("#timeline", "data-links")) === "4", "four arrows drawn");
      const rows = await page.$$eval("#rank-status tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
      expect(rows.length === 4 && rows.every((r) => r[1] === "done" && r[4].startsWith("1 · ") && r[5].startsWith("1 · ")), `rows ${JSON.stringify(rows)}`);
      // Hovering rank 1's lane finds its receive, with its line and peer.
      const lane = (r) => 18 + 22 * r + 11;
      // As a person scrolls to the timeline before pointing at it.
      const box = await page.$eval("#timeline", (c) => {
        c.scrollIntoView({ block: "center" });
        const r = c.getBoundingClientRect();
        return { x: r.x, y: r.y, w: c.clientWidth };
      });
      let found = "";
      for (let x = 60; x < box.w && !found.includes("recv"); x += 3) {
        await page.mouse.move(box.x + x, box.y + lane(1));
        found = await page.textContent("#timeline-details");
      }
      expect(found.startsWith("rank 1 · recv · line 5 · from rank 0 · tag -1") || found.startsWith("rank 1 · recv · line 5 · from rank 0"), `hover said ${found}`);
      if (shots) await page.screenshot({ path: join(shots, "timeline-ring.png") });
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#timeline-export")]);
      const trace = JSON.parse(await (await download.createReadStream()).toArray().then((b) => Buffer.concat(b).toString()));
      const flows = trace.traceEvents.filter((e) => e.ph === "s").map((e) => `${e.tid}->${e.args.to}`).sort();
      expect(JSON.stringify(flows) === JSON.stringify(["0->1", "1->2", "2->3", "3->0"]), `exported flows ${flows}`);
      expect(trace.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name").length === 4, "a lane per rank");
    },
  },
  {
    name: "ui::the_status_table_shows_a_blocked_rank_and_the_timeline_its_deadlock",
    async run(page, url) {
      await runWithMessages(page, url, "from mpi4py import MPI\nimport time\ncomm = MPI.COMM_WORLD\nif comm.rank == 0:\n    time.sleep(30)\nelse:\n    comm.recv(source=0, tag=7)\n", 2);
      await page.waitForFunction(() => document.querySelector("#rank-status tr[data-rank='1']")?.dataset.state === "blocked", null, { timeout: 20000 });
      const row = await page.$eval("#rank-status tr[data-rank='1']", (tr) => [...tr.cells].map((c) => c.textContent));
      expect(row[1] === "blocked in recv(source=0, tag=7, comm=COMM_WORLD)" && row[2] === "7", `row ${JSON.stringify(row)}`);
      const zero = await page.$eval("#rank-status tr[data-rank='0']", (tr) => tr.dataset.state);
      expect(zero === "running", `rank 0 is ${zero}`);
      await stopWithinASecond(page);
      // The deadlock example: ranks 1 and 5 wait for each other.
      await page.click("[data-example=deadlock]");
      await page.click("#run");
      await settled(page);
      expect((await page.getAttribute("#status", "data-state")) === "deadlock", "status deadlock");
      await page.waitForFunction(() => mpiPlayground.timeline()?.running === false);
      const tl = await page.evaluate(() => mpiPlayground.timeline());
      expect(JSON.stringify(tl.cycle) === JSON.stringify([1, 5]), `cycle ${tl.cycle}`);
      const stuck = tl.spans.filter((s) => (s.rank === 1 || s.rank === 5) && s.call === "recv").map((s) => `${s.rank}<-${s.peer}`);
      expect(stuck.includes("1<-5") && stuck.includes("5<-1"), `spans ${JSON.stringify(tl.spans)}`);
      if (shots) await page.screenshot({ path: join(shots, "timeline-deadlock.png") });
    },
  },
  {
    name: "ui::a_64_rank_run_of_100000_messages_keeps_the_timeline_responsive",
    async run(page, url) {
      const t0 = Date.now();
      await runWithMessages(page, url, MANY_MESSAGES, 64);
      await page.waitForFunction(() => (mpiPlayground.timeline()?.arrowCount ?? 0) > 1000, null, { timeout: 60000 });
      const delays = [];
      for (let i = 0; i < 5; i++) {
        const t = Date.now();
        await page.evaluate(() => document.querySelector("#rank-status tbody").rows.length);
        delays.push(Date.now() - t);
        await page.waitForTimeout(100);
      }
      await page.waitForSelector("#status[data-state=ok]", { timeout: 180000 });
      await page.waitForFunction(() => mpiPlayground.timeline()?.running === false);
      const tl = await page.evaluate(() => { const t = mpiPlayground.timeline(); return { arrows: t.arrowCount, dropped: t.dropped, spans: t.spanCount }; });
      console.log(`    64 ranks: ${tl.arrows} arrows, ${tl.spans} calls, ${tl.dropped} dropped in ${Date.now() - t0} ms; page answered in ${Math.max(...delays)} ms at worst`);
      expect(tl.arrows + tl.dropped >= 100000, `recorded ${JSON.stringify(tl)}`);
      await page.waitForFunction(() => Number(document.querySelector("#timeline").dataset.linksInView) >= 90000);
      expect(Number(await page.getAttribute("#timeline", "data-links")) <= 3000, "a sample of the arrows is drawn");
      // Zooming in with the wheel narrows the window to fewer messages.
      // As a person scrolls to the timeline before zooming into it.
      const box = await page.$eval("#timeline", (c) => {
        c.scrollIntoView({ block: "center" });
        const r = c.getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + 40 };
      });
      await page.mouse.move(box.x, box.y);
      for (let i = 0; i < 10; i++) await page.mouse.wheel(0, -100);
      await page.waitForFunction(() => Number(document.querySelector("#timeline").dataset.linksInView) < 50000);
      if (shots) await page.screenshot({ path: join(shots, "timeline-64.png") });
    },
  },
  {
    name: "ui::misused_collectives_and_unreceived_messages_are_reported",
    async run(page, url) {
      await open(page, url);
      await typeScript(page, "from mpi4py import MPI\ncomm = MPI.COMM_WORLD\nif comm.rank == 0:\n    comm.bcast(42, root=0)\nelse:\n    comm.reduce(comm.rank, root=0)\ncomm.barrier()\n");
      await setRanks(page, 2);
      await runExpecting(page, "error");
      const block = await page.textContent(".error-block");
      expect(block.includes("Collective mismatch on COMM_WORLD: the ranks called different collectives"), block);
      expect(block.includes("bcast(root=0) at line 4") || block.includes("reduce(root=0) at line 6"), block);
      if (shots) await page.screenshot({ path: join(shots, "collective-mismatch.png") });
      await typeScript(page, "from mpi4py import MPI\ncomm = MPI.COMM_WORLD\nif comm.rank == 0:\n    comm.send('hello', dest=1, tag=5)\n    comm.isend('never waited', dest=1, tag=11)\n    comm.send('last', dest=1, tag=7)\nelse:\n    req = comm.irecv(source=0, tag=9)\n    comm.recv(source=0, tag=11)\n    comm.recv(source=0, tag=7)\nprint(comm.rank, 'done')\n");
      await runExpecting(page, "ok");
      const warnings = await page.$$eval("#warnings li", (lis) => lis.map((li) => li.textContent));
      expect(warnings.includes("rank 1 never received a message rank 0 sent it at line 4 (tag 5, COMM_WORLD, 20 bytes)"), `warnings ${JSON.stringify(warnings)}`);
      expect(warnings.includes("rank 1 ended with a receive no message matched: irecv(source=0, tag=9, comm=COMM_WORLD) at line 8"), `warnings ${JSON.stringify(warnings)}`);
      expect(warnings.includes("rank 0 never completed its isend to rank 1 (tag 11, COMM_WORLD) at line 5: no wait or test took the request"), `warnings ${JSON.stringify(warnings)}`);
      if (shots) await page.screenshot({ path: join(shots, "warnings.png") });
    },
  },
];

/** A ring of ranks passing a token, then an allreduce (the Messages panel's cases).
 * Rank 0 waits 0.3 s before it sends, so that every receive is a bar wide
 * enough to hover, whatever else the machine is doing. */
const RING = `from mpi4py import MPI; import time
comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size(); time.sleep(0.3 if rank == 0 else 0)
if rank:
    comm.recv(source=rank - 1)
comm.send({'hop': rank}, dest=(rank + 1) % size)
if rank == 0:
    comm.recv(source=size - 1)
comm.allreduce(rank)
`;

/** 64 ranks, 1563 messages each to the next: 100 032 messages. */
const MANY_MESSAGES = `from mpi4py import MPI
comm = MPI.COMM_WORLD
right, left = (comm.rank + 1) % comm.size, (comm.rank - 1) % comm.size
for i in range(1563):
    comm.sendrecv(i, dest=right, source=left)
`;

/** The page on a host that sends no isolation headers. */
const unisolatedCase = {
  name: "ui::without_headers_the_service_worker_isolates_the_page",
  async run(page, url) {
    await page.goto(url);
    await page.waitForSelector("#status[data-state=ready]", { timeout: 60000 });
    const isolation = await page.evaluate(() => ({ isolated: self.crossOriginIsolated, report: window.mpiIsolation }));
    expect(isolation.isolated && isolation.report.via === "service-worker", JSON.stringify(isolation));
    await page.click("[data-example=hello]");
    await page.click("#run");
    await settled(page);
    expect((await page.getAttribute("#status", "data-state")) === "ok", "hello ran");
    expect((await outputLines(page)).length === 5, "hello printed on 5 ranks");
    await importsAServedModule(page);
  },
};

/** The page's decoded copy of the rank runtime in Cache Storage: the header
 *  naming the validator it was made from, and its size. */
const runtimeCopy = (page) =>
  page.evaluate(async () => {
    const copy = await (await caches.open("mpi-playground-runtime")).match("mpi-worker_bg.wasm");
    if (!copy) return null;
    return { validator: copy.headers.get("x-mpi-playground-validator"), bytes: (await copy.arrayBuffer()).byteLength };
  });

/** Puts `body` (text, or an array of bytes) in place of the runtime's copy,
 *  as made from a response with `validator`. */
const replaceRuntimeCopy = (page, body, validator) =>
  page.evaluate(
    async ([body, validator]) => {
      const cache = await caches.open("mpi-playground-runtime");
      const bytes = typeof body === "string" ? body : new Uint8Array(body);
      await cache.put("mpi-worker_bg.wasm", new Response(bytes, { headers: { "content-type": "application/wasm", "x-mpi-playground-validator": validator } }));
    },
    [body, validator],
  );

/** Waits until the runtime's copy is the file served now (the copy is
 *  written while the page compiles; it may land just after). */
const copyBecomes = (page, validator, bytes, when) =>
  page
    .waitForFunction(
      async ([validator, bytes]) => {
        const copy = await (await caches.open("mpi-playground-runtime")).match("mpi-worker_bg.wasm");
        return copy?.headers.get("x-mpi-playground-validator") === validator && (await copy.arrayBuffer()).byteLength === bytes;
      },
      [validator, bytes],
      { timeout: 15000, polling: 200 },
    )
    .catch(async () => {
      throw new Error(`${when}: the copy is ${JSON.stringify(await runtimeCopy(page))}, served ${bytes} bytes as ${validator}`);
    });

const repeatVisitCase = {
  name: "ui::repeat_visits_run_the_current_runtime_from_its_decoded_copy",
  async run(page, url) {
    await open(page, url);
    const etag = await page.evaluate(async () => (await fetch("mpi-worker_bg.wasm")).headers.get("etag"));
    expect(etag, "the test server sends an ETag");
    const served = (await stat(join(dist, "mpi-worker_bg.wasm"))).size;
    await copyBecomes(page, etag, served, "after a first visit");
    const helloRuns = async (when) => {
      await page.click("[data-example=hello]");
      await runExpecting(page, "ok");
      expect((await outputLines(page)).length > 0, `hello printed nothing ${when}`);
    };
    await open(page, url);
    await helloRuns("from the copy");
    // A copy from an older release (another validator) is never run: the
    // page compiles what the host serves now, and that replaces the copy.
    // (The stand-in compiles, an empty wasm module, but no rank could start on it.)
    await replaceRuntimeCopy(page, [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], '"older"');
    await open(page, url);
    await helloRuns("after a release");
    await copyBecomes(page, etag, served, "after a release");
    // A damaged copy with the current validator: dropped, and the runtime fetched again.
    await replaceRuntimeCopy(page, "not a wasm module", etag);
    await open(page, url);
    await helloRuns("after a damaged copy");
    await copyBecomes(page, etag, served, "after a damaged copy");
  },
};

/** A script importing a standard library module the rank runtime does not
 *  carry: the ranks fetch it from the page (through the service worker, or
 *  under a sub-path, wherever the page is served). */
async function importsAServedModule(page) {
  await typeScript(page, "import statistics\nprint(statistics.median([3, 1, 2]))\n");
  await setRanks(page, 2);
  await runExpecting(page, "ok");
  const lines = await outputLines(page);
  expect(lines.length === 2 && lines.every((l) => l.text === "2"), `statistics.median on 2 ranks: ${JSON.stringify(lines)}`);
}

/** The same dist/ served from a sub-path of a host, as project pages are. */
const subPathCase = {
  name: "ui::the_same_dist_works_under_a_sub_path",
  async run(page, url) {
    await open(page, url);
    await page.click("[data-example=gather]");
    await page.click("#run");
    await settled(page);
    expect((await page.getAttribute("#status", "data-state")) === "ok", `gather under ${url}: ${await page.textContent("#status")}`);
    await importsAServedModule(page);
  },
};

async function main() {
  if (shots) await mkdir(shots, { recursive: true });
  const isolated = await serve(dist);
  const plain = await serve(dist, { isolation: false });
  const nested = await serve(dist, { prefix: "/courses/mpi/playground/" });
  const context = await launch();
  let failed = 0;
  const all = [...cases.map((c) => [c, isolated.url]), [repeatVisitCase, isolated.url], [unisolatedCase, plain.url], [subPathCase, nested.url]].filter(([c]) =>
    c.name.includes(filter),
  );
  try {
    for (const [c, url] of all) {
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      const t = Date.now();
      try {
        await c.run(page, url, context);
        expect(errors.length === 0, `page errors: ${errors.join("; ")}`);
        console.log(`test ${c.name} ... ok (${Date.now() - t} ms)`);
      } catch (e) {
        failed += 1;
        console.log(`test ${c.name} ... FAILED (${Date.now() - t} ms)\n${e.message}\n`);
        if (shots) await page.screenshot({ path: join(shots, `${c.name.replace(/\W+/g, "_")}.png`) }).catch(() => {});
      }
      await page.close();
    }
  } finally {
    await context.close();
    await isolated.close();
    await plain.close();
    await nested.close();
  }
  console.log(`\nbrowser UI: ${all.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

await main();
