// Finishes a built dist/ for hosting:
// 1. drops the function-name section of the rank runtime (mpi-worker_bg.wasm):
//    a fifth of its bytes, used only to name wasm frames in JS stack traces
//    (a rank's panic message keeps its file and line);
// 2. with --map (the linker's map of the runtime, crates/mpi-worker/build.rs),
//    takes out of the runtime the tables only some imports need (COLD_DATA):
//    their bytes go to cold/GROUP-HASH.bin, their place in the runtime's data
//    is zeroed (brotli makes nothing of zeros), and a custom section
//    `mpi-playground.cold-data` says where they go back, which rank-worker.js
//    does before a rank first imports a module that reads them;
// 3. writes NAME.br and NAME.gz beside every compressible file (wasm, js,
//    css, html, bin), so that a host (or tests/browser/serve.mjs) sends the
//    smallest encoding a browser accepts without compressing on the fly.
//   node web/pack-dist.mjs DIST [--map FILE] [--quick]
// --quick: brotli quality 5 instead of 11, for a dist/ only the tests load
// (2 s instead of 2 minutes for the rank runtime; about 14% larger).
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join, extname } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const COMPRESSIBLE = new Set([".wasm", ".js", ".mjs", ".css", ".html", ".json", ".svg", ".txt", ".py", ".bin"]);

// The runtime's tables a first Run never reads, by group: which statics
// (their mangled names, as the linker's map gives them) and, in
// crates/mpi-python/python/_served_stdlib.py, which imports bring them back.
// The CJK codecs' mapping tables (rustpython-common's
// `encodings::cjk::mappings_*::*_DATA`) are read only by the `_codecs_*`
// modules' codecs: 0.59 MB, 0.22 MB with brotli. (Thin LTO, the
// tests' build, suffixes a static it made visible across units `.llvm.N`.)
const COLD_DATA = { cjk: /17rustpython_common9encodings3cjk\d+mappings_\w+_DATA(\.llvm\.\d+)?$/ };
const COLD_SECTION = "mpi-playground.cold-data";

async function files(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else if (COMPRESSIBLE.has(extname(entry.name))) out.push(path);
  }
  return out;
}

/** A reader of LEB128 numbers in `bytes`, from `at`. */
function reader(bytes, at) {
  const r = {
    at,
    u32() {
      let value = 0;
      let shift = 0;
      for (;;) {
        const byte = bytes[r.at++];
        value += (byte & 0x7f) * 2 ** shift;
        shift += 7;
        if (byte < 0x80) return value;
      }
    },
    i32() {
      let value = 0;
      let shift = 0;
      let byte;
      do {
        byte = bytes[r.at++];
        value |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80);
      return shift < 32 && byte & 0x40 ? value | (-1 << shift) : value;
    },
  };
  return r;
}

/** The sections of `wasm`: {id, start, body, end, name (custom sections)}. */
function sections(wasm) {
  const out = [];
  const r = reader(wasm, 8);
  while (r.at < wasm.length) {
    const start = r.at;
    const id = wasm[r.at++];
    const size = r.u32();
    const body = r.at;
    let name = null;
    if (id === 0) {
      const nameLength = r.u32();
      name = new TextDecoder().decode(wasm.subarray(r.at, r.at + nameLength));
    }
    r.at = body + size;
    out.push({ id, start, body, end: r.at, name });
  }
  return out;
}

/** `wasm` without its custom sections named `drop` (the module stays valid:
 *  custom sections never affect what it does). */
function withoutCustomSections(wasm, drop) {
  const kept = [wasm.subarray(0, 8)];
  for (const section of sections(wasm)) {
    if (section.id !== 0 || !drop.includes(section.name)) kept.push(wasm.subarray(section.start, section.end));
  }
  return Buffer.concat(kept);
}

/** The active data segments of `wasm`: {address, at (file offset), length}. */
function dataSegments(wasm) {
  const data = sections(wasm).find((s) => s.id === 11);
  if (!data) return [];
  const r = reader(wasm, data.body);
  const segments = [];
  for (let count = r.u32(); count > 0; count--) {
    const flags = r.u32();
    let address = null;
    if (flags === 0 || flags === 2) {
      if (flags === 2) r.u32(); // memory index
      if (wasm[r.at++] !== 0x41) throw new Error("a data segment's offset is not an i32.const");
      address = r.i32() >>> 0;
      if (wasm[r.at++] !== 0x0b) throw new Error("a data segment's offset expression is longer than a constant");
    }
    const length = r.u32();
    if (address !== null) segments.push({ address, at: r.at, length });
    r.at += length;
  }
  return segments;
}

/** From the linker's map: the output data sections ({name, address, size})
 *  and the data symbols ({name, address, size}). */
function mapOfData(text) {
  const outputs = [];
  const symbols = [];
  let inData = false;
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 4) continue;
    const [address, , size, name] = fields;
    if (address === "-") {
      inData = name === "DATA";
      continue;
    }
    // Input sections are named after their object file, `path.o:(section)`
    // or, inside an archive, `lib.rlib(member.o):(section)`.
    if (!inData || name.includes(":(") || name.startsWith("<")) continue;
    const entry = { name, address: parseInt(address, 16), size: parseInt(size, 16) };
    (name.startsWith(".") && !name.startsWith(".L") ? outputs : symbols).push(entry);
  }
  return { outputs, symbols };
}

/** Takes COLD_DATA's tables out of `wasm` (in place) into files under
 *  `dist/cold/`, and returns `wasm` with the section that says where they go
 *  back. Fails if the map does not describe this wasm or a group's tables
 *  are missing from it (their crate renamed them): a runtime never ships
 *  with tables zeroed that no import brings back. */
async function takeOutColdData(wasm, mapText, dist) {
  const { outputs, symbols } = mapOfData(mapText);
  const segments = dataSegments(wasm);
  for (const output of outputs.filter((o) => o.size > 0 && o.name !== ".bss")) {
    if (!segments.some((s) => s.address === output.address && s.length === output.size)) {
      throw new Error(`the linker map's ${output.name} (${output.size} bytes at ${output.address}) is not in this wasm: a map of another build?`);
    }
  }
  const groups = {};
  await mkdir(join(dist, "cold"), { recursive: true });
  for (const [group, pattern] of Object.entries(COLD_DATA)) {
    const tables = symbols.filter((s) => pattern.test(s.name) && s.size > 0).sort((a, b) => a.address - b.address);
    if (tables.length === 0) throw new Error(`the linker map names no table of cold data group ${group} (${pattern})`);
    const pieces = [];
    const ranges = [];
    for (const { name, address, size } of tables) {
      const segment = segments.find((s) => s.address <= address && address + size <= s.address + s.length);
      if (!segment) throw new Error(`${name} lies in no data segment`);
      const at = segment.at + (address - segment.address);
      pieces.push(Buffer.from(wasm.subarray(at, at + size)));
      wasm.fill(0, at, at + size);
      ranges.push([address, size]);
    }
    const bytes = Buffer.concat(pieces);
    const url = `cold/${group}-${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}.bin`;
    await writeFile(join(dist, url), bytes);
    groups[group] = { url, ranges };
    console.log(`pack-dist: ${tables.length} tables of ${group} (${(bytes.length / 1e6).toFixed(2)} MB) served apart as ${url}`);
  }
  return Buffer.concat([wasm, customSection(COLD_SECTION, JSON.stringify(groups))]);
}

/** A custom section named `name` holding `text`. */
function customSection(name, text) {
  const leb = (n) => {
    const out = [];
    do {
      out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
      n = Math.floor(n / 128);
    } while (n > 0);
    return Buffer.from(out);
  };
  const nameBytes = Buffer.from(name);
  const body = Buffer.concat([leb(nameBytes.length), nameBytes, Buffer.from(text)]);
  return Buffer.concat([Buffer.from([0]), leb(body.length), body]);
}

const args = process.argv.slice(2);
let dist = args.shift();
let map = null;
let quick = false;
while (args.length > 0) {
  const flag = args.shift();
  if (flag === "--quick") quick = true;
  else if (flag === "--map" && args.length > 0) map = args.shift();
  else dist = undefined;
}
if (!dist) {
  console.error("usage: node web/pack-dist.mjs DIST [--map FILE] [--quick]");
  process.exit(2);
}
const quality = quick ? 5 : 11;
const runtime = join(dist, "mpi-worker_bg.wasm");
const full = await readFile(runtime);
if (sections(full).some((s) => s.name === COLD_SECTION)) {
  // Its cold tables are zeros now: packing again would serve zeros.
  console.error(`pack-dist: ${runtime} is packed already; build the page again`);
  process.exit(1);
}
let packed = withoutCustomSections(full, ["name"]);
if (map) {
  packed = await takeOutColdData(packed, await readFile(map, "utf8"), dist);
} else {
  console.log("pack-dist: no --map, so the rank runtime keeps all its tables");
}
await writeFile(runtime, packed);
console.log(`pack-dist: rank runtime ${(full.length / 1e6).toFixed(1)} MB -> ${(packed.length / 1e6).toFixed(1)} MB without names`);
// The page (what a browser loads before the first Run), apart from the
// standard library modules served for ranks to fetch on first import.
const stdlib = join(dist, "stdlib");
const cold = join(dist, "cold");
const totals = { page: { raw: 0, br: 0, files: 0 }, stdlib: { raw: 0, br: 0, files: 0 }, cold: { raw: 0, br: 0, files: 0 } };
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
  const total = totals[path.startsWith(stdlib) ? "stdlib" : path.startsWith(cold) ? "cold" : "page"];
  total.raw += body.length;
  total.br += brotli.length;
  total.files += 1;
}
const mb = (n) => (n / 1e6).toFixed(1);
console.log(`pack-dist (brotli quality ${quality}): the page ${mb(totals.page.raw)} MB -> ${mb(totals.page.br)} MB; ` +
  `stdlib/, fetched on import: ${totals.stdlib.files} files, ${mb(totals.stdlib.raw)} MB -> ${mb(totals.stdlib.br)} MB; ` +
  `cold/, fetched once the page is ready: ${mb(totals.cold.raw)} MB -> ${mb(totals.cold.br)} MB`);
