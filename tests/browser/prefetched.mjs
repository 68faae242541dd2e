// The files the page fetches into the browser's cache once it is ready, as
// site paths of a built dist/: the served standard library files a rank's
// uncaught-exception report and a first open() import
// (crates/mpi-python/stdlib/prefetched.txt) and the rank runtime's cold
// tables (cold/, web/pack-dist.mjs).
import { readFile, readdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export async function prefetchedStdlibFiles(dist) {
  const list = await readFile(join(repo, "crates/mpi-python/stdlib/prefetched.txt"), "utf8");
  const names = list.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const [folder] = await readdir(join(dist, "stdlib"));
  const files = [];
  for (const name of names) {
    const base = `/stdlib/${folder}/${name.replaceAll(".", "/")}`;
    files.push((await stat(join(dist, base + ".py")).catch(() => null)) ? base + ".py" : base + "/__init__.py");
  }
  return files;
}

export async function coldDataFiles(dist) {
  const names = await readdir(join(dist, "cold")).catch(() => []);
  return names.filter((name) => name.endsWith(".bin")).map((name) => `/cold/${name}`);
}

export async function prefetchedFiles(dist) {
  return [...(await prefetchedStdlibFiles(dist)), ...(await coldDataFiles(dist))];
}
