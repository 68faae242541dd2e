//! The playground's page, built by trunk from index.html.
//!
//! `runner` is the browser runtime's supervisor (worker pool, runs,
//! `window.mpiPlayground`); `app` the page a person uses (editor, gallery,
//! Run/Stop, output views, share, download, embed mode), rendering the pure
//! `state` reducer. It builds natively too, so the pure parts (state, share
//! links, the gallery, the run record) are tested with `cargo test`.

mod app;
mod editor;
mod examples;
mod export;
mod files_view;
mod programs;
mod programs_view;
mod runner;
mod scene;
mod share;
mod state;
mod storage;
mod timeline_view;
mod workspace;

use runner::Playground;
use std::rc::Rc;

/// What the page says when SharedArrayBuffer is unavailable.
pub const ISOLATION_MISSING: &str = "This page is not cross-origin isolated, so SharedArrayBuffer is unavailable \
     and the ranks cannot exchange messages. Serve it with the headers \
     Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp \
     (cargo xtask serve does), or from a host where the page's service worker can add them.";

/// The page's base URL (where the rank runtime is served), for any sub-path.
fn base_url() -> String {
    let base =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
    match base.rfind('/') {
        Some(i) => base[..=i].to_owned(),
        None => String::new(),
    }
}

impl PartialEq for Playground {
    fn eq(&self, other: &Self) -> bool {
        self.same(other)
    }
}

fn main() {
    let launch = app::launch();
    let playground = Playground::new(&base_url(), Rc::new(app::report_progress));
    runner::install(&playground);
    yew::Renderer::<app::App>::with_props(app::AppProps { playground, launch }).render();
}
