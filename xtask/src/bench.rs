//! `cargo xtask bench`: the same benchmark scripts (bench/) through the native
//! runner and headless Chromium, and with `--against-mpi4py` under real
//! mpi4py + MPICH, each figure the median of several runs, printed as a table
//! with ratios to mpi4py and written to target/bench.json.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::setup::{self, Options};
use crate::{tasks, util};

pub struct BenchOptions {
    pub against_mpi4py: bool,
    pub repeat: usize,
}

/// `(script, ranks)` of the scripts that print BENCH lines.
const SCRIPTS: &[(&str, u32)] =
    &[("p2p.py", 2), ("collectives.py", 4), ("loop.py", 2), ("pool.py", 1), ("numpy_ops.py", 2)];
/// The scripts measured again while the run records its timeline (figures
/// named `<figure>_recording`): what recording costs a small message.
const RECORDING_SCRIPTS: &[(&str, u32)] = &[("p2p.py", 2)];
/// The suffix of a figure measured while recording.
const RECORDING: &str = "_recording";
/// Rank counts of the end-to-end hello figure.
const HELLO_RANKS: &[u32] = &[4, 16, 64];
/// No single benchmark run may take longer (MPICH oversubscribed can crawl).
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// One figure: the runs' values and its unit.
#[derive(Default)]
struct Figure {
    values: Vec<f64>,
    unit: String,
}

type Figures = BTreeMap<String, Figure>;

fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

pub fn run(options: BenchOptions) -> Result<std::process::ExitCode, String> {
    let tc = setup::run(Options { browser: true })?;
    // Both as served: the `dist` profile (Packing::Hosting's).
    let mpiplay = tasks::build_mpiplay(&tc.native, tasks::Packing::Hosting.cargo_profile())?;
    let dist = util::checkout_target().join("xtask-dist");
    tasks::trunk_build(&tc, &dist, tasks::Packing::Hosting)?;
    let mpi4py = if options.against_mpi4py { Some(setup::ensure_mpi4py()?) } else { None };

    let ours = |ranks: u32, script: &Path| {
        let mut cmd = Command::new(&mpiplay);
        cmd.args(["-n", &ranks.to_string()]).arg(script);
        cmd
    };
    let real = |ranks: u32, script: &Path| {
        let mut cmd = Command::new("mpiexec");
        cmd.args(["-n", &ranks.to_string()]).arg(mpi4py.as_deref().expect("measured with mpi4py")).arg(script);
        cmd
    };
    // Ours and mpi4py's runs alternate, so both meet the machine in the same
    // state (right after the builds, say): their ratio is what the goals read.
    let mut runners: Vec<&dyn Fn(u32, &Path) -> Command> = vec![&ours];
    if mpi4py.is_some() {
        runners.push(&real);
    }
    let mut measured = measure(&options, &runners)?.into_iter();
    let mut native = measured.next().expect("our figures");
    let theirs = measured.next();
    let trace = util::checkout_target().join("bench-trace.json");
    let recording = measure_scripts(&options, RECORDING_SCRIPTS, &[&|ranks, script| {
        let mut cmd = Command::new(&mpiplay);
        cmd.args(["-n", &ranks.to_string()]).arg("--trace").arg(&trace).arg(script);
        cmd
    }])?
    .remove(0);
    native.extend(recording.into_iter().map(|(name, f)| (format!("{name}{RECORDING}"), f)));
    let browser = browser_figures(&dist, options.repeat)?;
    let table = table(&native, &browser, theirs.as_ref());
    println!("{table}");
    println!("{}", goals(&native, &browser, theirs.as_ref()));
    let json = util::checkout_target().join("bench.json");
    std::fs::write(&json, to_json(&native, &browser, theirs.as_ref()))
        .map_err(|e| format!("{}: {e}", json.display()))?;
    eprintln!("bench: figures written to {}", json.display());
    Ok(std::process::ExitCode::SUCCESS)
}

/// Runs every bench script and the hello start-up figure through each of
/// `runners` (each makes the command for `ranks` ranks and a script path),
/// the runners taking turns run by run; their figures, in their order.
fn measure(options: &BenchOptions, runners: &[&dyn Fn(u32, &Path) -> Command]) -> Result<Vec<Figures>, String> {
    let dir = util::repo_root().join("bench");
    let mut figures = measure_scripts(options, SCRIPTS, runners)?;
    for ranks in HELLO_RANKS {
        for _ in 0..options.repeat {
            for (runner, figures) in runners.iter().zip(&mut figures) {
                let start = Instant::now();
                run_limited(&mut runner(*ranks, &dir.join("hello.py")))?;
                let figure = figures.entry(format!("hello_{ranks}_ranks_end_to_end")).or_default();
                figure.unit = "ms".to_owned();
                figure.values.push(start.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    Ok(figures)
}

/// The BENCH figures of `scripts`, each run `options.repeat` times by each
/// of `runners` in turn.
fn measure_scripts(
    options: &BenchOptions,
    scripts: &[(&str, u32)],
    runners: &[&dyn Fn(u32, &Path) -> Command],
) -> Result<Vec<Figures>, String> {
    let dir = util::repo_root().join("bench");
    let mut figures: Vec<Figures> = runners.iter().map(|_| Figures::new()).collect();
    for (script, ranks) in scripts {
        for _ in 0..options.repeat {
            for (runner, figures) in runners.iter().zip(&mut figures) {
                let (stdout, _) = run_limited(&mut runner(*ranks, &dir.join(script)))?;
                for line in stdout.lines() {
                    let mut parts = line.split_whitespace();
                    if let (Some("BENCH"), Some(name), Some(value), Some(unit)) =
                        (parts.next(), parts.next(), parts.next(), parts.next())
                    {
                        let figure = figures.entry(name.to_owned()).or_default();
                        figure.values.push(value.parse().map_err(|_| format!("{script}: bad figure `{line}`"))?);
                        figure.unit = unit.to_owned();
                    }
                }
            }
        }
    }
    Ok(figures)
}

/// Runs `cmd` to completion within [`RUN_LIMIT`]; its stdout and wall time.
fn run_limited(cmd: &mut Command) -> Result<(String, Duration), String> {
    let what = util::describe(cmd);
    let start = Instant::now();
    let mut child = cmd
        .current_dir(util::repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{what}`: {e}"))?;
    // Read output on threads so a chatty child never blocks on a full pipe.
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).map(|_| s)
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("`{what}` took longer than {} s", RUN_LIMIT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let stdout = reader.join().map_err(|_| "reader thread")?.map_err(|e| e.to_string())?;
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("`{what}` failed ({status}):\n{stdout}{stderr}"));
    }
    Ok((stdout, elapsed))
}

/// Runs tests/browser/bench.mjs and reads its `name value unit` lines.
fn browser_figures(dist: &Path, repeat: usize) -> Result<Figures, String> {
    let out: PathBuf = util::checkout_target().join("bench-browser.txt");
    let mut cmd = Command::new("node");
    cmd.current_dir(util::repo_root().join("tests/browser"))
        .arg("bench.mjs")
        .arg("--dist")
        .arg(dist)
        .args(["--repeat", &repeat.to_string(), "--out"])
        .arg(&out);
    util::run(&mut cmd)?;
    let text = std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut figures = Figures::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if let [name, value, unit] = parts[..] {
            let value = value.parse().map_err(|_| format!("bad browser figure `{line}`"))?;
            figures.insert(name.to_owned(), Figure { values: vec![value], unit: unit.to_owned() });
        }
    }
    Ok(figures)
}

fn table(native: &Figures, browser: &Figures, theirs: Option<&Figures>) -> String {
    let names: std::collections::BTreeSet<&String> = native.keys().chain(browser.keys()).collect();
    let cell = |f: Option<&Figure>| f.and_then(|f| median(&f.values)).map_or("-".to_owned(), |v| format!("{v:.2}"));
    let ratio = |ours: Option<&Figure>, name: &str| {
        let (Some(ours), Some(t)) =
            (ours.and_then(|f| median(&f.values)), theirs.and_then(|t| t.get(name)).and_then(|f| median(&f.values)))
        else {
            return "-".to_owned();
        };
        format!("{:.2}x", ours / t)
    };
    let mut out = format!(
        "{:<34} {:>6} {:>11} {:>11} {:>11} {:>9} {:>9}\n",
        "figure (median)", "unit", "native", "browser", "mpi4py", "nat/mpi", "web/mpi"
    );
    for name in names {
        let unit = native.get(name).or(browser.get(name)).map_or("", |f| f.unit.as_str());
        out.push_str(&format!(
            "{:<34} {:>6} {:>11} {:>11} {:>11} {:>9} {:>9}\n",
            name,
            unit,
            cell(native.get(name)),
            cell(browser.get(name)),
            cell(theirs.and_then(|t| t.get(name))),
            ratio(native.get(name), name),
            ratio(browser.get(name), name),
        ));
    }
    out.push_str("(times: lower is better; MB/s: higher is better; a ratio is ours / mpi4py's)\n");
    // What recording the timeline costs: each `_recording` figure against the same one not recording.
    for name in native.keys().chain(browser.keys()).filter(|n| n.ends_with(RECORDING)) {
        let plain = name.trim_end_matches(RECORDING);
        let cost = |figures: &Figures| {
            let on = figures.get(name.as_str()).and_then(|f| median(&f.values))?;
            let off = figures.get(plain).and_then(|f| median(&f.values))?;
            Some(format!("{:+.0}%", (on / off - 1.0) * 100.0))
        };
        let line = format!(
            "recording the timeline: {plain} {} native, {} browser\n",
            cost(native).unwrap_or_else(|| "-".into()),
            cost(browser).unwrap_or_else(|| "-".into())
        );
        if !out.contains(&line) {
            out.push_str(&line);
        }
    }
    out
}

/// Where the runtime should be: a figure of one runtime, alone or as a
/// ratio to mpi4py's, at most `limit`.
struct Goal {
    what: &'static str,
    figure: &'static str,
    side: Side,
    limit: f64,
}

#[derive(Clone, Copy)]
enum Side {
    /// The browser's figure itself.
    Browser,
    /// The native figure over mpi4py's.
    NativeRatio,
    /// The browser's figure over mpi4py's.
    BrowserRatio,
}

const GOALS: &[Goal] = &[
    Goal { what: "the rank runtime as served (MB, brotli)", figure: "wasm_brotli", side: Side::Browser, limit: 4.0 },
    Goal { what: "the page's download before it is ready (MB, brotli)", figure: "page_download_to_ready", side: Side::Browser, limit: 4.0 },
    Goal { what: "a repeat visit until the page is ready (ms)", figure: "page_repeat_visit_to_ready", side: Side::Browser, limit: 400.0 },
    Goal { what: "a Python loop, native / CPython + mpi4py", figure: "loop_3m_per_rank", side: Side::NativeRatio, limit: 1.5 },
    Goal { what: "a Python loop, browser / CPython + mpi4py", figure: "loop_3m_per_rank", side: Side::BrowserRatio, limit: 2.5 },
    Goal { what: "small-message half round trip, native / mpi4py", figure: "half_rtt_8_byte_buffer", side: Side::NativeRatio, limit: 3.0 },
    Goal { what: "small-message half round trip, browser / mpi4py", figure: "half_rtt_8_byte_buffer", side: Side::BrowserRatio, limit: 3.0 },
];

/// Each goal with what this run measured, and whether it is met (a ratio
/// needs `--against-mpi4py`).
fn goals(native: &Figures, browser: &Figures, theirs: Option<&Figures>) -> String {
    let value = |figures: &Figures, name: &str| figures.get(name).and_then(|f| median(&f.values));
    let mut out = format!("{:<52} {:>9} {:>9}  {}\n", "goal", "measured", "limit", "");
    for goal in GOALS {
        let theirs = theirs.and_then(|t| value(t, goal.figure));
        let measured = match goal.side {
            Side::Browser => value(browser, goal.figure),
            Side::NativeRatio => value(native, goal.figure).zip(theirs).map(|(ours, t)| ours / t),
            Side::BrowserRatio => value(browser, goal.figure).zip(theirs).map(|(ours, t)| ours / t),
        };
        let (cell, verdict) = match measured {
            Some(v) if v <= goal.limit => (format!("{v:.2}"), "met"),
            Some(v) => (format!("{v:.2}"), "MISSED"),
            None => ("-".to_owned(), "not measured"),
        };
        out.push_str(&format!("{:<52} {cell:>9} {:>9.2}  {verdict}\n", goal.what, goal.limit));
    }
    out
}

fn to_json(native: &Figures, browser: &Figures, theirs: Option<&Figures>) -> String {
    let section = |figures: &Figures| {
        let items: Vec<String> = figures
            .iter()
            .map(|(name, f)| {
                let runs: Vec<String> = f.values.iter().map(|v| format!("{v}")).collect();
                format!(
                    "    \"{name}\": {{ \"median\": {}, \"unit\": \"{}\", \"runs\": [{}] }}",
                    median(&f.values).unwrap_or(f64::NAN),
                    f.unit,
                    runs.join(", ")
                )
            })
            .collect();
        format!("{{\n{}\n  }}", items.join(",\n"))
    };
    let mut parts = vec![format!("  \"native\": {}", section(native)), format!("  \"browser\": {}", section(browser))];
    if let Some(t) = theirs {
        parts.push(format!("  \"mpi4py\": {}", section(t)));
    }
    format!("{{\n{}\n}}\n", parts.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(pairs: &[(&str, f64)]) -> Figures {
        pairs.iter().map(|(n, v)| (n.to_string(), Figure { values: vec![*v], unit: "ms".into() })).collect()
    }

    #[test]
    fn goals_compare_figures_and_ratios_with_their_limits() {
        let native = figures(&[("loop_3m_per_rank", 300.0), ("half_rtt_8_byte_buffer", 8.0)]);
        let browser = figures(&[("wasm_brotli", 4.5), ("page_download_to_ready", 3.5), ("page_repeat_visit_to_ready", 450.0), ("loop_3m_per_rank", 500.0)]);
        let theirs = figures(&[("loop_3m_per_rank", 250.0), ("half_rtt_8_byte_buffer", 1.0)]);
        let report = goals(&native, &browser, Some(&theirs));
        let line = |what: &str| report.lines().find(|l| l.starts_with(what)).unwrap().to_owned();
        assert!(line("the rank runtime").contains("4.50") && line("the rank runtime").ends_with("MISSED"));
        assert!(line("the page's download").contains("3.50") && line("the page's download").ends_with("met"));
        assert!(line("a repeat visit").ends_with("MISSED"));
        assert!(line("a Python loop, native").contains("1.20") && line("a Python loop, native").ends_with("met"));
        assert!(line("a Python loop, browser").contains("2.00") && line("a Python loop, browser").ends_with("met"));
        assert!(line("small-message half round trip, native").contains("8.00") && line("small-message half round trip, native").ends_with("MISSED"));
        assert!(line("small-message half round trip, browser").ends_with("not measured"));
        // Without mpi4py's figures no ratio can be judged.
        assert!(goals(&native, &browser, None).lines().filter(|l| l.ends_with("not measured")).count() == 4);
    }
}
