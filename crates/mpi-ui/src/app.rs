//! The page: editor, rank count, Run/Stop, status, output views, gallery,
//! share and download; and the compact embed mode for tutorial pages.
//! Components render [`State`] and dispatch [`Action`]s; the runtime
//! ([`Playground`]) is driven from callbacks.

use crate::editor::Editor;
use crate::examples::{self, EXAMPLES};
use crate::files_view::FilesBar;
use crate::programs_view::ProgramsPanel;
use crate::runner::record::OutputLine;
use crate::runner::{Playground, RunEvent, RunRequest, Status};
use crate::state::{Action, Ending, Line, MAX_RANKS, MIN_RANKS, Phase, Sends, State, View};
use crate::workspace::{Contents, File, Workspace};
use crate::{export, share, storage};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

thread_local! {
    /// Where download progress goes once the page is up.
    static PROGRESS: std::cell::RefCell<Option<Callback<(f64, Option<f64>)>>> = const { std::cell::RefCell::new(None) };
}

/// The runtime's download progress (bytes so far, total when known).
pub fn report_progress(loaded: f64, total: Option<f64>) {
    PROGRESS.with(|p| {
        if let Some(cb) = &*p.borrow() {
            cb.emit((loaded, total));
        }
    });
}

/// How the page was opened.
#[derive(Clone, Debug, PartialEq)]
pub struct Launch {
    pub embed: bool,
    pub state: State,
}

/// Reads the URL (share fragment, embed parameters) and the saved draft.
pub fn launch() -> Launch {
    let location = web_sys::window().map(|w| w.location());
    let query = location.as_ref().and_then(|l| l.search().ok()).unwrap_or_default();
    let hash = location.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&query).ok();
    let param = |k: &str| params.as_ref().and_then(|p| p.get(k));
    let embed = params.as_ref().is_some_and(|p| p.has("embed"));
    let ranks_param = param("ranks").and_then(|r| r.parse().ok());
    let default = examples::find("hello").expect("hello is in the gallery");
    let mut state = State::new(default.source.to_owned(), 4);
    if let Some(shared) = share::decode(&hash) {
        // A shared link loads its script; it never runs it by itself.
        state = state
            .reduce(Action::Edit(shared.source))
            .reduce(Action::SetRanks(shared.ranks.or(ranks_param).unwrap_or(4)))
            .reduce(Action::SetSends(shared.sends.unwrap_or_default()))
            .reduce(Action::SetStdin(shared.stdin))
            .reduce(Action::SetWorkspace(shared.workspace))
            .reduce(Action::SetPrograms(shared.programs));
    } else if let Some(example) = param("example").and_then(|n| examples::find(&n)) {
        state = state.reduce(load_example(example));
        if let Some(n) = ranks_param {
            state = state.reduce(Action::SetRanks(n));
        }
    } else if let Some(draft) = storage::load().filter(|_| !embed) {
        state = state
            .reduce(Action::Edit(draft.source))
            .reduce(Action::SetRanks(draft.ranks))
            .reduce(Action::SetSends(draft.sends))
            .reduce(Action::SetStdin(draft.stdin))
            .reduce(Action::SetWorkspace(Rc::unwrap_or_clone(draft.workspace)))
            .reduce(Action::SetPrograms(draft.programs));
    } else {
        state = state.reduce(load_example(default));
    }
    Launch { embed, state }
}

fn load_example(e: &examples::Example) -> Action {
    Action::LoadExample { name: e.name.to_owned(), source: e.source.to_owned(), ranks: e.ranks }
}

/// Makes [`State::reduce`] Yew's reducer.
#[derive(PartialEq)]
struct Model(State);

impl Reducible for Model {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let state = Rc::try_unwrap(self).map(|m| m.0).unwrap_or_else(|shared| shared.0.clone());
        Rc::new(Model(state.reduce(action)))
    }
}

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub playground: Playground,
    pub launch: Launch,
}

fn prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Output arrives in many small events; it is handed to the state at most
/// every [`FLUSH_MS`], so a flood costs a few renders a second, not thousands.
const FLUSH_MS: u32 = 40;

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let model = use_reducer_eq(|| Model(props.launch.state.clone()));
    let state = &model.0;
    let dispatch = model.dispatcher();
    let embed = props.launch.embed;
    let dark = use_state(prefers_dark);
    let pending = use_mut_ref(Vec::<OutputLine>::new);
    let flush_timer = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
    let started = use_mut_ref(|| 0.0f64);
    let clock = use_state(|| 0.0f64);
    let notice = use_state(String::new);
    let messages_open = use_state(|| false);

    // Runtime download progress and readiness (set up once).
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            let cb = Callback::from(move |(loaded, total)| dispatch.dispatch(Action::Loading { loaded, total }));
            PROGRESS.with(|p| *p.borrow_mut() = Some(cb));
        });
    }
    {
        let (playground, dispatch) = (props.playground.clone(), dispatch.clone());
        use_effect_with((), move |_| {
            playground.when_ready(move |r| match r {
                Ok(()) => dispatch.dispatch(Action::Ready),
                Err(why) => dispatch.dispatch(Action::Unavailable(why)),
            });
        });
    }
    // Keep the draft (not in embed mode: an embedded example is not the user's draft).
    {
        let draft = storage::Draft {
            source: state.source.clone(),
            ranks: state.ranks,
            sends: state.sends,
            stdin: state.stdin.clone(),
            workspace: state.workspace.clone(),
            programs: state.programs.clone(),
        };
        use_effect_with(draft, move |draft| {
            if !embed {
                storage::save(draft)
            }
        });
    }
    // Follow the system's theme.
    {
        let dark = dark.clone();
        use_effect_with((), move |_| {
            let query = web_sys::window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten());
            let listener = query.map(|q| {
                let q2 = q.clone();
                let l = on_media_change(&q, move || dark.set(q2.matches()));
                (q, l)
            });
            move || drop(listener)
        });
    }
    // The elapsed time while running.
    {
        let (clock, running) = (clock.clone(), state.is_running());
        use_effect_with(running, move |running| {
            let interval = running.then(|| gloo_timers::callback::Interval::new(100, move || clock.set(now())));
            move || drop(interval)
        });
    }

    let flush = {
        let (pending, dispatch) = (pending.clone(), dispatch.clone());
        Rc::new(move || {
            let lines = std::mem::take(&mut *pending.borrow_mut());
            if !lines.is_empty() {
                dispatch.dispatch(Action::Output(lines));
            }
        })
    };
    // What the ranks run, checked, and the same run as an mpiexec command.
    let programs = state.programs.resolve(&state.script_name(), &state.source, state.ranks, &state.workspace, MAX_RANKS);
    let launch = state.programs.launch_programs(&state.script_name(), state.ranks);
    let total_ranks = state.programs.total_ranks(state.ranks);
    let mpiexec_line = mpi_core::launch::mpiexec_command(
        &launch,
        false,
        (!state.stdin.is_empty()).then(|| export::input_file_name(&state.script_name(), &state.workspace)).as_deref(),
    );
    let on_programs = {
        let dispatch = dispatch.clone();
        Callback::from(move |programs| dispatch.dispatch(Action::SetPrograms(programs)))
    };
    let on_run = {
        let (playground, dispatch, started) = (props.playground.clone(), dispatch.clone(), started.clone());
        let (pending, flush_timer, flush) = (pending.clone(), flush_timer.clone(), flush.clone());
        let request = programs.clone().ok().map(|programs| RunRequest {
            programs,
            timeout_ms: None,
            eager_limit: state.sends.eager_limit(),
            stdin: state.stdin.clone(),
            files: state.workspace.for_run(),
        });
        let can_run = state.can_run();
        Callback::from(move |_: ()| {
            let Some(request) = request.clone().filter(|_| can_run) else { return };
            pending.borrow_mut().clear();
            *started.borrow_mut() = now();
            dispatch.dispatch(Action::RunStarted);
            let (dispatch, pending, flush_timer, flush) =
                (dispatch.clone(), pending.clone(), flush_timer.clone(), flush.clone());
            playground.run(request, move |event| match event {
                RunEvent::Output(lines) => {
                    pending.borrow_mut().extend(lines);
                    let mut timer = flush_timer.borrow_mut();
                    if timer.is_none() {
                        let (flush, flush_timer) = (flush.clone(), flush_timer.clone());
                        *timer = Some(gloo_timers::callback::Timeout::new(FLUSH_MS, move || {
                            flush_timer.borrow_mut().take();
                            flush();
                        }));
                    }
                }
                RunEvent::Finished(result) => {
                    flush_timer.borrow_mut().take();
                    flush();
                    dispatch.dispatch(Action::Finished(Box::new(result)));
                }
            });
        })
    };
    let on_stop = {
        let playground = props.playground.clone();
        Callback::from(move |_: MouseEvent| playground.stop())
    };
    let on_edit = {
        let (dispatch, open_file) = (dispatch.clone(), state.open_file);
        Callback::from(move |text: String| {
            dispatch.dispatch(match open_file {
                Some(i) => Action::EditFile(i, text),
                None => Action::Edit(text),
            })
        })
    };
    let on_workspace = {
        let dispatch = dispatch.clone();
        Callback::from(move |action: Action| dispatch.dispatch(action))
    };
    let on_keep = {
        let dispatch = dispatch.clone();
        Callback::from(move |f: File| dispatch.dispatch(Action::AddFile { name: f.name, contents: f.contents }))
    };
    let on_ranks = {
        let (dispatch, playground) = (dispatch.clone(), props.playground.clone());
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Ok(n) = input.value().trim().parse::<u32>() {
                let n = n.clamp(MIN_RANKS, MAX_RANKS);
                input.set_value(&n.to_string());
                playground.warm(n as usize);
                dispatch.dispatch(Action::SetRanks(n));
            }
        })
    };
    let on_sends = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(sends) = Sends::from_key(&select.value()) {
                dispatch.dispatch(Action::SetSends(sends));
            }
        })
    };
    let on_example = {
        let (dispatch, playground) = (dispatch.clone(), props.playground.clone());
        Callback::from(move |name: &'static str| {
            if let Some(e) = examples::find(name) {
                playground.warm(e.ranks as usize);
                dispatch.dispatch(load_example(e));
            }
        })
    };
    let on_view = {
        let dispatch = dispatch.clone();
        Callback::from(move |view: View| dispatch.dispatch(Action::SetView(view)))
    };
    let on_messages = {
        let messages_open = messages_open.clone();
        Callback::from(move |_: MouseEvent| messages_open.set(!*messages_open))
    };
    let on_clear = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::ClearOutput))
    };
    let on_copy = {
        let (text, notice) = (state.output_text(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            copy_to_clipboard(&text);
            notice.set("Output copied".to_owned());
        })
    };
    let on_stdin = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let area: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            dispatch.dispatch(Action::SetStdin(area.value()));
        })
    };
    let on_share = {
        let (source, ranks, sends, notice) = (state.source.clone(), state.ranks, state.sends, notice.clone());
        let (stdin, workspace, programs) = (state.stdin.clone(), state.workspace.clone(), state.programs.clone());
        Callback::from(move |_: MouseEvent| {
            let fragment = share::encode(&source, ranks, sends, &stdin, &workspace, &programs);
            if fragment.len() > share::MAX_LINK_CHARS {
                notice.set(format!(
                    "This workspace is too large for a link ({} KB of {} KB): download it as a zip instead.",
                    fragment.len() / 1024,
                    share::MAX_LINK_CHARS / 1024
                ));
                return;
            }
            let url = share_url(&fragment);
            copy_to_clipboard(&url);
            notice.set(url);
        })
    };
    let on_download = {
        let (source, name, command) = (state.source.clone(), state.script_name(), mpiexec_line.clone());
        Callback::from(move |e: MouseEvent| {
            close_menu(&e);
            download(&name, &share::download_text(&source, &command))
        })
    };
    // The workspace file open in the editor, as it is.
    let open_file = state.open_file.and_then(|i| state.workspace.files.get(i)).cloned();
    let on_download_open = {
        let file = open_file.clone();
        Callback::from(move |e: MouseEvent| {
            close_menu(&e);
            if let Some(file) = &file {
                let name = file.name.rsplit('/').next().unwrap_or(&file.name);
                download_bytes(name, &file.contents.bytes());
            }
        })
    };
    // The zips: the workspace as it is, or with run.sh and job.slurm for a cluster.
    let on_zip = |for_mpiexec: bool| {
        let (source, main, workspace) = (state.source.clone(), state.script_name(), state.workspace.clone());
        let (stdin, launch) = (state.stdin.clone(), launch.clone());
        Callback::from(move |e: MouseEvent| {
            close_menu(&e);
            let bundle = export::Bundle { main: &main, source: &source, workspace: &workspace, stdin: &stdin };
            let (zip, suffix) =
                if for_mpiexec { (bundle.mpiexec_zip(&launch), "-mpiexec") } else { (bundle.workspace_zip(), "") };
            download_bytes_as(&format!("{}{suffix}.zip", bundle.folder()), "application/zip", &zip);
        })
    };

    let elapsed = if state.is_running() { (*clock - *started.borrow()).max(0.0) } else { 0.0 };
    let toolbar = html! {
        <div class="toolbar" role="toolbar" aria-label="Run controls">
            <label class="ranks">{ "Ranks " }
                <input id="ranks" type="number" min={MIN_RANKS.to_string()} max={MAX_RANKS.to_string()}
                    value={state.ranks.to_string()} onchange={on_ranks} aria-label="Number of ranks" />
            </label>
            if !state.programs.more.is_empty() {
                <span id="more-ranks" class="more-ranks" title="Ranks of the other programs (see Programs)">
                    { format!("+ {} = {total_ranks} ranks", total_ranks - state.ranks) }
                </span>
            }
            <label class="sends" title="When a standard-mode send (send, Send, isend) returns: MPICH buffers messages of up to 8255 bytes and makes larger ones wait for their matching receive">{ "Sends " }
                <select id="sends" onchange={on_sends} aria-label="How standard sends complete">
                    { for Sends::ALL.iter().map(|s| html! {
                        <option value={s.key()} selected={*s == state.sends}>{ s.label() }</option>
                    }) }
                </select>
            </label>
            <button id="run" class="primary" disabled={!state.can_run() || programs.is_err()}
                title={programs.as_ref().err().cloned().unwrap_or_else(|| "Run (Ctrl+Enter)".to_owned())}
                onclick={let on_run = on_run.clone(); move |_| on_run.emit(())}>{ "Run" }</button>
            <button id="stop" disabled={!state.is_running()} onclick={on_stop}>{ "Stop" }</button>
            <StatusLine phase={state.phase.clone()} elapsed={elapsed} />
            if !embed {
                <span class="spacer" />
                <button id="share" onclick={on_share} title="Copy a link that carries this script">{ "Share" }</button>
                <details class="menu downloads">
                    <summary id="downloads" title="Save the script or the whole workspace">{ "Download" }</summary>
                    <div class="menu-items">
                        <button id="download" onclick={on_download} title="The main script, headed by its mpiexec command">{ "Script (.py)" }</button>
                        if let Some(file) = &open_file {
                            <button id="download-open" onclick={on_download_open} title="The file open in the editor">{ format!("{} (this file)", file.name) }</button>
                        }
                        <button id="download-zip" onclick={on_zip(false)} title="The main script and every workspace file">{ "All files (.zip)" }</button>
                        <button id="download-mpiexec" onclick={on_zip(true)}
                            title="All files with run.sh (the mpiexec command) and job.slurm (a Slurm batch job)">{ "For mpiexec (.zip)" }</button>
                    </div>
                </details>
            }
        </div>
    };
    let output = html! {
        <Output state={state.clone()} on_view={on_view} on_clear={on_clear} on_copy={on_copy}
            messages_open={*messages_open} on_messages={on_messages} on_keep={on_keep} />
    };
    let messages = html! {
        if *messages_open {
            <crate::timeline_view::MessagesPanel playground={props.playground.clone()} dark={*dark} />
        }
    };
    let open = state.open_file.and_then(|i| state.workspace.files.get(i));
    let shown = match open.map(|f| &f.contents) {
        None => Some(state.source.clone()),
        Some(Contents::Text(text)) => Some(text.clone()),
        Some(Contents::Binary(_)) => None,
    };
    let editor = html! {
        <>
        if !embed || !state.workspace.files.is_empty() {
            <FilesBar workspace={state.workspace.clone()} open_file={state.open_file} main={state.script_name()}
                error={state.workspace_error.clone()} on_action={on_workspace} />
        }
        if let Some(source) = shown {
            <Editor source={source} error_line={if open.is_none() { state.error_line } else { None }} dark={*dark}
                python={open.is_none_or(|f| f.name.ends_with(".py"))}
                on_change={on_edit} on_run={on_run.clone()} />
        } else if let Some(file) = open {
            <div id="binary-file" class="binary-file">
                { format!("{} holds {} bytes of binary data: the run reads it with open(\"{}\", \"rb\").", file.name, file.contents.len(), file.name) }
            </div>
        }
        if !embed {
            <ProgramsPanel programs={state.programs.clone()} workspace={state.workspace.clone()} main={state.script_name()}
                ranks={state.ranks} command={programs.clone().map(|_| mpiexec_line.clone())} on_change={on_programs} />
        }
        // Open by itself when there is input, so that it is never hidden.
        <details class="stdin" open={!state.stdin.is_empty()}>
            <summary>{ "Input" }<span class="hint">{ " (stdin of rank 0, as mpiexec forwards it; the other ranks read none)" }</span></summary>
            <textarea id="stdin" rows="3" spellcheck="false" aria-label="Standard input of rank 0"
                placeholder="What input() and sys.stdin read on rank 0"
                value={state.stdin.clone()} oninput={on_stdin} />
        </details>
        </>
    };
    let notice_html = html! {
        if !notice.is_empty() {
            <div class="notice" role="status">
                if notice.starts_with("http") {
                    { "Link copied: " }<input id="share-url" readonly=true value={(*notice).clone()} />
                } else {
                    { (*notice).clone() }
                }
            </div>
        }
    };

    if embed {
        return html! {
            <main class="app embed" data-mode="embed">
                <section class="work">{ editor }{ toolbar }{ messages }{ output }</section>
            </main>
        };
    }
    html! {
        <main class="app" data-mode="full">
            <header class="top">
                <h1>{ "mpi-playground" }</h1>
                <p class="tagline">{ "MPI for Python in your browser: every rank a real process-like worker, deadlocks included." }</p>
            </header>
            <nav id="gallery" class="gallery" aria-label="Examples">
                { for [("Examples", false), ("With NumPy arrays", true)].into_iter().map(|(heading, numpy)| html! {
                    <>
                    <h2>{ heading }</h2>
                    <ul>
                        { for EXAMPLES.iter().filter(|e| e.name.starts_with("numpy_") == numpy).map(|e| {
                            let on_example = on_example.clone();
                            let current = state.example.as_deref() == Some(e.name);
                            html! {
                                <li>
                                    <button data-example={e.name} class={classes!("example", current.then_some("current"))}
                                        aria-current={current.then_some("true")}
                                        onclick={move |_| on_example.emit(e.name)}>
                                        <span class="title">{ e.title }</span>
                                        <span class="about">{ e.about }</span>
                                        <span class="needs">{ format!("{} ranks", e.ranks) }</span>
                                    </button>
                                </li>
                            }
                        }) }
                    </ul>
                    </>
                }) }
            </nav>
            <section class="work">{ editor }{ toolbar }{ notice_html }{ messages }{ output }</section>
        </main>
    }
}

/// Listens to a media query's changes for as long as the returned closure lives.
fn on_media_change(
    query: &web_sys::MediaQueryList,
    f: impl Fn() + 'static,
) -> wasm_bindgen::closure::Closure<dyn Fn()> {
    let closure = wasm_bindgen::closure::Closure::<dyn Fn()>::new(f);
    query.set_onchange(Some(closure.as_ref().unchecked_ref()));
    closure
}

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// The page's URL with `fragment`, which also becomes the address shown.
fn share_url(fragment: &str) -> String {
    let Some(window) = web_sys::window() else { return String::new() };
    let location = window.location();
    let base = location.href().unwrap_or_default();
    let base = base.split('#').next().unwrap_or_default();
    let url = format!("{base}#{fragment}");
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
    url
}

fn copy_to_clipboard(text: &str) {
    if let Some(window) = web_sys::window() {
        // May be refused (no permission, not focused); the text is on screen anyway.
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Closes the menu (a `<details>`) whose item was clicked.
fn close_menu(e: &MouseEvent) {
    let menu = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|el| el.closest("details").ok().flatten());
    if let Some(menu) = menu {
        let _ = menu.remove_attribute("open");
    }
}

fn download(name: &str, text: &str) {
    download_file(name, "text/x-python", text)
}

/// Saves `text` as a file named `name` (the browser's download).
pub fn download_file(name: &str, mime: &str, text: &str) {
    download_parts(name, mime, &js_sys::Array::of1(&text.into()));
}

/// Saves `bytes` as a file named `name`.
pub fn download_bytes(name: &str, bytes: &[u8]) {
    download_bytes_as(name, "application/octet-stream", bytes)
}

fn download_bytes_as(name: &str, mime: &str, bytes: &[u8]) {
    download_parts(name, mime, &js_sys::Array::of1(&js_sys::Uint8Array::from(bytes)));
}

fn download_parts(name: &str, mime: &str, parts: &js_sys::Array) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Ok(a) = document.create_element("a").map(|a| a.unchecked_into::<web_sys::HtmlAnchorElement>()) {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

#[derive(Properties, PartialEq)]
struct StatusProps {
    phase: Phase,
    elapsed: f64,
}

#[function_component(StatusLine)]
fn status_line(props: &StatusProps) -> Html {
    let (state, content) = match &props.phase {
        Phase::Loading { loaded, total } => {
            let mb = |b: f64| format!("{:.1}", b / 1e6);
            let text = match total {
                Some(t) => format!("Loading the runtime… {} of {} MB", mb(*loaded), mb(*t)),
                None => format!("Loading the runtime… {} MB", mb(*loaded)),
            };
            let bar = match total {
                Some(t) => html! { <progress max={t.to_string()} value={loaded.to_string()} /> },
                None => html! { <progress /> },
            };
            ("loading", html! { <>{ bar }{ " " }{ text }</> })
        }
        Phase::Unavailable(why) => ("unavailable", html! { { why.clone() } }),
        Phase::Ready => ("ready", html! { "Ready" }),
        Phase::Running => ("running", html! { { format!("Running… {:.1} s", props.elapsed / 1000.0) } }),
        Phase::Finished(ending) => (status_key(ending.status), html! { { finished_text(ending) } }),
    };
    html! { <span id="status" class={classes!("status", state)} data-state={state} role="status" aria-live="polite">{ content }</span> }
}

fn status_key(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Error => "error",
        Status::Deadlock => "deadlock",
        Status::Stopped => "stopped",
        Status::Timeout => "timeout",
    }
}

fn finished_text(ending: &Ending) -> String {
    match (ending.status, &ending.failure) {
        (Status::Ok, _) => format!("Finished in {:.0} ms", ending.elapsed_ms),
        (Status::Error, Some((rank, _))) => format!("Error in rank {rank}"),
        (Status::Error, None) => "Error".to_owned(),
        (Status::Deadlock, _) => "Deadlock".to_owned(),
        (Status::Stopped, _) => "Stopped".to_owned(),
        (Status::Timeout, _) => "Timed out".to_owned(),
    }
}

#[derive(Properties, PartialEq)]
struct OutputProps {
    state: State,
    on_view: Callback<View>,
    on_clear: Callback<MouseEvent>,
    on_copy: Callback<MouseEvent>,
    messages_open: bool,
    on_messages: Callback<MouseEvent>,
    /// Puts a file the run wrote into the workspace.
    on_keep: Callback<File>,
}

/// A line with its rank's label and colour. A process's line always says
/// which process wrote it (in a rank's own pane, without the rank).
fn line_html(line: &Line, label: bool) -> Html {
    let style = format!("--rank-hue: {}", (line.rank * 137 + 210) % 360);
    let tag = match (&line.process, label) {
        (Some(_), true) | (None, true) => Some(line.label()),
        (Some(p), false) => Some(format!("[{p}]")),
        (None, false) => None,
    };
    let process = line.process.as_ref().map(|p| p.to_string());
    let from_process = process.is_some().then_some("from-process");
    html! {
        <div key={line.seq} class={classes!("line", line.stderr.then_some("stderr"), from_process)}
             data-rank={line.rank.to_string()} data-process={process} style={style}>
            if let Some(tag) = tag { <span class="rank">{ tag }</span> }
            <span class="text">{ line.text.clone() }</span>
        </div>
    }
}

#[function_component(Output)]
fn output(props: &OutputProps) -> Html {
    let state = &props.state;
    let view_button = |view: View, id: &'static str, text: &'static str| {
        let on_view = props.on_view.clone();
        let pressed = state.view == view;
        html! {
            <button id={id} aria-pressed={pressed.to_string()} class={classes!(pressed.then_some("pressed"))}
                onclick={move |_| on_view.emit(view)}>{ text }</button>
        }
    };
    let hidden = (state.hidden_lines > 0).then(|| {
        html! { <div class="hidden-lines">{ format!("{} earlier lines not shown", state.hidden_lines) }</div> }
    });
    let body = match state.view {
        View::Interleaved => html! { { for state.lines.iter().map(|l| line_html(l, true)) } },
        View::Sorted => html! { { for state.sorted_lines().iter().map(|l| line_html(l, true)) } },
        View::PerRank => html! {
            <div class="panes">
                { for (0..state.ranks).map(|r| html! {
                    <section class="pane" data-rank={r.to_string()} style={format!("--rank-hue: {}", (r * 137 + 210) % 360)}>
                        <h3>{ format!("rank {r}") }</h3>
                        { for state.lines_of(r).iter().map(|l| line_html(l, false)) }
                    </section>
                }) }
            </div>
        },
    };
    let block = match &state.phase {
        Phase::Finished(ending) => html! {
            <>{ ending_block(ending) }{ warnings_block(ending) }{ written_block(ending, &state.workspace, &props.on_keep) }</>
        },
        _ => html! {},
    };
    html! {
        <section class="output-area" aria-label="Output">
            <div class="output-tools" role="toolbar" aria-label="Output view">
                { view_button(View::Interleaved, "view-interleaved", "Interleaved") }
                { view_button(View::PerRank, "view-ranks", "Per rank") }
                { view_button(View::Sorted, "view-sorted", "Sorted by rank") }
                <span class="spacer" />
                <button id="messages-toggle" aria-pressed={props.messages_open.to_string()}
                    class={classes!(props.messages_open.then_some("pressed"))}
                    title="Each rank's state and a timeline of every call and message (recorded while open)"
                    onclick={props.on_messages.clone()}>{ "Messages" }</button>
                <button id="copy" onclick={props.on_copy.clone()}>{ "Copy" }</button>
                <button id="clear" onclick={props.on_clear.clone()}>{ "Clear" }</button>
            </div>
            <div id="output" class="output" tabindex="0">
                { for hidden }
                { body }
            </div>
            { block }
        </section>
    }
}

/// The files the run created or changed: each with its size, a view of a
/// text file's start, a download, and a way to keep it in the workspace.
fn written_block(ending: &Ending, workspace: &Workspace, on_keep: &Callback<File>) -> Html {
    if ending.files.is_empty() {
        return html! {};
    }
    /// The most of a file the view shows.
    const VIEW_BYTES: usize = 4096;
    html! {
        <div id="written" class="block note written" role="status">
            <h3>{ if ending.files.len() == 1 { "1 file written".to_owned() } else { format!("{} files written", ending.files.len()) } }</h3>
            <ul>
            { for ending.files.iter().map(|f| {
                let kept = workspace.files.iter().any(|w| w.name == f.name && w.contents == f.contents);
                let download = {
                    let f = f.clone();
                    Callback::from(move |_: MouseEvent| download_bytes(&f.name, &f.contents.bytes()))
                };
                let keep = {
                    let (f, on_keep) = (f.clone(), on_keep.clone());
                    Callback::from(move |_: MouseEvent| on_keep.emit(f.clone()))
                };
                html! {
                    <li data-file={f.name.clone()}>
                        <details>
                            <summary><code>{ &f.name }</code>{ format!(" {} bytes", f.contents.len()) }</summary>
                            <pre class="file-view">{ match &f.contents {
                                Contents::Text(t) if t.len() > VIEW_BYTES => {
                                    let cut = (0..=VIEW_BYTES).rev().find(|i| t.is_char_boundary(*i)).unwrap_or(0);
                                    format!("{}\n[... {} more bytes]", &t[..cut], t.len() - cut)
                                }
                                Contents::Text(t) => t.clone(),
                                Contents::Binary(_) => "(binary data)".to_owned(),
                            } }</pre>
                        </details>
                        <button class="download-file" onclick={download}>{ "Download" }</button>
                        <button class="keep-file" disabled={kept} onclick={keep}>{ if kept { "In the workspace" } else { "Keep in workspace" } }</button>
                    </li>
                }
            }) }
            </ul>
        </div>
    }
}

/// What the ranks found wrong at their end, whatever the status.
fn warnings_block(ending: &Ending) -> Html {
    if ending.warnings.is_empty() {
        return html! {};
    }
    html! {
        <div id="warnings" class="block note warnings" role="status">
            <h3>{ if ending.warnings.len() == 1 { "Warning".to_owned() } else { format!("{} warnings", ending.warnings.len()) } }</h3>
            <ul>{ for ending.warnings.iter().map(|w| html! { <li>{ w.clone() }</li> }) }</ul>
        </div>
    }
}

fn ending_block(ending: &Ending) -> Html {
    match ending.status {
        Status::Ok if ending.dropped_bytes > 0 => html! {
            <div class="block note">{ format!("{} bytes of output were not kept.", ending.dropped_bytes) }</div>
        },
        Status::Ok => html! {},
        Status::Error => html! {
            <div class="block error-block" role="alert">
                <h3>{ match &ending.failure { Some((rank, _)) => format!("Error in rank {rank}"), None => "Error".to_owned() } }</h3>
                <p>{ ending.report.clone() }</p>
                if let Some((_, traceback)) = &ending.failure {
                    <pre class="traceback">{ traceback.clone() }</pre>
                }
            </div>
        },
        Status::Deadlock => {
            let cycle = if ending.cycle.is_empty() {
                String::new()
            } else {
                let name = |r: &u32| mpi_core::state::slot_name(*r, ending.first_process);
                let mut ranks: Vec<String> = ending.cycle.iter().map(name).collect();
                ranks.push(name(&ending.cycle[0]));
                ranks.join(" → ")
            };
            html! {
                <div class="block deadlock-block" role="alert">
                    <h3>{ "Deadlock" }</h3>
                    if !cycle.is_empty() { <p class="cycle">{ format!("Wait-for cycle: {cycle}") }</p> }
                    <ul>
                        { for ending.blocked.iter().map(|(r, call)| {
                            let who = mpi_core::state::slot_name(*r, ending.first_process);
                            html! { <li>{ format!("{who} is blocked in {call}") }</li> }
                        }) }
                    </ul>
                    <pre>{ ending.report.clone() }</pre>
                </div>
            }
        }
        Status::Stopped | Status::Timeout => html! { <div class="block note">{ ending.report.clone() }</div> },
    }
}
