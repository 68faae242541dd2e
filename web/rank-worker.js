// A rank's Web Worker: the little JavaScript that cannot be Rust.
//
// The page compiles mpi-worker_bg.wasm once and posts the compiled
// WebAssembly.Module here as {kind: "init", module}. Until the instance is
// ready every other message is queued, so nothing sent early is lost; then
// each goes to the Rust entry point (crates/mpi-worker). Classic (non-module)
// worker: wasm-bindgen's no-modules glue defines the global `wasm_bindgen`.
"use strict";

importScripts("./mpi-worker.js");

const early = [];
let deliver = null;

self.onmessage = (event) => {
  const message = event.data;
  if (message && message.kind === "init") {
    start(message.module);
  } else if (deliver) {
    deliver(message);
  } else {
    early.push(message);
  }
};

async function start(module) {
  try {
    const exports = await wasm_bindgen({ module_or_path: module });
    installColdData(module, exports.memory);
  } catch (error) {
    self.postMessage({ kind: "crash", message: "could not start the runtime: " + error });
    return;
  }
  // Creates the first interpreter and posts {kind: "ready"}.
  wasm_bindgen.start();
  deliver = wasm_bindgen.on_message;
  for (const message of early.splice(0)) {
    deliver(message);
  }
}

// The tables web/pack-dist.mjs took out of the runtime (its custom section
// `mpi-playground.cold-data`: per group, the file that holds them and the
// memory ranges they go back to, in order). The runtime asks for a group
// before a rank first imports a module that reads it (`mpiRestoreColdData`,
// a synchronous request, as an import's is: the browser's cache answers it
// once the page has prefetched `mpiColdDataUrls`). Once back, a group stays
// for every later run of this worker. A runtime packed without a map has no
// such section and nothing to restore.
function installColdData(module, memory) {
  const [section] = WebAssembly.Module.customSections(module, "mpi-playground.cold-data");
  const groups = section ? JSON.parse(new TextDecoder().decode(section)) : {};
  const restored = new Set();
  self.mpiColdDataUrls = () => Object.values(groups).map((group) => group.url);
  // Returns "" once the group is in memory, else why it is not.
  self.mpiRestoreColdData = (name) => {
    const group = groups[name];
    if (!group || restored.has(name)) return "";
    const request = new XMLHttpRequest();
    request.open("GET", group.url, false);
    request.responseType = "arraybuffer";
    try {
      request.send();
    } catch (error) {
      return "the request failed (offline, or the page's server is gone)";
    }
    if (request.status !== 200) return `HTTP ${request.status} for ${group.url}`;
    const bytes = new Uint8Array(request.response);
    const expected = group.ranges.reduce((sum, [, length]) => sum + length, 0);
    if (bytes.length !== expected) return `${group.url} has ${bytes.length} bytes, not ${expected}`;
    let at = 0;
    for (const [address, length] of group.ranges) {
      new Uint8Array(memory.buffer, address, length).set(bytes.subarray(at, at + length));
      at += length;
    }
    restored.add(name);
    return "";
  };
}
