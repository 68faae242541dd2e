// mpi4py's own test suite in a real browser: each named test file of the
// suite `cargo xtask conformance` fetched runs through
// window.mpiPlayground.run on the built page in headless Chromium, as
// `mpiexec -n N python test_x.py -q` would run it. A page has no files of
// the suite, so each run's script carries them: the suite's helper modules
// (mpiunittest, arrayimpl, ...) are served to `import` from strings, and the
// test file runs as `__main__` (without the FakeGPU array backends, as the
// native harness does). Each run's output, every line labelled `[rank] `
// as `mpiexec -l` labels it, goes to OUT/<file>.txt with its status on the
// first line, where xtask reads unittest's reports as it reads mpiplay's.
//
//   node run-conformance.mjs --dist DIR --suite TESTDIR --out DIR [--ranks N] test_x.py ...
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { serve } from "./serve.mjs";
import { launch } from "./chromium.mjs";

const argv = process.argv.slice(2);
const options = {};
const files = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i].startsWith("--")) options[argv[i].slice(2)] = argv[++i];
  else files.push(argv[i]);
}
for (const name of ["dist", "suite", "out"]) {
  if (!options[name]) throw new Error(`--${name} is required`);
}
const ranks = Number(options.ranks ?? 2);
const limitMs = Number(options["limit-ms"] ?? 120000);

// Runs one test file: its helper modules from strings, then the file as __main__.
const PRELUDE = `
import importlib.util, sys
class _SuiteModules:
    """The suite's helper modules, served to import from their sources."""
    def find_spec(self, name, path=None, target=None):
        if name in _SUITE:
            return importlib.util.spec_from_loader(name, self, origin=name + ".py")
        return None
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        module.__file__ = module.__name__ + ".py"
        exec(compile(_SUITE[module.__name__], module.__file__, "exec"), module.__dict__)
sys.meta_path.insert(0, _SuiteModules())
# The suite's files are files of the run too: test_spawn and test_dynproc
# spawn spawn_child.py by its path. Every rank writes them under a name of
# its own and renames it into place, so no rank ever sees a partial file.
import os as _os
for _name, _text in _SUITE.items():
    _partial = f"{_name}.py.{_os.urandom(6).hex()}"
    with open(_partial, "w") as _f:
        _f.write(_text)
    _os.replace(_partial, _name + ".py")
del _os, _name, _text, _partial, _f
if "arrayimpl" in _TEST_SOURCE:
    import arrayimpl
    arrayimpl.ArrayBackends[:] = [b for b in arrayimpl.ArrayBackends if "FakeGPU" not in b.__name__]
sys.argv[:] = [_TEST_FILE, "-q"]
_main = sys.modules["__main__"]
_main.__file__ = _TEST_FILE
del _SuiteModules
exec(compile(_TEST_SOURCE, _TEST_FILE, "exec"), _main.__dict__)
`;

async function script(file) {
  const suite = resolve(options.suite);
  const helpers = {};
  for (const name of await readdir(suite)) {
    if (name.endsWith(".py") && !name.startsWith("test_") && !name.startsWith("_")) {
      helpers[name.replace(/\.py$/, "")] = await readFile(join(suite, name), "utf8");
    }
  }
  const source = await readFile(join(suite, file), "utf8");
  return (
    `_SUITE = ${JSON.stringify(helpers)}\n` +
    `_TEST_FILE = ${JSON.stringify(file)}\n` +
    `_TEST_SOURCE = ${JSON.stringify(source)}\n` +
    PRELUDE
  );
}

function labelled(result) {
  const out = [];
  for (const r of result.ranks) {
    for (const stream of [r.stdout, r.stderr]) {
      for (const line of (stream ?? "").split("\n")) {
        if (line !== "") out.push(`[${r.rank}] ${line}`);
      }
    }
  }
  return out.join("\n") + "\n";
}

async function main() {
  await mkdir(options.out, { recursive: true });
  const server = await serve(resolve(options.dist));
  const context = await launch();
  const page = context.pages()[0] ?? (await context.newPage());
  try {
    await page.goto(server.url);
    await page.waitForFunction(() => window.mpiPlayground !== undefined, null, { timeout: 60000 });
    await page.evaluate(() => window.mpiPlayground.ready);
    for (const file of files) {
      const t = Date.now();
      const source = await script(file);
      const result = await page.evaluate(
        ([source, options]) => window.mpiPlayground.run(source, options),
        [source, { ranks, timeoutMs: limitMs, path: file }],
      );
      const status = `status ${result.status}${result.report ? ": " + result.report.split("\n")[0] : ""}`;
      await writeFile(join(options.out, `${file}.txt`), `${status}\n${labelled(result)}`);
      console.log(`conformance (browser): ${file} -n ${ranks}: ${result.status} (${Date.now() - t} ms)`);
    }
  } finally {
    await context.close();
    await server.close();
  }
}

await main();
