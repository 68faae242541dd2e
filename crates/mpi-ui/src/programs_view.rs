//! The Programs panel under the editor: the main script's arguments, the
//! programs on the ranks after it (MPMD: a script of the workspace, its
//! rank count and arguments each), and the `mpiexec` command that runs the
//! same on a cluster, or why the configuration cannot run.

use crate::programs::{Program, Programs, python_files};
use crate::workspace::Workspace;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProgramsPanelProps {
    pub programs: Programs,
    pub workspace: std::rc::Rc<Workspace>,
    /// The main script's name and ranks (the toolbar's).
    pub main: String,
    pub ranks: u32,
    /// The `mpiexec` command, or why the configuration cannot run.
    pub command: Result<String, String>,
    pub on_change: Callback<Programs>,
}

#[function_component(ProgramsPanel)]
pub fn programs_panel(props: &ProgramsPanelProps) -> Html {
    // Every change is the whole configuration with one field changed.
    let change = |edit: Box<dyn Fn(&mut Programs, String)>| {
        let (programs, on_change) = (props.programs.clone(), props.on_change.clone());
        Callback::from(move |value: String| {
            let mut programs = programs.clone();
            edit(&mut programs, value);
            on_change.emit(programs);
        })
    };
    let text_of = |e: Event| e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
    let on_main_args = change(Box::new(|p, v| p.args = v)).reform(move |e: Event| text_of(e));
    let on_add = {
        let (programs, workspace, on_change) = (props.programs.clone(), props.workspace.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            let mut programs = programs.clone();
            programs.add(&workspace);
            on_change.emit(programs);
        })
    };
    let scripts: Vec<String> = python_files(&props.workspace).map(str::to_owned).collect();
    let total = props.programs.total_ranks(props.ranks);
    let row = |i: usize, p: &Program| {
        let on_ranks = change(Box::new(move |ps, v| ps.more[i].ranks = v.trim().parse().unwrap_or(1).max(1)))
            .reform(move |e: Event| text_of(e));
        let on_args = change(Box::new(move |ps, v| ps.more[i].args = v)).reform(move |e: Event| text_of(e));
        let on_file = change(Box::new(move |ps, v| ps.more[i].file = (!v.is_empty()).then_some(v)))
            .reform(|e: Event| e.target_unchecked_into::<web_sys::HtmlSelectElement>().value());
        let on_remove = change(Box::new(move |ps, _| {
            ps.more.remove(i);
        }))
        .reform(|_: MouseEvent| String::new());
        let chosen = p.file.clone().unwrap_or_default();
        let missing = p.file.as_ref().filter(|f| !scripts.contains(f));
        html! {
            <li class="program" data-program={(i + 1).to_string()}>
                <input class="program-ranks" type="number" min="1" value={p.ranks.to_string()} onchange={on_ranks}
                    aria-label={format!("Ranks of program {}", i + 2)} />
                <select class="program-file" onchange={on_file} aria-label={format!("Script of program {}", i + 2)}>
                    <option value="" selected={p.file.is_none()}>{ &props.main }</option>
                    { for scripts.iter().map(|s| html! { <option value={s.clone()} selected={*s == chosen}>{ s }</option> }) }
                    if let Some(gone) = missing {
                        <option value={gone.clone()} selected=true>{ format!("{gone} (missing)") }</option>
                    }
                </select>
                <input class="program-args" type="text" value={p.args.clone()} onchange={on_args} spellcheck="false"
                    placeholder="arguments" aria-label={format!("Arguments of program {}", i + 2)} />
                <button class="program-remove" title="Remove this program" aria-label={format!("Remove program {}", i + 2)}
                    onclick={on_remove}>{ "×" }</button>
            </li>
        }
    };
    html! {
        // Open by itself when the ranks run more than the main script alone.
        <details id="programs" class="programs" open={!props.programs.is_default()}>
            <summary>{ "Programs" }<span class="hint">{ format!(" ({total} {} in all; what each runs, as mpiexec runs it)", if total == 1 { "rank" } else { "ranks" }) }</span></summary>
            <ol>
                <li class="program" data-program="0">
                    <span class="program-ranks fixed" title="Set with Ranks in the toolbar">{ props.ranks.to_string() }</span>
                    <span class="program-file fixed">{ &props.main }</span>
                    <input class="program-args" type="text" value={props.programs.args.clone()} onchange={on_main_args}
                        spellcheck="false" placeholder="arguments" aria-label="Arguments of the main script" />
                </li>
                { for props.programs.more.iter().enumerate().map(|(i, p)| row(i, p)) }
            </ol>
            <button id="add-program" class="tab-action" onclick={on_add}
                title="Run another script on the ranks after these (MPMD, as mpiexec's ':' does)">{ "+ Program" }</button>
            { match &props.command {
                Ok(command) => html! { <code id="mpiexec-line" class="mpiexec-line" title="The same run on a cluster">{ command }</code> },
                Err(why) => html! { <div id="programs-error" class="workspace-error" role="alert">{ why }</div> },
            } }
        </details>
    }
}
