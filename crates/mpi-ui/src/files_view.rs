//! The workspace's tab bar above the editor: the main script, then each
//! workspace file (a binary one with its size); a click opens a file, a
//! double-click renames it, × deletes it (after asking), New, Upload and
//! files dropped on the bar add files. What it asks for goes to the state as [`Action`]s, which check it.

use crate::state::Action;
use crate::workspace::{Contents, Workspace};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FilesBarProps {
    pub workspace: std::rc::Rc<Workspace>,
    pub open_file: Option<usize>,
    /// The main script's name.
    pub main: String,
    /// Why the latest change was refused.
    pub error: Option<String>,
    pub on_action: Callback<Action>,
}

fn prompt(message: &str, default: &str) -> Option<String> {
    let window = web_sys::window()?;
    window.prompt_with_message_and_default(message, default).ok().flatten().map(|s| s.trim().to_owned())
}

fn confirm(message: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(message).ok()).unwrap_or(false)
}

/// Reads each picked or dropped file and adds it to the workspace.
fn upload(list: web_sys::FileList, on_action: Callback<Action>) {
    let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    for file in files {
        let on_action = on_action.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let name = file.name();
            match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => {
                    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                    on_action.emit(Action::AddFile { name, contents: Contents::from_bytes(bytes) });
                }
                Err(_) => on_action.emit(Action::RefuseFile(format!("\"{name}\" could not be read."))),
            }
        });
    }
}

#[function_component(FilesBar)]
pub fn files_bar(props: &FilesBarProps) -> Html {
    let act = |action: Action| {
        let on_action = props.on_action.clone();
        let action = std::rc::Rc::new(action);
        Callback::from(move |_: MouseEvent| on_action.emit((*action).clone()))
    };
    let on_new = {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(name) = prompt("New file name (a module, a data file; folders with /):", "helper.py") {
                on_action.emit(Action::NewFile(name));
            }
        })
    };
    let on_upload = {
        let on_action = props.on_action.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Some(list) = input.files() {
                upload(list, on_action.clone());
            }
            // Picking the same file again must fire `change` again.
            input.set_value("");
        })
    };
    // Files dragged from the desktop onto the bar are uploaded; the bar says
    // it takes them while they are over it.
    let dragging = use_state(|| false);
    let on_drag_over = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(true);
        })
    };
    let on_drag_leave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let on_drop = {
        let (on_action, dragging) = (props.on_action.clone(), dragging.clone());
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            if let Some(list) = e.data_transfer().and_then(|d| d.files()) {
                upload(list, on_action.clone());
            }
        })
    };
    html! {
        <>
        <div id="files" class={classes!("files", dragging.then_some("dropping"))} role="tablist" aria-label="Workspace files"
            ondragover={on_drag_over} ondragleave={on_drag_leave} ondrop={on_drop}>
            <button role="tab" class="tab" data-file={props.main.clone()}
                aria-selected={if props.open_file.is_none() { "true" } else { "false" }}
                title="The main script: every rank runs it" onclick={act(Action::OpenFile(None))}>
                { &props.main }<span class="badge">{ "main" }</span>
            </button>
            { for props.workspace.files.iter().enumerate().map(|(i, f)| {
                let selected = props.open_file == Some(i);
                let on_rename = {
                    let (on_action, name) = (props.on_action.clone(), f.name.clone());
                    Callback::from(move |_: MouseEvent| {
                        if let Some(new) = prompt(&format!("Rename {name} to:"), &name) {
                            on_action.emit(Action::RenameFile(i, new));
                        }
                    })
                };
                let on_delete = {
                    let (on_action, name) = (props.on_action.clone(), f.name.clone());
                    Callback::from(move |_: MouseEvent| {
                        if confirm(&format!("Delete {name} from the workspace?")) {
                            on_action.emit(Action::RemoveFile(i));
                        }
                    })
                };
                html! {
                    <span class="tab-group">
                        <button role="tab" class="tab" data-file={f.name.clone()}
                            aria-selected={if selected { "true" } else { "false" }}
                            title="Double-click to rename" onclick={act(Action::OpenFile(Some(i)))} ondblclick={on_rename}>
                            { &f.name }
                            if let Contents::Binary(b) = &f.contents {
                                <span class="size">{ format!("{} bytes", b.len()) }</span>
                            }
                        </button>
                        <button class="tab-close" aria-label={format!("Delete {}", f.name)} title="Delete" onclick={on_delete}>{ "×" }</button>
                    </span>
                }
            }) }
            <button id="new-file" class="tab-action" title="Add an empty file to the workspace" onclick={on_new}>{ "+ New" }</button>
            <label class="tab-action upload" title="Add files from your computer (or drop them here)">{ "Upload" }
                <input id="upload" type="file" multiple=true onchange={on_upload} />
            </label>
        </div>
        if let Some(why) = &props.error {
            <div id="workspace-error" class="workspace-error" role="alert">{ why }</div>
        }
        </>
    }
}
