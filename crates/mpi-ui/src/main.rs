//! The playground's browser UI, built by trunk from index.html.
//!
//! A placeholder until the editor and the rank workers exist: it names the
//! project, says the runtime is coming, and reports whether the page is
//! cross-origin isolated, which the ranks' SharedArrayBuffer will need. It
//! builds natively too, so its pure parts are tested with `cargo test`.

use yew::prelude::*;

/// What the page says about cross-origin isolation.
fn isolation_message(isolated: bool) -> &'static str {
    if isolated {
        "This page is cross-origin isolated: SharedArrayBuffer is available to the rank workers."
    } else {
        "This page is not cross-origin isolated, so SharedArrayBuffer is unavailable. \
         The ranks need it to exchange messages: serve the page with the headers \
         Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, \
         as cargo xtask serve does."
    }
}

/// The global `crossOriginIsolated` flag (false where it does not exist).
fn cross_origin_isolated() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"crossOriginIsolated".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

#[function_component(App)]
fn app() -> Html {
    let isolated = cross_origin_isolated();
    let status_class = if isolated { "status ok" } else { "status missing" };
    html! {
        <main>
            <h1>{ "mpi-playground" }</h1>
            <p>{ "Write mpi4py programs and run them on several ranks, right in the browser: the runtime is coming soon." }</p>
            <p class={status_class} id="isolation">
                <strong>{ format!("crossOriginIsolated: {isolated}") }</strong>
                <br />
                { isolation_message(isolated) }
            </p>
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}

#[cfg(test)]
mod tests {
    use super::isolation_message;

    #[test]
    fn missing_isolation_names_the_headers() {
        let text = isolation_message(false);
        assert!(text.contains("Cross-Origin-Opener-Policy: same-origin"));
        assert!(text.contains("Cross-Origin-Embedder-Policy: require-corp"));
        assert!(isolation_message(true).contains("SharedArrayBuffer is available"));
    }
}
