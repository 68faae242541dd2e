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
// memory ranges they go back to, in order). Before a rank first imports a
// module that reads a group, the runtime asks for its file
// (`mpiColdDataUrl`, undefined once the group is back or for a runtime
// packed without a map), fetches it as it fetches a served module (the
// browser's cache answers once the page has prefetched `mpiColdDataUrls`)
// and hands the bytes here (`mpiPutColdData`), which copies them into this
// worker's memory, where they stay for every later run.
function installColdData(module, memory) {
  const [section] = WebAssembly.Module.customSections(module, "mpi-playground.cold-data");
  const groups = section ? JSON.parse(new TextDecoder().decode(section)) : {};
  const restored = new Set();
  self.mpiColdDataUrls = () => Object.values(groups).map((group) => group.url);
  self.mpiColdDataUrl = (name) => (name in groups && !restored.has(name) ? groups[name].url : undefined);
  // Returns "" once the group is in memory, else why it is not.
  self.mpiPutColdData = (name, bytes) => {
    const group = groups[name];
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
