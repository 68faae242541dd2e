// Finishes a built dist/ for hosting:
// 1. drops the function-name section of the rank runtime (mpi-worker_bg.wasm):
//    a fifth of its bytes, used only to name wasm frames in JS stack traces
//    (a rank's panic message keeps its file and line);
// 2. with --map (the linker's map of the runtime, crates/mpi-worker/build.rs),
//    takes out of the runtime the tables only some imports need (COLD_DATA,
//    COLD_GENERATED):
//    their bytes go to cold/GROUP-HASH.bin, their place in the runtime's data
//    is zeroed (brotli makes nothing of zeros), and a custom section
//    `mpi-playground.cold-data` says where they go back, which rank-worker.js
//    does before a rank first imports a module that reads them;
// 3. writes NAME.br and NAME.gz beside every compressible file (wasm, js,
//    css, html, bin), so that a host (or tests/browser/serve.mjs) sends the
//    smallest encoding a browser accepts without compressing on the fly.
//   node web/pack-dist.mjs DIST [--map FILE --build-dir DIR] [--quick]
// --build-dir: the build scripts' outputs of the runtime's build
// (TARGET/PROFILE/build), where COLD_GENERATED's tables are read.
// --quick: brotli quality 5 instead of 11, for a dist/ only the tests load
// (2 s instead of 2 minutes for the rank runtime; about 14% larger).
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join, extname } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const COMPRESSIBLE = new Set([".wasm", ".js", ".mjs", ".css", ".html", ".json", ".svg", ".txt", ".py", ".bin"]);

// The runtime's tables a first Run never reads, by group, and in
// crates/mpi-python/python/_served_stdlib.py what brings each back.
// Some are statics the linker's map names (their mangled names):
// - cjk: the CJK codecs' mapping tables (rustpython-common's
//   `encodings::cjk::mappings_*::*_DATA`), read only by the `_codecs_*`
//   modules' codecs: 0.59 MB, 0.22 MB with brotli. (Thin LTO, the tests'
//   build, suffixes a static it made visible across units `.llvm.N`.)
const COLD_DATA = { cjk: /17rustpython_common9encodings3cjk\d+mappings_\w+_DATA(\.llvm\.\d+)?$/ };
// Others are constants the map cannot name: whole-program optimisation folds
// the `&'static [T]` statics that point to them into the code that reads
// them, leaving anonymous `.Lanon.*` sections. They are found by content
// instead, as the crate's build script generated them (`pub static` tables
// in OUT_DIR, of at least MIN_TABLE bytes; each must be one whole input
// section of the map, found once):
// - names: the Unicode character names of `unicode_names2` (its phrasebook,
//   lexicon and name-to-code hash), read only through rustpython-unicode's
//   `character_name` and `lookup_*` (grep RustPython's crates for them):
//   0.84 MB, 0.30 MB with brotli.
const COLD_GENERATED = { names: { crate: "unicode_names2", files: ["generated.rs", "generated_phf.rs"] } };
const MIN_TABLE = 4096;
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

/** From the linker's map: the output data sections, the input sections
 *  (their section's name) and the data symbols, each {name, address, size}. */
function mapOfData(text) {
  const outputs = [];
  const inputs = [];
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
    if (!inData || name.startsWith("<")) continue;
    const entry = { name, address: parseInt(address, 16), size: parseInt(size, 16) };
    if (name.includes(":(")) inputs.push({ ...entry, name: name.slice(name.indexOf(":(") + 2, -1) });
    else (name.startsWith(".") && !name.startsWith(".L") ? outputs : symbols).push(entry);
  }
  return { outputs, inputs, symbols };
}

/** The pointer-free tables a build script's generated Rust source defines
 *  (`pub static NAME: &'static str = "...";` or `&'static [T] = &[...];`
 *  of u8, u16, u32, char or (u16, u16)): {name, bytes}, the bytes as they
 *  lie in wasm32's memory. */
function generatedTables(source) {
  const tables = [];
  const pattern = /pub static (\w+): &'static (str|\[(u8|u16|u32|char|\(u16, u16\))\]) = /g;
  for (const m of source.matchAll(pattern)) {
    const rest = source.slice(m.index + m[0].length);
    if (m[2] === "str") {
      // Generated text escapes nothing but its line breaks.
      const literal = /^"((?:[^"\\]|\\\n)*)"/.exec(rest);
      if (!literal) throw new Error(`${m[1]} is a string with escapes this reader does not know`);
      tables.push({ name: m[1], bytes: Buffer.from(literal[1].replace(/\\\n\s*/g, "")) });
      continue;
    }
    const body = rest.slice(0, rest.indexOf("];"));
    if (m[3] === "char") {
      const escaped = { n: 10, r: 13, t: 9, 0: 0, "\\": 92, "'": 39, '"': 34 };
      const chars = [...body.matchAll(/'(?:\\u\{([0-9a-fA-F]+)\}|\\(.)|([^\\']))'/gu)].map((c) =>
        c[1] !== undefined ? parseInt(c[1], 16) : c[2] !== undefined ? escaped[c[2]] : c[3].codePointAt(0));
      if (chars.includes(undefined)) throw new Error(`${m[1]} has a char escape this reader does not know`);
      tables.push({ name: m[1], bytes: Buffer.from(new Uint32Array(chars).buffer) });
    } else {
      const numbers = (body.match(/\d+/g) ?? []).map(Number);
      const array = m[3] === "u8" ? Uint8Array : m[3] === "u32" ? Uint32Array : Uint16Array;
      tables.push({ name: m[1], bytes: Buffer.from(new array(numbers).buffer) });
    }
  }
  return tables;
}

/** Where COLD_GENERATED's group `group` lies in `wasm`: its crate's
 *  generated tables of at least MIN_TABLE bytes, each found once in the data
 *  segments as one whole input section of the map, from the first of the
 *  crate's build outputs under `buildDir` whose tables are all found (a
 *  build directory keeps outputs of older builds). [{name, address, size}] */
async function generatedTablesIn(wasm, segments, inputs, buildDir, group) {
  const { crate, files } = COLD_GENERATED[group];
  const outputs = (await readdir(buildDir)).filter((d) => d.startsWith(`${crate}-`)).map((d) => join(buildDir, d, "out"));
  const tried = [];
  for (const out of outputs) {
    let sources;
    try {
      sources = await Promise.all(files.map((f) => readFile(join(out, f), "utf8")));
    } catch {
      continue;
    }
    const tables = sources.flatMap(generatedTables).filter((t) => t.bytes.length >= MIN_TABLE);
    const found = tables.map(({ name, bytes }) => {
      const at = wasm.indexOf(bytes);
      if (at < 0 || wasm.indexOf(bytes, at + 1) >= 0) return null;
      const segment = segments.find((s) => s.at <= at && at + bytes.length <= s.at + s.length);
      const address = segment && segment.address + (at - segment.at);
      const whole = inputs.some((i) => i.address === address && i.size === bytes.length);
      return whole ? { name, address, size: bytes.length } : null;
    });
    if (tables.length > 0 && found.every((f) => f !== null)) return found;
    tried.push(`${out}: ${tables.length} tables, ${found.filter((f) => f === null).length} not found`);
  }
  throw new Error(`no build output of ${crate} under ${buildDir} has all its tables in this wasm (${tried.join("; ") || "none has " + files.join(", ")})`);
}

/** Takes COLD_DATA's tables out of `wasm` (in place) into files under
 *  `dist/cold/`, and returns `wasm` with the section that says where they go
 *  back. Fails if the map does not describe this wasm or a group's tables
 *  are missing from it (their crate renamed them): a runtime never ships
 *  with tables zeroed that no import brings back. */
async function takeOutColdData(wasm, mapText, buildDir, dist) {
  const { outputs, inputs, symbols } = mapOfData(mapText);
  const segments = dataSegments(wasm);
  for (const output of outputs.filter((o) => o.size > 0 && o.name !== ".bss")) {
    if (!segments.some((s) => s.address === output.address && s.length === output.size)) {
      throw new Error(`the linker map's ${output.name} (${output.size} bytes at ${output.address}) is not in this wasm: a map of another build?`);
    }
  }
  const groups = {};
  await mkdir(join(dist, "cold"), { recursive: true });
  const located = {};
  for (const [group, pattern] of Object.entries(COLD_DATA)) {
    located[group] = symbols.filter((s) => pattern.test(s.name) && s.size > 0);
    if (located[group].length === 0) throw new Error(`the linker map names no table of cold data group ${group} (${pattern})`);
  }
  for (const group of Object.keys(COLD_GENERATED)) {
    located[group] = await generatedTablesIn(wasm, segments, inputs, buildDir, group);
  }
  for (const [group, found] of Object.entries(located)) {
    const tables = found.sort((a, b) => a.address - b.address);
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
let buildDir = null;
let quick = false;
while (args.length > 0) {
  const flag = args.shift();
  if (flag === "--quick") quick = true;
  else if (flag === "--map" && args.length > 0) map = args.shift();
  else if (flag === "--build-dir" && args.length > 0) buildDir = args.shift();
  else dist = undefined;
}
if (!dist || (map === null) !== (buildDir === null)) {
  console.error("usage: node web/pack-dist.mjs DIST [--map FILE --build-dir DIR] [--quick]");
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
  packed = await takeOutColdData(packed, await readFile(map, "utf8"), buildDir, dist);
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
