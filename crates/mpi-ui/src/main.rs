//! The playground's page, built by trunk from index.html.
//!
//! For now a plain page over the runtime: a script box, a rank count, Run and
//! Stop, and the ranks' output with labels. It also installs
//! `window.mpiPlayground` (see [`runner`]), which tutorial pages and the
//! browser tests drive. It builds natively too, so the pure parts (the run
//! record, the messages) are tested with `cargo test`.

mod runner;

use runner::{Playground, RunEvent, RunRequest, Status};
use yew::prelude::*;

/// What the page says when SharedArrayBuffer is unavailable.
pub const ISOLATION_MISSING: &str = "This page is not cross-origin isolated, so SharedArrayBuffer is unavailable \
     and the ranks cannot exchange messages. Serve it with the headers \
     Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp \
     (cargo xtask serve does).";

const HELLO: &str = "from mpi4py import MPI\n\ncomm = MPI.COMM_WORLD\nprint(\"Hello from rank\", comm.rank, \"of\", comm.size)\n";

/// The page's base URL (where the rank runtime is served), for any sub-path.
fn base_url() -> String {
    let base = web_sys::window().and_then(|w| w.document()).and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
    match base.rfind('/') {
        Some(i) => base[..=i].to_owned(),
        None => String::new(),
    }
}

#[derive(Properties, PartialEq)]
struct AppProps {
    playground: Playground,
}

impl PartialEq for Playground {
    fn eq(&self, other: &Self) -> bool {
        self.same(other)
    }
}

#[function_component(App)]
fn app(props: &AppProps) -> Html {
    let source = use_state(|| HELLO.to_owned());
    let ranks = use_state(|| 4u32);
    let lines = use_mut_ref(Vec::<String>::new);
    let version = use_state(|| 0u64);
    let status = use_state(|| "loading the runtime…".to_owned());
    {
        let status = status.clone();
        use_effect_with(props.playground.clone(), move |playground| {
            playground.when_ready(move |r| {
                status.set(match r {
                    Ok(()) => "ready".to_owned(),
                    Err(why) => why,
                })
            });
        });
    }
    let on_run = {
        let (playground, source, ranks, lines, version, status) =
            (props.playground.clone(), source.clone(), ranks.clone(), lines.clone(), version.clone(), status.clone());
        Callback::from(move |_| {
            lines.borrow_mut().clear();
            status.set("running…".to_owned());
            let request =
                RunRequest { source: (*source).clone(), ranks: *ranks, timeout_ms: None, path: "script.py".into(), args: vec![] };
            let (lines, version, status) = (lines.clone(), version.clone(), status.clone());
            playground.run(request, move |event| {
                match event {
                    RunEvent::Output(out) => {
                        let mut all = lines.borrow_mut();
                        for line in out {
                            for text in line.text.lines() {
                                all.push(format!("[{}] {}", line.rank, text));
                            }
                        }
                    }
                    RunEvent::Finished(result) => status.set(match result.status {
                        Status::Ok => format!("finished in {:.0} ms", result.elapsed_ms),
                        _ => result.report,
                    }),
                }
                version.set(*version + 1);
            });
        })
    };
    let on_stop = {
        let playground = props.playground.clone();
        Callback::from(move |_| playground.stop())
    };
    let on_source = {
        let source = source.clone();
        Callback::from(move |e: InputEvent| source.set(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value()))
    };
    let on_ranks = {
        let ranks = ranks.clone();
        Callback::from(move |e: Event| {
            let n = e.target_unchecked_into::<web_sys::HtmlInputElement>().value().parse().unwrap_or(1);
            ranks.set(n);
        })
    };
    let isolated = runner::cross_origin_isolated();
    html! {
        <main>
            <h1>{ "mpi-playground" }</h1>
            if !isolated {
                <p class="status missing" id="isolation">{ ISOLATION_MISSING }</p>
            }
            <textarea id="source" rows="12" cols="80" value={(*source).clone()} oninput={on_source} />
            <p>
                <label>{ "Ranks " }<input id="ranks" type="number" min="1" max={runner::MAX_RANKS.to_string()} value={ranks.to_string()} onchange={on_ranks} /></label>
                { " " }<button id="run" onclick={on_run}>{ "Run" }</button>
                { " " }<button id="stop" onclick={on_stop}>{ "Stop" }</button>
                { " " }<span id="status">{ (*status).clone() }</span>
            </p>
            <pre id="output">{ lines.borrow().join("\n") }</pre>
        </main>
    }
}

fn main() {
    let playground = Playground::new(&base_url());
    runner::install(&playground);
    yew::Renderer::<App>::with_props(AppProps { playground }).render();
}
