//! Files fetched into the browser's HTTP cache once the page is ready.
//!
//! The report of a rank's uncaught exception imports `traceback` and what it
//! imports; the rank runtime does not carry them (they would add about
//! 0.2 MB to every first visit before the page is ready), so a rank fetches
//! them from the page on first import like any served module. Fetched here
//! as soon as the page is ready, they are in the HTTP cache (the served
//! library may be kept for good) when a rank first fails: its report never
//! waits on the network, and the page can go offline. The same goes for the
//! rank runtime's cold tables (the CJK codecs' and the Unicode names, about
//! 0.5 MB: web/pack-dist.mjs serves them apart), which a rank puts back
//! before the first code that reads them runs. The rank worker names the files
//! (`FromWorker::Prefetch`).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

/// Fetches every one of `urls` (relative to `base_url`) and reads it whole,
/// so that the browser caches it. Best effort: a file that fails is fetched
/// again by the rank that needs it.
pub fn into_cache(base_url: &str, urls: Vec<String>) {
    let Some(window) = web_sys::window() else { return };
    // All requests start at once (a host far away costs one round trip, not
    // one per file); each body is read to its end, as the cache needs.
    let pending: Vec<_> = urls.iter().map(|url| JsFuture::from(window.fetch_with_str(&format!("{base_url}{url}")))).collect();
    wasm_bindgen_futures::spawn_local(async move {
        for response in pending {
            let Ok(response) = response.await else { continue };
            let response: Response = response.unchecked_into();
            if let Ok(body) = response.array_buffer() {
                let _ = JsFuture::from(body).await;
            }
        }
    });
}
