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
    await wasm_bindgen({ module_or_path: module });
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
