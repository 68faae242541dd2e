//! The worker's side of the control protocol, and the [`RankHost`] a rank's
//! interpreter sees in the browser.

use crate::output::{Batcher, stream_name};
use js_sys::{Int32Array, Reflect, SharedArrayBuffer, Uint8Array};
use mpi_core::{Endpoint, World};
use mpi_python::{RankHost, RankRuntime, Script, Stream};
use mpi_web::SabMemory;
use mpi_web::protocol::{CREDITS_FIELD, FromWorker, ToWorker, WORLD_FIELD, from_js, to_js};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, XmlHttpRequest, XmlHttpRequestResponseType};

thread_local! {
    /// The interpreter warmed for the next run.
    static WARM: RefCell<Option<RankRuntime>> = const { RefCell::new(None) };
    /// This worker's `performance.timeOrigin`, read once: it never changes.
    static TIME_ORIGIN: f64 = scope().performance().expect("workers have performance").time_origin();
}

#[wasm_bindgen]
extern "C" {
    /// `performance.now()` as one direct import: the timeline reads the
    /// clock at every MPI call while it records, and going through
    /// `self.performance` costs several calls into JavaScript each time.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    /// rank-worker.js's: the URLs of the tables the page serves apart from
    /// the runtime (web/pack-dist.mjs's cold data), for it to prefetch.
    #[wasm_bindgen(js_name = mpiColdDataUrls)]
    fn js_cold_data_urls() -> Vec<String>;
    /// rank-worker.js's: the URL of a group of those tables, or None once
    /// the group is back in this worker's memory (or was never taken out).
    #[wasm_bindgen(js_name = mpiColdDataUrl)]
    fn js_cold_data_url(group: &str) -> Option<String>;
    /// rank-worker.js's: copies a group's fetched tables back into this
    /// worker's memory; "" once they are, else why not.
    #[wasm_bindgen(js_name = mpiPutColdData)]
    fn js_put_cold_data(group: &str, bytes: &Uint8Array) -> String;
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Milliseconds on the clock every worker and the page share
/// (`performance.timeOrigin + performance.now()`).
pub fn now_ms() -> f64 {
    TIME_ORIGIN.with(|origin| origin + performance_now())
}

pub fn post(message: &FromWorker) {
    // Posting a plain object to our own parent cannot fail.
    let _ = scope().post_message(&to_js(message));
}

/// Called once by rank-worker.js after instantiation: reports panics to the
/// page, names what the page should cache (what an uncaught exception's
/// report imports, and the runtime's cold data), then warms the first
/// interpreter.
#[wasm_bindgen]
pub fn start() {
    std::panic::set_hook(Box::new(|info| post(&FromWorker::Crash { message: info.to_string() })));
    // The parser reads the Unicode names for "\N{...}" (the other readers
    // are imports and codec functions, which _served_stdlib.py hooks).
    parser_unicode_names::set_before_lookup(|| restore_cold_data("names").is_ok());
    let mut urls = mpi_python::prefetched_urls();
    urls.extend(js_cold_data_urls());
    post(&FromWorker::Prefetch { urls });
    warm();
}

/// Creates the interpreter the next run will use, and says so.
fn warm() {
    let began = now_ms();
    let runtime = RankRuntime::new();
    WARM.with(|w| *w.borrow_mut() = Some(runtime));
    post(&FromWorker::Ready { warm_ms: now_ms() - began });
}

/// Every message after `init` (rank-worker.js queues any that come before).
#[wasm_bindgen]
pub fn on_message(message: JsValue) {
    let shared =
        |field: &str| Reflect::get(&message, &field.into()).ok().and_then(|w| w.dyn_into::<SharedArrayBuffer>().ok());
    let (world, credits) = (shared(WORLD_FIELD), shared(CREDITS_FIELD));
    match from_js::<ToWorker>(message) {
        Ok(ToWorker::Run { rank, source, path, args, appnum, stdin, origin_ms }) => {
            let Some(world) = world else {
                post(&FromWorker::Crash { message: "a run message came without its World buffer".into() });
                return;
            };
            let credits = credits.map(|c| (Int32Array::new(&c), rank));
            run(world, rank, Script { source, path, args, appnum, stdin: Some(stdin) }, origin_ms, credits);
        }
        Err(e) => post(&FromWorker::Crash { message: format!("unreadable control message: {e}") }),
    }
}

fn run(buffer: SharedArrayBuffer, rank: u32, script: Script, origin_ms: f64, credits: Option<(Int32Array, u32)>) {
    let runtime = WARM.with(|w| w.borrow_mut().take()).unwrap_or_else(RankRuntime::new);
    let batcher = Rc::new(Batcher::new(origin_ms, credits));
    let memory = SabMemory::wrap(buffer).with_before_wait({
        let batcher = batcher.clone();
        move || batcher.flush()
    });
    let endpoint = Endpoint::new(World::attach(Arc::new(memory)), rank);
    let host =
        Rc::new(BrowserHost { batcher: batcher.clone(), origin_ms, nap: Int32Array::new(&SharedArrayBuffer::new(4)) });
    let outcome = runtime.run(endpoint, host, &script);
    batcher.flush();
    post(&FromWorker::Exit { outcome });
    warm();
}

/// What a rank's interpreter reaches of the browser.
struct BrowserHost {
    batcher: Rc<Batcher>,
    origin_ms: f64,
    /// A private word to sleep on: `Atomics.wait` with a timeout is the only
    /// way a worker can sleep without spinning.
    nap: Int32Array,
}

impl RankHost for BrowserHost {
    fn output(&self, stream: Stream, text: &str) {
        self.batcher.write(stream_name(stream), text);
    }

    fn wtime(&self) -> f64 {
        (now_ms() - self.origin_ms) / 1000.0
    }

    fn processor_name(&self) -> String {
        // Every rank runs on this machine; real MPI prints the host's name.
        "localhost".to_owned()
    }

    fn sleep(&self, seconds: f64) {
        self.batcher.flush();
        let _ = js_sys::Atomics::wait_with_timeout(&self.nap, 0, 0, seconds * 1000.0);
    }

    fn clock(&self) -> f64 {
        now_ms() / 1000.0
    }

    fn warn(&self, text: &str) {
        self.batcher.flush();
        post(&FromWorker::Warning { text: text.to_owned() });
    }

    fn spawn_process(&self, slot: u32, name: &str) -> Result<(), String> {
        // The page starts it on a free worker; the process then waits for
        // what this rank sends it, so nothing here waits for the page.
        self.batcher.flush();
        post(&FromWorker::Spawn { slot, name: name.to_owned() });
        Ok(())
    }

    fn kill_process(&self, slot: u32) {
        post(&FromWorker::Kill { slot });
    }

    fn cpu_count(&self) -> usize {
        scope().navigator().hardware_concurrency() as usize
    }

    fn pid(&self, slot: u32) -> u32 {
        // As the browser's os.getpid(): 1000 + the World slot.
        1000 + slot
    }

    fn fetch_text(&self, url: &str) -> Result<String, String> {
        let request = get(url, XmlHttpRequestResponseType::Text)?;
        request.response_text().map_err(js_error)?.ok_or_else(|| "an empty response".to_owned())
    }

    fn restore_cold_data(&self, group: &str) -> Result<(), String> {
        restore_cold_data(group)
    }
}

/// Puts cold data group `group` back into this worker's memory (once), or
/// says why it could not.
fn restore_cold_data(group: &str) -> Result<(), String> {
    let Some(url) = js_cold_data_url(group) else { return Ok(()) };
    let bytes = Uint8Array::new(&get(&url, XmlHttpRequestResponseType::Arraybuffer)?.response().map_err(js_error)?);
    match js_put_cold_data(group, &bytes) {
        why if why.is_empty() => Ok(()),
        why => Err(why),
    }
}

/// A finished synchronous GET of `url` answered 200, or why it was not.
/// Synchronous, as an import is: workers may make synchronous requests, and
/// the browser's cache answers repeats (the served standard library is named
/// by version, and the cold tables by content, so they may be kept for
/// good). A relative URL resolves against this worker's script, beside the page.
fn get(url: &str, response_type: XmlHttpRequestResponseType) -> Result<XmlHttpRequest, String> {
    let request = XmlHttpRequest::new().map_err(js_error)?;
    request.open_with_async("GET", url, false).map_err(js_error)?;
    request.set_response_type(response_type);
    request.send().map_err(|_| "the request failed (offline, or the page's server is gone)".to_owned())?;
    match request.status().map_err(js_error)? {
        200 => Ok(request),
        status => Err(format!("HTTP {status} for {url}")),
    }
}

fn js_error(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}
