// Copies the standard library modules the browser's rank runtime does not
// carry into the built page, where a rank fetches one on its first import
// (crates/mpi-python/src/browser_stdlib.rs). Run by trunk after each build
// (Trunk.toml's post_build hook, with TRUNK_STAGING_DIR set), or alone:
//   node web/stdlib-tree.mjs DIST
// The sources are RustPython's library (the rustpython-pylib crate, found with
// `cargo metadata`), put under stdlib/<its crate folder, e.g.
// rustpython-pylib-0.6.0>/: the same name crates/mpi-python/build.rs gives
// the runtime, so a new library version is a new URL and a cached file is
// never stale. Modules of crates/mpi-python/stdlib/not-served.txt (and their
// submodules) are left out; only .py files are served.
import { execFileSync } from "node:child_process";
import { cp, readFile, rm, stat } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dist) {
  console.error("usage: node web/stdlib-tree.mjs DIST (or TRUNK_STAGING_DIR set)");
  process.exit(2);
}

const metadata = JSON.parse(
  execFileSync("cargo", ["metadata", "--format-version", "1", "--offline"], {
    cwd: root,
    maxBuffer: 1 << 28,
    encoding: "utf8",
  }),
);
const pylib = metadata.packages.find((p) => p.name === "rustpython-pylib");
if (!pylib) throw new Error("stdlib-tree: rustpython-pylib is not a dependency");
const crateDir = dirname(pylib.manifest_path);
const lib = join(crateDir, "Lib");

const notServed = (await readFile(join(root, "crates/mpi-python/stdlib/not-served.txt"), "utf8"))
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));

/** The dotted module name a library path would import as (a folder's own name for folders). */
const moduleOf = (path) => relative(lib, path).split(sep).join(".").replace(/(\.__init__)?\.py$/, "");
const served = (name) => !notServed.some((n) => name === n || name.startsWith(n + "."));

const target = join(dist, "stdlib", basename(crateDir));
await rm(join(dist, "stdlib"), { recursive: true, force: true });
let files = 0;
await cp(lib, target, {
  recursive: true,
  filter: async (source) => {
    if (source === lib) return true;
    if (!served(moduleOf(source))) return false;
    // Folders are walked; of the files only Python sources are served.
    if ((await stat(source)).isDirectory()) return true;
    const py = source.endsWith(".py");
    files += py;
    return py;
  },
});
console.log(`stdlib-tree: ${files} modules under ${relative(dist, target)}`);
