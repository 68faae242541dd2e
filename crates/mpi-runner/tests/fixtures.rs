//! Fixture scripts run through `mpiplay`, each checked by one function against
//! what real mpi4py printed for it.
//!
//! The suites: the tutorial examples (`tests/examples`, a copy of the shared
//! examples with their manifest, its `numpy/` set with a manifest of its
//! own, and `lessons/`, the playground's own lessons, recorded the same way), the API fixtures (`tests/fixtures/api`,
//! one script per feature group, `# ranks: N` on its first line, expected
//! output recorded from mpi4py 4.1.2 on MPICH beside it as NAME.txt) and the
//! multiprocessing fixtures (`tests/fixtures/multiprocessing`, the same
//! format, expected output recorded from CPython 3.11) and the numpy fixtures
//! (`tests/fixtures/numpy`, recorded from CPython + NumPy 2.4 + mpi4py).
//! Expected output is `[rank] text` lines; ranks' lines are compared rank by
//! rank in order, since MPI fixes no interleaving between ranks.

use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Deserialize)]
struct Manifest {
    example: Vec<Example>,
}

#[derive(Deserialize, Clone)]
struct Example {
    name: String,
    ranks: u32,
    expect: String,
    #[serde(default)]
    cycle: Vec<u32>,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// Splits `[rank] text` lines into each rank's lines, in order.
fn per_rank(output: &str) -> BTreeMap<u32, Vec<String>> {
    let mut ranks: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for line in output.lines() {
        let (rank, text) = line
            .strip_prefix('[')
            .and_then(|l| l.split_once("] "))
            .or_else(|| line.strip_prefix('[').and_then(|l| l.split_once(']')))
            .unwrap_or_else(|| panic!("line without a [rank] label: {line:?}"));
        ranks.entry(rank.parse().expect("numeric rank label")).or_default().push(text.to_owned());
    }
    ranks
}

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn mpiplay(ranks: u32, script: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_mpiplay"))
        .args(["-l", "--timeout", "120", "-n", &ranks.to_string()])
        .arg(script)
        .current_dir(script.parent().expect("script dir"))
        .output()
        .expect("mpiplay starts");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The one check: run `script` on `ranks`, compare each rank's stdout lines with
/// `expected`, and check how the run ended.
fn check(script: &Path, ranks: u32, expected: &str, expect: &str, cycle: &[u32]) -> Result<(), Failed> {
    let run = mpiplay(ranks, script);
    let context =
        || format!("\n--- exit status {}\n--- stdout:\n{}--- stderr:\n{}", run.status, run.stdout, run.stderr);
    match expect {
        "ok" if run.status != 0 => return Err(format!("expected a clean run{}", context()).into()),
        "deadlock" => {
            if run.status != 3 {
                return Err(format!("expected exit status 3 (deadlock){}", context()).into());
            }
            let want: Vec<String> = cycle.iter().map(|r| format!("rank {r}")).collect();
            let cycle_line = run.stderr.lines().find(|l| l.starts_with("wait-for cycle:")).unwrap_or("");
            if want.iter().any(|r| !cycle_line.contains(r.as_str())) {
                return Err(format!("deadlock report does not name the cycle {want:?}{}", context()).into());
            }
        }
        "error" if run.status != 1 => return Err(format!("expected a failing rank (exit 1){}", context()).into()),
        _ => {}
    }
    let got = per_rank(&run.stdout);
    let want = per_rank(expected);
    for r in 0..ranks {
        let (g, w) = (got.get(&r).cloned().unwrap_or_default(), want.get(&r).cloned().unwrap_or_default());
        if g != w {
            return Err(format!("rank {r} printed\n  {g:?}\nbut mpi4py printed\n  {w:?}{}", context()).into());
        }
    }
    Ok(())
}

/// The examples of the manifest in `dir` (tests/examples, or its numpy/
/// set), as tests named `PREFIX::NAME`.
fn example_trials(dir: PathBuf, prefix: &'static str) -> Vec<Trial> {
    let manifest: Manifest =
        toml::from_str(&std::fs::read_to_string(dir.join("manifest.toml")).expect("examples manifest"))
            .expect("valid manifest");
    manifest
        .example
        .into_iter()
        .map(|e| {
            let dir = dir.clone();
            Trial::test(format!("{prefix}::{}", e.name), move || {
                let expected = std::fs::read_to_string(dir.join("expected").join(format!("{}.txt", e.name)))?;
                check(&dir.join(format!("{}.py", e.name)), e.ranks, &expected, &e.expect, &e.cycle)
            })
        })
        .collect()
}

/// The fixture scripts in `tests/fixtures/SUITE`, as tests named `SUITE::NAME`.
fn fixture_trials(root: &Path, suite: &'static str) -> Vec<Trial> {
    let dir = root.join("tests/fixtures").join(suite);
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut scripts: Vec<PathBuf> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "py")).collect();
    scripts.sort();
    scripts
        .into_iter()
        .map(|script| {
            let name = script.file_stem().expect("file name").to_string_lossy().into_owned();
            Trial::test(format!("{suite}::{name}"), move || {
                let source = std::fs::read_to_string(&script)?;
                let ranks: u32 = source
                    .lines()
                    .find_map(|l| l.strip_prefix("# ranks:"))
                    .ok_or("fixture lacks a '# ranks: N' line")?
                    .trim()
                    .parse()?;
                let expected = std::fs::read_to_string(script.with_extension("txt"))?;
                check(&script, ranks, &expected, "ok", &[])
            })
        })
        .collect()
}

/// The differential printing test (tests/fixtures/numpy-print): thousands of
/// arrays and scalars printed by `cases.py` on one rank, byte for byte what
/// real NumPy 2.4 printed for them (`cases.txt`).
fn numpy_print_trial(root: &Path) -> Trial {
    let dir = root.join("tests/fixtures/numpy-print");
    Trial::test("numpy_print::cases", move || {
        let run = mpiplay_plain(&dir.join("cases.py"));
        let expected = std::fs::read_to_string(dir.join("cases.txt"))?;
        if run.status != 0 {
            return Err(format!("cases.py exited with {}:\n{}", run.status, run.stderr).into());
        }
        if run.stdout == expected {
            return Ok(());
        }
        // Name the first case that differs, with both texts.
        let (got, want): (Vec<&str>, Vec<&str>) = (run.stdout.lines().collect(), expected.lines().collect());
        let at = got.iter().zip(&want).position(|(g, w)| g != w).unwrap_or(got.len().min(want.len()));
        let case = want[..at.min(want.len())].iter().rev().find(|l| l.starts_with("# ")).copied().unwrap_or("?");
        let show = |lines: &[&str]| lines[at.min(lines.len())..(at + 6).min(lines.len())].join("\n");
        Err(format!("case {case}, line {}: NumPy printed\n{}\nbut we printed\n{}", at + 1, show(&want), show(&got))
            .into())
    })
}

/// `mpiplay -n 1 script` without labels, in the script's directory.
fn mpiplay_plain(script: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_mpiplay"))
        .args(["--timeout", "300", "-n", "1"])
        .arg(script)
        .current_dir(script.parent().expect("script dir"))
        .output()
        .expect("mpiplay starts");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The examples here are a copy of the shared tutorial set; when the shared set
/// sits beside the repository, the copy must not have drifted from it.
fn shared_copy_trial(root: &Path) -> Trial {
    let root = root.to_owned();
    Trial::test("examples::copy_matches_shared_set", move || {
        let shared = root.join("../shared/examples");
        if !shared.is_dir() {
            return Ok(());
        }
        let mut drifted = Vec::new();
        for entry in walk(&shared) {
            let rel = entry.strip_prefix(&shared).expect("under shared");
            if std::fs::read(&entry).ok() != std::fs::read(root.join("tests/examples").join(rel)).ok() {
                drifted.push(rel.display().to_string());
            }
        }
        if drifted.is_empty() {
            Ok(())
        } else {
            Err(format!("tests/examples differs from the shared examples: {drifted:?} (copy them again)").into())
        }
    })
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

fn main() {
    let mut args = Arguments::from_args();
    // Each case starts up to 10 interpreters; two cases at a time suit two cores.
    args.test_threads = args.test_threads.or(Some(2));
    let root = repo_root();
    let mut trials = example_trials(root.join("tests/examples"), "examples");
    trials.extend(example_trials(root.join("tests/examples/numpy"), "numpy_examples"));
    trials.extend(example_trials(root.join("tests/examples/lessons"), "lessons"));
    trials.extend(fixture_trials(&root, "api"));
    trials.extend(fixture_trials(&root, "multiprocessing"));
    trials.extend(fixture_trials(&root, "numpy"));
    trials.push(numpy_print_trial(&root));
    trials.push(shared_copy_trial(&root));
    libtest_mimic::run(&args, trials).exit();
}
