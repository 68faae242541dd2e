//! The code editor: CodeMirror 6 (bundled from npm into `editor.js` by the
//! setup, see web/editor/), reached through `window.mpiEditor`, wrapped in a
//! Yew component that owns one editor instance for its lifetime.

use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;
use yew::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// An editor instance made by `mpiEditor.create`.
    pub type JsEditor;

    #[wasm_bindgen(js_namespace = mpiEditor, js_name = create)]
    fn create_editor(parent: &HtmlElement, options: &JsValue) -> JsEditor;

    #[wasm_bindgen(method, js_name = getDoc)]
    fn get_doc(this: &JsEditor) -> String;
    #[wasm_bindgen(method, js_name = setDoc)]
    fn set_doc(this: &JsEditor, text: &str);
    #[wasm_bindgen(method, js_name = markError)]
    fn mark_error(this: &JsEditor, line: JsValue);
    #[wasm_bindgen(method, js_name = setDark)]
    fn set_dark(this: &JsEditor, dark: bool);
    #[wasm_bindgen(method, js_name = setPython)]
    fn set_python(this: &JsEditor, on: bool);
    #[wasm_bindgen(method)]
    fn destroy(this: &JsEditor);
}

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub source: String,
    pub error_line: Option<u32>,
    pub dark: bool,
    /// A Python file (highlighted as Python), else plain text.
    pub python: bool,
    pub on_change: Callback<String>,
    pub on_run: Callback<()>,
}

/// The script editor. It reports edits through `on_change`; a `source` that
/// differs from the editor's text (an example, a shared link) replaces it.
#[function_component(Editor)]
pub fn editor(props: &EditorProps) -> Html {
    let host = use_node_ref();
    let instance = use_mut_ref(|| None::<(JsEditor, Vec<Closure<dyn Fn(JsValue)>>)>);
    // What the editor last showed, so that marks and themes change only on change
    // (marking scrolls the line into view, which must not happen on every keystroke).
    let shown = use_mut_ref(|| (None::<u32>, false, true));
    // The editor is made once, but its handlers must reach this render's
    // callbacks (Run uses the current script): they go through this cell.
    let handlers = use_mut_ref(|| (props.on_change.clone(), props.on_run.clone()));
    *handlers.borrow_mut() = (props.on_change.clone(), props.on_run.clone());
    {
        let (host, instance, shown, handlers) = (host.clone(), instance.clone(), shown.clone(), handlers.clone());
        let (source, dark) = (props.source.clone(), props.dark);
        use_effect_with((), move |_| {
            if let Some(parent) = host.cast::<HtmlElement>() {
                let change = {
                    let handlers = handlers.clone();
                    Closure::<dyn Fn(JsValue)>::new(move |text: JsValue| {
                        let on_change = handlers.borrow().0.clone();
                        on_change.emit(text.as_string().unwrap_or_default())
                    })
                };
                let run = Closure::<dyn Fn(JsValue)>::new(move |_| {
                    let on_run = handlers.borrow().1.clone();
                    on_run.emit(())
                });
                let options = js_sys::Object::new();
                let set = |k: &str, v: &JsValue| {
                    let _ = js_sys::Reflect::set(&options, &k.into(), v);
                };
                set("doc", &source.into());
                set("dark", &dark.into());
                set("onChange", change.as_ref());
                set("onRun", run.as_ref());
                let editor = create_editor(&parent, &options);
                *instance.borrow_mut() = Some((editor, vec![change, run]));
                *shown.borrow_mut() = (None, dark, true);
            }
            move || {
                if let Some((editor, _closures)) = instance.borrow_mut().take() {
                    editor.destroy();
                }
            }
        });
    }
    if let Some((editor, _)) = &*instance.borrow() {
        if editor.get_doc() != props.source {
            editor.set_doc(&props.source);
        }
        let mut shown = shown.borrow_mut();
        if shown.0 != props.error_line {
            editor.mark_error(props.error_line.map_or(JsValue::NULL, JsValue::from));
        }
        if shown.1 != props.dark {
            editor.set_dark(props.dark);
        }
        if shown.2 != props.python {
            editor.set_python(props.python);
        }
        *shown = (props.error_line, props.dark, props.python);
    }
    html! { <div id="editor" class="editor" ref={host} /> }
}
