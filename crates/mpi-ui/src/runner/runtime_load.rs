//! Fetching and compiling the rank runtime, once for the whole page.
//!
//! The runtime is the page's largest file (about 23 MB decoded). A repeat
//! visit gets it back from the browser's HTTP cache, which keeps it as it
//! came, brotli-encoded: decoding it again takes 100-150 ms of a 2-core
//! machine. So the page keeps a decoded copy in Cache Storage, tagged with the
//! host's validator (`ETag`, else `Last-Modified`), and compiles that copy
//! when the host's fetch, revalidated as `_headers` asks, still carries the
//! same validator. A new release has a new validator: the network's response
//! is compiled, and its copy replaces the old one. A host that sends no
//! validator, or a page without Cache Storage (an insecure origin), gets the
//! network's response every time.

use super::pool::{Progress, describe};
use js_sys::{Reflect, WebAssembly};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, Headers, ReadableStream, ReadableStreamDefaultReader, Response, ResponseInit};

/// The Cache Storage cache holding the decoded runtime.
const CACHE_NAME: &str = "mpi-playground-runtime";
/// The header of the copy that carries the validator of the response it was made from.
const VALIDATOR_HEADER: &str = "x-mpi-playground-validator";
/// How long after the fetch the copy is written: a first visit is ready in
/// about a second on a 2-core machine.
const STORE_AFTER_MS: u32 = 3000;

/// Fetches and compiles the rank runtime from `url`: the decoded copy if it
/// is current (see the module's header), else the network's response,
/// streaming (its body is teed: one branch compiled as it arrives, one counted
/// for `progress`, one stored as the new copy).
pub async fn compile(url: &str, progress: Progress) -> Result<JsValue, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("cannot fetch {url}: {}", describe(&e)))?
        .unchecked_into();
    if !response.ok() {
        return Err(format!("cannot fetch {url}: HTTP {} {}", response.status(), response.status_text()));
    }
    let header = |name: &str| response.headers().get(name).ok().flatten();
    let validator = header("etag").or_else(|| header("last-modified"));
    let cache = match &validator {
        Some(_) => open_cache(&window).await,
        None => None,
    };
    if let (Some(cache), Some(validator)) = (&cache, &validator)
        && let Some(copy) = current_copy(cache, url, validator).await
    {
        // The network's body is never read (nor, after a 304, decoded).
        if let Some(body) = response.body() {
            let _ = body.cancel();
        }
        match compile_streaming(copy).await {
            Ok(module) => return Ok(module),
            // A copy the browser damaged: dropped, and the network asked again.
            Err(_) => {
                let _ = JsFuture::from(cache.delete_with_str(url)).await;
                return Box::pin(compile(url, progress)).await;
            }
        }
    }
    // A compressed transfer's length is not the length of the bytes we count.
    let total = header("content-length").filter(|_| header("content-encoding").is_none()).and_then(|v| v.parse().ok());
    if let (Some(cache), Some(validator)) = (cache, validator) {
        let copy = response.clone().map_err(|e| describe(&e))?;
        wasm_bindgen_futures::spawn_local(store_copy(cache, url.to_owned(), copy, validator));
    }
    // The progress bar counts a copy's bytes; the response itself goes to
    // compileStreaming, because V8 keeps the compiled code only for a module
    // compiled from a fetched response (it keys its cache by the response's
    // URL).
    let counted = response.clone().map_err(|e| describe(&e))?;
    let body = counted.body().ok_or_else(|| format!("{url}: empty response"))?;
    wasm_bindgen_futures::spawn_local(count_bytes(body, total, progress));
    compile_streaming(response).await.map_err(|e| format!("cannot compile {url}: {}", describe(&e)))
}

async fn compile_streaming(response: Response) -> Result<JsValue, JsValue> {
    let response: js_sys::Promise = js_sys::Promise::resolve(&response).unchecked_into();
    JsFuture::from(WebAssembly::compile_streaming(&response)).await
}

/// The runtime's cache, if this page may use Cache Storage.
async fn open_cache(window: &web_sys::Window) -> Option<Cache> {
    // `caches` is missing on insecure origins, where reading it throws.
    let storage = window.caches().ok()?;
    JsFuture::from(storage.open(CACHE_NAME)).await.ok()?.dyn_into().ok()
}

/// The decoded copy of `url`, if it was made from a response with `validator`.
async fn current_copy(cache: &Cache, url: &str, validator: &str) -> Option<Response> {
    let found = JsFuture::from(cache.match_with_str(url)).await.ok()?;
    let copy: Response = found.dyn_into().ok()?;
    let tag = copy.headers().get(VALIDATOR_HEADER).ok().flatten()?;
    (tag == validator).then_some(copy)
}

/// Stores the decoded body of `response` as the copy of `url`, tagged with
/// `validator`, replacing any older one, once the page has had time to get
/// ready (writing 23 MB while it compiles and starts its workers would slow
/// a first visit; the body waits in memory meanwhile). Best effort: a full
/// disk, a private window or a visit that ends sooner only costs the next
/// visit the decoding.
async fn store_copy(cache: Cache, url: String, response: Response, validator: String) {
    gloo_timers::future::TimeoutFuture::new(STORE_AFTER_MS).await;
    let Some(body) = response.body() else { return };
    let Ok(headers) = Headers::new() else { return };
    let _ = headers.set("content-type", "application/wasm");
    let _ = headers.set(VALIDATOR_HEADER, &validator);
    let init = ResponseInit::new();
    init.set_headers(&headers);
    let Ok(copy) = Response::new_with_opt_readable_stream_and_init(Some(&body), &init) else { return };
    let _ = JsFuture::from(cache.put_with_str(&url, &copy)).await;
}

async fn count_bytes(stream: ReadableStream, total: Option<f64>, progress: Progress) {
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut loaded = 0.0;
    while let Ok(chunk) = JsFuture::from(reader.read()).await {
        if Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            break;
        }
        let bytes = Reflect::get(&chunk, &"value".into()).ok().and_then(|v| v.dyn_into::<js_sys::Uint8Array>().ok());
        loaded += bytes.map_or(0.0, |b| b.length() as f64);
        progress(loaded, total);
    }
}
