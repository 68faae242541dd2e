//! `cargo xtask conformance`: mpi4py's own test suite under `mpiplay`.
//!
//! mpi4py 4.1.2's source distribution is fetched from PyPI into the
//! checkout's target/ (checked against its published sha256; never copied
//! into the repository), and each `test/test_*.py` runs as
//! `mpiplay -n N -l test_x.py -q`, as `mpiexec -n N python test_x.py -q`
//! would run it. unittest's summary lines of every rank give the counts; the
//! table goes to the terminal and to target/conformance.md.
//!
//! `cargo xtask test` runs the files listed in tests/conformance/passing.txt
//! at 2 ranks, so that what passes stays passing.
//!
//! One adaptation: each file runs through a small harness ([`HARNESS`]) that
//! takes the suite's two "FakeGPU" array backends out of its buffer tests.
//! They emulate CUDA's `__cuda_array_interface__` by handing mpi4py the raw
//! address of a CPU array (`array.buffer_info()`, NumPy's array interface);
//! the playground reaches memory only through buffer objects and never
//! dereferences an address it did not give out, so those backends cannot
//! work here, and they would fail every buffer test for every other backend.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::toolchain::Native;
use crate::util;

const VERSION: &str = "4.1.2";
const SDIST_URL: &str = "https://files.pythonhosted.org/packages/75/83/\
    231445bbcf7ef10864746c244ff2d82000011449b79275642c5d4ed8c8f4/mpi4py-4.1.2.tar.gz";
const SDIST_SHA256: &str = "56860286dc45f20e8821e93cb06669e30462348bf866f685553fa4b712d58d02";
/// One test file at one rank count may not take longer (a hang is a result too).
const FILE_LIMIT: Duration = Duration::from_secs(120);
/// Files allowed longer, with the measured reason. test_util_dtlib converts
/// about 65,000 NumPy dtypes to MPI datatypes and back (its testStruct1 and
/// testStruct2 alone 62,000): 24 s under real mpi4py, whose datatype calls
/// and NumPy's dtype parsing are C, and about 10 times that here, where both
/// are Python (4 minutes at 1 rank; 7 to 13 at 2 to 4 ranks on 2 cores
/// while builds ran).
const SLOW_FILES: &[(&str, Duration)] = &[("test_util_dtlib.py", Duration::from_secs(1200))];

/// How long `file` may take at one rank count.
fn file_limit(file: &str) -> Duration {
    SLOW_FILES.iter().find(|(name, _)| *name == file).map_or(FILE_LIMIT, |&(_, limit)| limit)
}

pub struct Options {
    pub ranks: Vec<u32>,
    /// Test files (`test_p2p_obj.py` or `p2p_obj`); empty means all.
    pub files: Vec<String>,
}

/// What one file did at one rank count.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    pub tests: u32,
    pub failures: u32,
    pub errors: u32,
    pub skipped: u32,
    /// Set when unittest never reported (crash at import, deadlock, timeout).
    pub aborted: Option<String>,
    /// `name: first line of the exception` of each failing test.
    pub problems: Vec<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.aborted.is_none() && self.failures == 0 && self.errors == 0
    }
}

/// `cargo xtask conformance`: the table for `options`, exit status 0 even
/// when files fail (it is a measurement).
pub fn run(native: Native, options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let table = run_files(native, &options.files, &options.ranks)?;
    let text = render(&table, &options.ranks, started.elapsed());
    print!("{text}");
    let out = util::checkout_target().join("conformance.md");
    std::fs::write(&out, &text).map_err(|e| format!("writing {}: {e}", out.display()))?;
    eprintln!("conformance: table written to {}", out.display());
    Ok(())
}

/// The CI step: every file in tests/conformance/passing.txt passes at 2 ranks.
pub fn check_passing(native: Native) -> Result<(), String> {
    let wanted = listed("tests/conformance/passing.txt")?;
    let outcomes = run_files(native, &wanted, &[2])?.into_iter().map(|((file, _), o)| (file, o));
    still_passing(outcomes, "at 2 ranks")
}

/// Ok when every outcome passed; else the files that failed, their
/// problems printed.
fn still_passing(outcomes: impl IntoIterator<Item = (String, Outcome)>, place: &str) -> Result<(), String> {
    let mut failed = Vec::new();
    for (file, outcome) in outcomes {
        if !outcome.passed() {
            for p in outcome.problems.iter().chain(&outcome.aborted) {
                eprintln!("    {p}");
            }
            failed.push(file);
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("mpi4py test files that passed before fail now {place}: {}", failed.join(", ")))
    }
}

/// The browser's share of the CI step: every file in
/// tests/conformance/passing-browser.txt passes at 2 ranks in headless
/// Chromium, on the page built into `dist`.
pub fn check_passing_browser(dist: &Path) -> Result<(), String> {
    let wanted = listed("tests/conformance/passing-browser.txt")?;
    still_passing(run_browser_files(dist, &wanted, 2)?, "in the browser at 2 ranks")
}

/// `cargo xtask conformance --browser`: the table for the page in headless
/// Chromium (on `dist`, built), at one rank count.
pub fn run_browser(dist: &Path, options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let n = options.ranks.first().copied().unwrap_or(2);
    let table: BTreeMap<(String, u32), Outcome> =
        run_browser_files(dist, &options.files, n)?.into_iter().map(|(f, o)| ((f, n), o)).collect();
    let text =
        render(&table, &[n], started.elapsed()).replacen("under mpiplay", "in the browser (headless Chromium)", 1);
    print!("{text}");
    let out = util::checkout_target().join("conformance-browser.md");
    std::fs::write(&out, &text).map_err(|e| format!("writing {}: {e}", out.display()))?;
    eprintln!("conformance: table written to {}", out.display());
    Ok(())
}

fn listed(list: &str) -> Result<Vec<String>, String> {
    let list = util::repo_root().join(list);
    let text = std::fs::read_to_string(&list).map_err(|e| format!("reading {}: {e}", list.display()))?;
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect())
}

/// Runs test files in the page (tests/browser/run-conformance.mjs, which
/// leaves each run's labelled output in a file) and reads their reports.
fn run_browser_files(dist: &Path, names: &[String], ranks: u32) -> Result<Vec<(String, Outcome)>, String> {
    let tests = ensure_suite()?;
    let files = select(&tests, names)?;
    let out = util::checkout_target().join("conformance-browser");
    let _ = std::fs::remove_dir_all(&out);
    let mut cmd = Command::new("node");
    cmd.current_dir(util::repo_root().join("tests/browser"))
        .arg("run-conformance.mjs")
        .arg("--dist")
        .arg(dist)
        .arg("--suite")
        .arg(&tests)
        .arg("--out")
        .arg(&out)
        .args(["--ranks", &ranks.to_string(), "--limit-ms", &FILE_LIMIT.as_millis().to_string()])
        .args(&files);
    util::run(&mut cmd)?;
    let mut outcomes = Vec::new();
    for file in files {
        let path = out.join(format!("{file}.txt"));
        let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let (status, body) = text.split_once('\n').unwrap_or((&text, ""));
        // The page's endings, as mpiplay's exit statuses (see `parse`).
        let exit = match status.trim_start_matches("status ").split(':').next().unwrap_or("") {
            "ok" => Some(0),
            "error" => Some(1),
            "deadlock" => Some(3),
            "timeout" => Some(124),
            _ => None,
        };
        let mut outcome = parse(body, exit, FILE_LIMIT);
        if outcome.aborted.is_some() && exit.is_none() {
            outcome.aborted = Some(status.to_string());
        }
        eprintln!("conformance (browser): {file} -n {ranks}: {}", summary(&outcome));
        outcomes.push((file, outcome));
    }
    Ok(outcomes)
}

/// Each of `names` (all files when empty) at each rank count, reporting
/// each outcome as it comes.
fn run_files(native: Native, names: &[String], ranks: &[u32]) -> Result<BTreeMap<(String, u32), Outcome>, String> {
    let mpiplay = build_mpiplay(native)?;
    let tests = ensure_suite()?;
    let mut table = BTreeMap::new();
    for file in select(&tests, names)? {
        for &n in ranks {
            let outcome = run_file(&mpiplay, &tests, &file, n)?;
            eprintln!("conformance: {file} -n {n}: {}", summary(&outcome));
            table.insert((file.clone(), n), outcome);
        }
    }
    Ok(table)
}

/// The debug `mpiplay`, built as `cargo test --workspace` builds it (the same
/// features, so this is the native test step's build, not a second one).
fn build_mpiplay(native: Native) -> Result<PathBuf, String> {
    let mut cmd = native.cargo();
    cmd.current_dir(util::repo_root()).args(["test", "--workspace", "--no-run", "--quiet"]);
    util::run(&mut cmd)?;
    let exe = util::target_dir().join("debug").join(format!("mpiplay{}", std::env::consts::EXE_SUFFIX));
    if exe.is_file() { Ok(exe) } else { Err(format!("the test build produced no {}", exe.display())) }
}

/// mpi4py's test/ directory, downloading and unpacking the sdist once.
fn ensure_suite() -> Result<PathBuf, String> {
    let root = util::checkout_target().join("mpi4py-suite");
    let tests = root.join(format!("mpi4py-{VERSION}")).join("test");
    if tests.join("main.py").is_file() {
        return Ok(tests);
    }
    std::fs::create_dir_all(&root).map_err(|e| format!("creating {}: {e}", root.display()))?;
    let archive = root.join(format!("mpi4py-{VERSION}.tar.gz"));
    eprintln!("conformance: fetching mpi4py {VERSION}'s source distribution from PyPI");
    util::run(Command::new("curl").args(["-fsSL", "--retry", "3", "-o"]).arg(&archive).arg(SDIST_URL))?;
    let sum = util::output(Command::new("sha256sum").arg(&archive)).ok_or("sha256sum failed")?;
    if sum.split_whitespace().next() != Some(SDIST_SHA256) {
        let _ = std::fs::remove_file(&archive);
        return Err(format!("mpi4py-{VERSION}.tar.gz from PyPI does not have the published sha256"));
    }
    util::run(Command::new("tar").arg("xzf").arg(&archive).arg("-C").arg(&root))?;
    if tests.join("main.py").is_file() { Ok(tests) } else { Err(format!("the sdist has no {}", tests.display())) }
}

/// The test files to run: all `test_*.py`, or those named.
fn select(tests: &Path, names: &[String]) -> Result<Vec<String>, String> {
    let mut all: Vec<String> = std::fs::read_dir(tests)
        .map_err(|e| format!("reading {}: {e}", tests.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("test_") && n.ends_with(".py"))
        .collect();
    all.sort();
    if names.is_empty() {
        return Ok(all);
    }
    names
        .iter()
        .map(|name| {
            let stem = name.trim_start_matches("test_").trim_end_matches(".py");
            let file = format!("test_{stem}.py");
            if all.contains(&file) { Ok(file) } else { Err(format!("mpi4py {VERSION} has no test file {file}")) }
        })
        .collect()
}

/// Runs a test file as `__main__` after dropping the FakeGPU array backends
/// (see the module header).
const HARNESS: &str = "\
# Written by `cargo xtask conformance`: runs one mpi4py test file without the
# suite's FakeGPU array backends (raw addresses the playground cannot follow).
import runpy
import sys

sys.argv = sys.argv[1:]
with open(sys.argv[0]) as f:
    if 'arrayimpl' in f.read():
        import arrayimpl
        arrayimpl.ArrayBackends[:] = [b for b in arrayimpl.ArrayBackends if 'FakeGPU' not in b.__name__]
runpy.run_path(sys.argv[0], run_name='__main__')
";
const HARNESS_FILE: &str = "_mpiplay_harness.py";

fn run_file(mpiplay: &Path, tests: &Path, file: &str, ranks: u32) -> Result<Outcome, String> {
    std::fs::write(tests.join(HARNESS_FILE), HARNESS).map_err(|e| format!("could not write the harness: {e}"))?;
    let output = Command::new(mpiplay)
        .current_dir(tests)
        .args([
            "-n",
            &ranks.to_string(),
            "-l",
            "--timeout",
            &file_limit(file).as_secs().to_string(),
            HARNESS_FILE,
            file,
            "-q",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not start {}: {e}", mpiplay.display()))?;
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Ok(parse(&text, output.status.code(), file_limit(file)))
}

/// Reads unittest's report from `mpiplay -l` output: per rank, `Ran N tests`
/// and `OK (skipped=S)` / `FAILED (failures=F, errors=E, skipped=S)`, and
/// each `FAIL:`/`ERROR:` block's test name and exception line. Counts are
/// the largest any rank reported.
pub fn parse(text: &str, exit: Option<i32>, limit: Duration) -> Outcome {
    let mut outcome = Outcome::default();
    let mut reported = 0;
    // Per rank: the test whose traceback is being read.
    let mut current: BTreeMap<&str, (String, Option<String>)> = BTreeMap::new();
    let finish = |outcome: &mut Outcome, entry: Option<(String, Option<String>)>| {
        if let Some((name, last)) = entry {
            let line = format!("{name}: {}", last.unwrap_or_default());
            if !outcome.problems.iter().any(|p| p.starts_with(&format!("{name}:"))) {
                outcome.problems.push(line);
            }
        }
    };
    for raw in text.lines() {
        let Some((rank, line)) = split_label(raw) else { continue };
        if let Some(rest) = line.strip_prefix("Ran ") {
            reported += 1;
            let n = rest.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0);
            outcome.tests = outcome.tests.max(n);
        } else if line == "OK" || line.starts_with("OK (") || line.starts_with("FAILED (") {
            for (key, value) in counts(line) {
                let slot = match key {
                    "failures" => &mut outcome.failures,
                    "errors" => &mut outcome.errors,
                    "skipped" => &mut outcome.skipped,
                    _ => continue,
                };
                *slot = (*slot).max(value);
            }
        } else if let Some(name) = line.strip_prefix("FAIL: ").or_else(|| line.strip_prefix("ERROR: ")) {
            let entry = current.insert(rank, (test_name(name), None));
            finish(&mut outcome, entry);
        } else if line.starts_with("=====") || line.starts_with("-----") {
            // Separators: a traceback's last line is the one before them.
        } else if let Some((_, last)) = current.get_mut(rank) {
            if !line.trim().is_empty() && !line.starts_with(' ') && !line.starts_with("Traceback") {
                *last = Some(line.to_string());
            }
        }
        if line.starts_with("Ran ") {
            let entry = current.remove(rank);
            finish(&mut outcome, entry);
        }
    }
    for (_, entry) in std::mem::take(&mut current) {
        finish(&mut outcome, Some(entry));
    }
    if reported == 0 || !matches!(exit, Some(0) | Some(1)) {
        outcome.aborted = Some(match exit {
            Some(3) => "deadlock".to_string(),
            Some(124) => format!("did not finish within {} s", limit.as_secs()),
            _ => text
                .lines()
                .rev()
                .find(|l| l.starts_with("mpiplay:"))
                .map(|l| l.trim_start_matches("mpiplay: ").to_string())
                .unwrap_or_else(|| format!("no unittest report (exit status {exit:?})")),
        });
    }
    outcome
}

/// `[3] text` as `("3", "text")`; other lines (mpiplay's own) are `None`.
fn split_label(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix('[')?;
    let (rank, text) = rest.split_once("] ").or_else(|| rest.strip_suffix(']').map(|r| (r, "")))?;
    rank.chars().all(|c| c.is_ascii_digit()).then_some((rank, text))
}

/// `testFoo (__main__.TestBar.testFoo)` as `TestBar.testFoo`.
fn test_name(header: &str) -> String {
    match header.split_once(" (") {
        Some((_, qualified)) => {
            let qualified = qualified.trim_end_matches(')');
            qualified.strip_prefix("__main__.").unwrap_or(qualified).to_string()
        }
        None => header.to_string(),
    }
}

/// `FAILED (failures=1, errors=2)` as `[("failures", 1), ("errors", 2)]`.
fn counts(line: &str) -> Vec<(&str, u32)> {
    let Some(inner) = line.split_once('(').and_then(|(_, r)| r.strip_suffix(')')) else { return Vec::new() };
    inner
        .split(", ")
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k, v.parse().ok()?))
        })
        .collect()
}

fn summary(o: &Outcome) -> String {
    match &o.aborted {
        Some(why) => format!("aborted: {why}"),
        None if o.passed() => format!("ok, {} tests, {} skipped", o.tests, o.skipped),
        None => format!("{} tests, {} failures, {} errors, {} skipped", o.tests, o.failures, o.errors, o.skipped),
    }
}

/// The markdown table: one row per file, one column group per rank count,
/// then each failing file's first problems.
fn render(table: &BTreeMap<(String, u32), Outcome>, ranks: &[u32], took: Duration) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "mpi4py {VERSION} test suite under mpiplay ({})\n", util::format_duration(took));
    let mut header = String::from("| file |");
    let mut rule = String::from("|---|");
    for n in ranks {
        let _ = write!(header, " -n {n} |");
        rule.push_str("---|");
    }
    let _ = writeln!(out, "{header}\n{rule}");
    let files: Vec<&String> = {
        let mut f: Vec<_> = table.keys().map(|(f, _)| f).collect();
        f.dedup();
        f
    };
    let mut passing = vec![0; ranks.len()];
    for file in &files {
        let mut row = format!("| {} |", file.trim_end_matches(".py"));
        for (i, n) in ranks.iter().enumerate() {
            let cell = match table.get(&((*file).clone(), *n)) {
                Some(o) if o.passed() => {
                    passing[i] += 1;
                    format!("ok {}/{}", o.tests - o.skipped, o.tests)
                }
                Some(Outcome { aborted: Some(_), .. }) => "aborted".to_string(),
                Some(o) => format!("{}F {}E of {}", o.failures, o.errors, o.tests),
                None => String::new(),
            };
            let _ = write!(row, " {cell} |");
        }
        let _ = writeln!(out, "{row}");
    }
    let mut total = String::from("| **files passing** |");
    for p in &passing {
        let _ = write!(total, " **{p} of {}** |", files.len());
    }
    let _ = writeln!(out, "{total}\n");
    for ((file, n), o) in table {
        if o.passed() {
            continue;
        }
        let _ = writeln!(out, "- {file} -n {n}: {}", summary(o));
        if let Some(why) = &o.aborted {
            let _ = writeln!(out, "  - {why}");
        }
        for p in o.problems.iter().take(8) {
            let _ = writeln!(out, "  - {p}");
        }
        if o.problems.len() > 8 {
            let _ = writeln!(out, "  - … and {} more", o.problems.len() - 8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_unittest_reports_of_every_rank() {
        let text = "\
[0] ======================================================================
[0] ERROR: testCommLock (__main__.TestP2PObjWorldDup.testCommLock)
[0] ----------------------------------------------------------------------
[0] Traceback (most recent call last):
[0]   File \"test_p2p_obj.py\", line 757, in testCommLock
[0]     table = MPI._comm_lock_table(comm)
[0] AttributeError: module 'mpi4py.MPI' has no attribute '_comm_lock_table'
[0] 
[0] ----------------------------------------------------------------------
[0] Ran 92 tests in 1.277s
[0] 
[0] FAILED (errors=12, skipped=2)
[1] Ran 92 tests in 1.301s
[1] FAILED (failures=1, errors=3)
";
        let o = parse(text, Some(1), FILE_LIMIT);
        assert_eq!((o.tests, o.failures, o.errors, o.skipped), (92, 1, 12, 2));
        assert_eq!(o.aborted, None);
        assert_eq!(
            o.problems,
            [
                "TestP2PObjWorldDup.testCommLock: AttributeError: module 'mpi4py.MPI' has no attribute '_comm_lock_table'"
            ]
        );
        assert!(!o.passed());
    }

    #[test]
    fn a_run_without_a_report_is_aborted_with_mpiplays_reason() {
        let text = "[0] Traceback (most recent call last):\n[0] AttributeError: x\n\
                    mpiplay: rank 1 raised an exception (AttributeError: x); the other ranks were stopped\n";
        let o = parse(text, Some(1), FILE_LIMIT);
        assert_eq!(
            o.aborted.as_deref(),
            Some("rank 1 raised an exception (AttributeError: x); the other ranks were stopped")
        );
        assert_eq!(parse("[0] Ran 3 tests in 0s\n[0] OK\n", Some(3), FILE_LIMIT).aborted.as_deref(), Some("deadlock"));
        let ok =
            parse("[0] Ran 3 tests in 0s\n[0] OK (skipped=1)\n[1] Ran 3 tests in 0s\n[1] OK\n", Some(0), FILE_LIMIT);
        assert!(ok.passed());
        assert_eq!((ok.tests, ok.skipped), (3, 1));
    }

    #[test]
    fn a_file_that_runs_out_of_time_says_its_own_limit() {
        assert_eq!(file_limit("test_p2p_obj.py"), FILE_LIMIT);
        let dtlib = file_limit("test_util_dtlib.py");
        assert!(dtlib > FILE_LIMIT);
        let o = parse("[0] Ran 3 tests in 0s\n", Some(124), dtlib);
        assert_eq!(o.aborted, Some(format!("did not finish within {} s", dtlib.as_secs())));
    }
}
