//! `window.mpiPlayground`: the runtime's JavaScript entry point, for tutorial
//! pages and browser tests (documented in the README).
//!
//! ```js
//! await mpiPlayground.ready;                       // runtime compiled, workers warm
//! const r = await mpiPlayground.run(source, { ranks: 4, timeoutMs: 10000,
//!                                             onOutput: (lines) => {} });
//! // several files, and an MPMD run: rank 0 the source, ranks 1 to 3 worker.py
//! await mpiPlayground.run(source, { ranks: 1, files: { "worker.py": "..." },
//!                                   programs: [{ file: "worker.py", ranks: 3, args: ["x"] }] });
//! r.status; // "ok" | "error" | "deadlock" | "stopped" | "timeout"
//! mpiPlayground.stop();
//! ```

use super::{Playground, ProgramRun, RunEvent, RunRequest};
use js_sys::{Function, Object, Promise, Reflect};
use mpi_web::protocol::to_js;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// The options object of `run`, read leniently: missing fields take defaults,
/// wrong types are errors that name the field.
fn request(source: JsValue, options: &JsValue) -> Result<RunRequest, String> {
    let source = source.as_string().ok_or("run(source, options): source must be a string")?;
    let field = |name: &str| -> JsValue {
        if options.is_object() {
            Reflect::get(options, &name.into()).unwrap_or(JsValue::UNDEFINED)
        } else {
            JsValue::UNDEFINED
        }
    };
    let number = |name: &str| -> Result<Option<f64>, String> {
        let v = field(name);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.as_f64().map(Some).ok_or_else(|| format!("run(source, options): options.{name} must be a number"))
    };
    let ranks = number("ranks")?.unwrap_or(1.0);
    if ranks.fract() != 0.0 || ranks < 0.0 {
        return Err(format!("run(source, options): options.ranks must be a whole number, not {ranks}"));
    }
    let args = strings(&field("args"));
    // `eagerLimit`: bytes, or "unlimited"; MPICH's by default.
    let limit = field("eagerLimit");
    let eager_limit = if limit.as_string().as_deref() == Some("unlimited") {
        None
    } else {
        match number("eagerLimit")? {
            None => Some(mpi_core::World::MPICH_EAGER_LIMIT),
            Some(n) if n.fract() == 0.0 && (0.0..f64::from(u32::MAX)).contains(&n) => Some(n as u32),
            Some(n) => {
                return Err(format!(
                    "run(source, options): options.eagerLimit must be a number of bytes or \"unlimited\", not {n}"
                ));
            }
        }
    };
    let stdin = field("stdin");
    let stdin = match stdin.as_string() {
        Some(text) => text,
        None if stdin.is_undefined() || stdin.is_null() => String::new(),
        None => return Err("run(source, options): options.stdin must be a string".to_owned()),
    };
    let files = workspace_files(&field("files"))?;
    let path = field("path").as_string().unwrap_or_else(|| "script.py".to_owned());
    let mut programs = vec![ProgramRun { source, path, args, ranks: ranks as u32 }];
    programs.extend(more_programs(&field("programs"), &files)?);
    Ok(RunRequest {
        programs,
        timeout_ms: number("timeoutMs")?.filter(|t| *t > 0.0),
        eager_limit,
        stdin,
        files,
    })
}

/// An array of strings (`args`); anything else is none.
fn strings(value: &JsValue) -> Vec<String> {
    if value.is_undefined() || value.is_null() {
        return Vec::new();
    }
    js_sys::Array::from(value).iter().map(|a| a.as_string().unwrap_or_default()).collect()
}

/// `options.programs`: the programs after the main one, in rank order (an
/// MPMD run), each `{ file: "worker.py", ranks: 3, args: [...] }` with its
/// script from `options.files`.
fn more_programs(programs: &JsValue, files: &[(String, Vec<u8>)]) -> Result<Vec<ProgramRun>, String> {
    if programs.is_undefined() || programs.is_null() {
        return Ok(Vec::new());
    }
    if !js_sys::Array::is_array(programs) {
        return Err("run(source, options): options.programs must be an array of { file, ranks, args }".to_owned());
    }
    let mut out = Vec::new();
    for (i, program) in js_sys::Array::from(programs).iter().enumerate() {
        let get = |name: &str| Reflect::get(&program, &name.into()).unwrap_or(JsValue::UNDEFINED);
        let file = get("file").as_string().ok_or_else(|| format!("run(source, options): options.programs[{i}].file must be a file name"))?;
        let ranks = get("ranks").as_f64().filter(|n| n.fract() == 0.0 && *n >= 1.0).ok_or_else(|| {
            format!("run(source, options): options.programs[{i}].ranks must be a whole number of at least 1")
        })?;
        let (_, data) = files.iter().find(|(name, _)| *name == file).ok_or_else(|| {
            format!("run(source, options): options.programs[{i}].file {file:?} is not in options.files")
        })?;
        let source = String::from_utf8(data.clone())
            .map_err(|_| format!("run(source, options): options.programs[{i}].file {file:?} is not a text file"))?;
        out.push(ProgramRun { source, path: file, args: strings(&get("args")), ranks: ranks as u32 });
    }
    Ok(out)
}

/// `options.files`: `{ "helper.py": "text", "data/in.bin": Uint8Array }`,
/// the workspace the run's file system starts with.
fn workspace_files(files: &JsValue) -> Result<Vec<(String, Vec<u8>)>, String> {
    if files.is_undefined() || files.is_null() {
        return Ok(Vec::new());
    }
    if !files.is_object() {
        return Err("run(source, options): options.files must be an object of file names and contents".to_owned());
    }
    let mut out = Vec::new();
    for entry in Object::entries(files.unchecked_ref()).iter() {
        let entry: js_sys::Array = entry.unchecked_into();
        let name = entry.get(0).as_string().unwrap_or_default();
        let value = entry.get(1);
        let data = if let Some(text) = value.as_string() {
            text.into_bytes()
        } else if value.is_instance_of::<js_sys::Uint8Array>() {
            js_sys::Uint8Array::from(value).to_vec()
        } else {
            return Err(format!("run(source, options): options.files[{name:?}] must be a string or a Uint8Array"));
        };
        let bad = name.is_empty() || name.starts_with('/') || name.split('/').any(|p| p.is_empty() || p == "." || p == "..");
        if bad {
            return Err(format!(
                "run(source, options): {name:?} is not a file name inside the workspace (no leading /, no . or .. parts)"
            ));
        }
        out.push((name, data));
    }
    Ok(out)
}

fn method(object: &Object, name: &str, f: &JsValue) {
    let _ = Reflect::set(object, &name.into(), f);
}

/// Installs `window.mpiPlayground` for `playground`.
pub fn install(playground: &Playground) {
    let api = Object::new();

    let run = {
        let playground = playground.clone();
        Closure::<dyn Fn(JsValue, JsValue) -> Promise>::new(move |source: JsValue, options: JsValue| {
            let playground = playground.clone();
            Promise::new(&mut |resolve: Function, reject: Function| {
                let request = match request(source.clone(), &options) {
                    Ok(r) => r,
                    Err(why) => {
                        let _ = reject.call1(&JsValue::NULL, &js_sys::Error::new(&why));
                        return;
                    }
                };
                let on_output =
                    Reflect::get(&options, &"onOutput".into()).ok().and_then(|f| f.dyn_into::<Function>().ok());
                playground.run(request, move |event| match event {
                    RunEvent::Output(lines) => {
                        if let Some(f) = &on_output {
                            let _ = f.call1(&JsValue::NULL, &to_js(&lines));
                        }
                    }
                    RunEvent::Finished(result) => {
                        let _ = resolve.call1(&JsValue::NULL, &to_js(&result));
                    }
                });
            })
        })
    };
    method(&api, "run", run.as_ref());
    run.forget(); // lives as long as the page

    let stop = {
        let playground = playground.clone();
        Closure::<dyn Fn()>::new(move || playground.stop())
    };
    method(&api, "stop", stop.as_ref());
    stop.forget();

    let warm = {
        let playground = playground.clone();
        Closure::<dyn Fn(JsValue)>::new(move |n: JsValue| playground.warm(n.as_f64().unwrap_or(1.0) as usize))
    };
    method(&api, "warm", warm.as_ref());
    warm.forget();

    // The timeline, for browser tests: `record(true)` records the next runs
    // as the open Messages panel does; `timeline()` is what was recorded;
    // `traceJson()` the export.
    let record = {
        let playground = playground.clone();
        Closure::<dyn Fn(JsValue)>::new(move |on: JsValue| playground.set_recording(on.is_truthy()))
    };
    method(&api, "record", record.as_ref());
    record.forget();
    let timeline = {
        let playground = playground.clone();
        Closure::<dyn Fn() -> JsValue>::new(move || match playground.observation() {
            Some(o) => to_js(&crate::timeline_view::summary(&o.borrow())),
            None => JsValue::NULL,
        })
    };
    method(&api, "timeline", timeline.as_ref());
    timeline.forget();
    let trace_json = {
        let playground = playground.clone();
        Closure::<dyn Fn() -> JsValue>::new(move || match playground.observation() {
            Some(o) => o.borrow().timeline.to_chrome_trace().into(),
            None => JsValue::NULL,
        })
    };
    method(&api, "traceJson", trace_json.as_ref());
    trace_json.forget();

    let ready = {
        let playground = playground.clone();
        Promise::new(&mut |resolve: Function, reject: Function| {
            playground.when_ready(move |r| match r {
                Ok(()) => {
                    let _ = resolve.call0(&JsValue::NULL);
                }
                Err(why) => {
                    let _ = reject.call1(&JsValue::NULL, &js_sys::Error::new(&why));
                }
            })
        })
    };
    // A page that never awaits `ready` should not see an "unhandled rejection"
    // when the runtime cannot start (the page itself says why).
    let ignore = Closure::<dyn FnMut(JsValue)>::new(|_| {});
    let _ = ready.catch(&ignore);
    ignore.forget();
    method(&api, "ready", &ready);
    let _ = Reflect::set(&js_sys::global(), &"mpiPlayground".into(), &api);
}
