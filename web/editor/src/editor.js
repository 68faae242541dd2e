// The page's script editor: CodeMirror 6 set up for Python, exposed as the
// global `window.mpiEditor` so the Yew app can drive it through wasm-bindgen.
//
// It exists because a plain <textarea> has no highlighting, line numbers or
// way to point at the line an error came from. `npm run build` (in
// web/editor) bundles this file and its dependencies into web/gen/editor.js,
// a minified classic script (IIFE, no modules) that the page loads before the
// app starts.
//
//   const ed = mpiEditor.create(parent, { doc, dark, onChange, onRun });
//   ed.getDoc() -> string
//   ed.setDoc(text)       replace the whole document; does NOT call onChange
//                         (the caller already knows the text) and clears any
//                         error mark; a no-op when the text is unchanged
//   ed.markError(line)    1-based line: highlight it and scroll it into view;
//                         markError(null) clears. The mark follows edits.
//   ed.setDark(bool)      switch between the light and dark theme
//   ed.setReadOnly(bool)  make the document read-only (or editable again)
//   ed.focus()
//   ed.destroy()
//
// onChange(text) is called after every change made by the user (typing,
// paste, undo, ...). onRun() is called on Ctrl+Enter or Cmd+Enter, ahead of
// every other key binding; the key press is consumed (default prevented and
// propagation stopped, so a page-wide shortcut does not run it twice).
// While read-only the text can still be focused, selected and copied.
//
// Tab indents. Keyboard users leave the editor with Escape then Tab (or
// Ctrl+M / Shift+Alt+M on macOS, which toggles whether Tab moves focus).

import { basicSetup } from "codemirror";
import { python } from "@codemirror/lang-python";
import { indentWithTab } from "@codemirror/commands";
import {
  Annotation,
  Compartment,
  EditorState,
  Prec,
  RangeSet,
  StateEffect,
  StateField,
} from "@codemirror/state";
import {
  Decoration,
  EditorView,
  GutterMarker,
  gutterLineClass,
  keymap,
} from "@codemirror/view";
import { indentUnit } from "@codemirror/language";
import { oneDark } from "@codemirror/theme-one-dark";

// Marks transactions made by setDoc, so they do not reach onChange.
const fromApi = Annotation.define();

// --- The error line -------------------------------------------------------

const setErrorLine = StateEffect.define();

const errorLineDecoration = Decoration.line({ class: "cm-error-line" });

class ErrorGutterClass extends GutterMarker {
  constructor() {
    super();
    this.elementClass = "cm-error-gutter";
  }
}
const errorGutterClass = new ErrorGutterClass();

// Holds the position of the start of the marked line (or null), mapped
// through edits so the mark stays on the same text.
const errorLine = StateField.define({
  create: () => null,
  update(pos, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setErrorLine)) return effect.value;
    }
    if (pos === null || !tr.docChanged) return pos;
    return tr.state.doc.lineAt(tr.changes.mapPos(pos)).from;
  },
  provide: (field) => [
    EditorView.decorations.from(field, (pos) =>
      pos === null ? Decoration.none : Decoration.set([errorLineDecoration.range(pos)]),
    ),
    gutterLineClass.from(field, (pos) =>
      pos === null ? RangeSet.empty : RangeSet.of([errorGutterClass.range(pos)]),
    ),
  ],
});

// Visible on both themes; the extra class in each selector makes it win over
// the themes' active-line background.
const errorTheme = EditorView.baseTheme({
  "&light .cm-line.cm-error-line": {
    backgroundColor: "rgba(220, 38, 38, 0.16)",
    boxShadow: "inset 3px 0 0 #d42020",
  },
  "&dark .cm-line.cm-error-line": {
    backgroundColor: "rgba(255, 85, 85, 0.24)",
    boxShadow: "inset 3px 0 0 #ff6b6b",
  },
  "&light .cm-gutterElement.cm-error-gutter": {
    backgroundColor: "rgba(220, 38, 38, 0.16)",
    color: "#b01818",
    fontWeight: "bold",
  },
  "&dark .cm-gutterElement.cm-error-gutter": {
    backgroundColor: "rgba(255, 85, 85, 0.24)",
    color: "#ff8585",
    fontWeight: "bold",
  },
});

// --- Look -----------------------------------------------------------------

// The parent element decides the size; the editor fills it and scrolls.
const layout = EditorView.theme({
  "&": { height: "100%", fontSize: "14px" },
  ".cm-scroller": {
    overflow: "auto",
    fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
    lineHeight: "1.5",
  },
});

// Plain and readable; syntax colours come from basicSetup's default style.
const lightTheme = EditorView.theme(
  {
    "&": { color: "#1d232a", backgroundColor: "#ffffff" },
    ".cm-content": { caretColor: "#1d232a" },
    ".cm-cursor, .cm-dropCursor": { borderLeftColor: "#1d232a" },
    ".cm-gutters": {
      backgroundColor: "#f3f4f6",
      color: "#6b7280",
      borderRight: "1px solid #e1e4e8",
    },
    ".cm-activeLine": { backgroundColor: "rgba(0, 90, 200, 0.05)" },
    ".cm-activeLineGutter": { backgroundColor: "#e6e9ee", color: "#1d232a" },
    "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection":
      { backgroundColor: "#cfe0f7" },
  },
  { dark: false },
);

const themeFor = (dark) => (dark ? oneDark : lightTheme);

// --- The editor -----------------------------------------------------------

function create(parent, options = {}) {
  const { doc = "", dark = false, onChange = null, onRun = null } = options;
  const theme = new Compartment();
  const readOnly = new Compartment();
  // Python files get Python's highlighting and indentation; data files none.
  const language = new Compartment();

  const run = () => {
    if (typeof onRun === "function") onRun();
    return true; // consumed, even without a handler
  };

  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: String(doc),
      extensions: [
        Prec.highest(
          keymap.of([
            { key: "Ctrl-Enter", run, preventDefault: true, stopPropagation: true },
            { key: "Cmd-Enter", run, preventDefault: true, stopPropagation: true },
          ]),
        ),
        basicSetup,
        keymap.of([indentWithTab]),
        language.of(python()),
        indentUnit.of("    "), // PEP 8
        EditorState.tabSize.of(4),
        EditorView.contentAttributes.of({ "aria-label": "Python script" }),
        layout,
        theme.of(themeFor(dark)),
        readOnly.of([]),
        errorLine,
        errorTheme,
        EditorView.updateListener.of((update) => {
          if (!update.docChanged || typeof onChange !== "function") return;
          if (update.transactions.every((tr) => tr.annotation(fromApi))) return;
          onChange(update.state.doc.toString());
        }),
      ],
    }),
  });

  return {
    getDoc() {
      return view.state.doc.toString();
    },

    setDoc(text) {
      text = String(text ?? "");
      const effects = setErrorLine.of(null);
      if (text === view.state.doc.toString()) {
        view.dispatch({ effects });
        return;
      }
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: text },
        effects,
        annotations: fromApi.of(true),
      });
    },

    markError(line) {
      const doc = view.state.doc;
      const n = Math.floor(Number(line));
      if (line === null || line === undefined || !(n >= 1 && n <= doc.lines)) {
        view.dispatch({ effects: setErrorLine.of(null) });
        return;
      }
      const from = doc.line(n).from;
      view.dispatch({
        effects: [
          setErrorLine.of(from),
          EditorView.scrollIntoView(from, { y: "center" }),
        ],
      });
    },

    setDark(dark) {
      view.dispatch({ effects: theme.reconfigure(themeFor(!!dark)) });
    },

    setPython(on) {
      view.dispatch({ effects: language.reconfigure(on ? python() : []) });
    },

    setReadOnly(on) {
      view.dispatch({
        effects: readOnly.reconfigure(on ? EditorState.readOnly.of(true) : []),
      });
    },

    focus() {
      view.focus();
    },

    destroy() {
      view.destroy();
    },
  };
}

window.mpiEditor = { create };
