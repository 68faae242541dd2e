//! Small helpers shared by the tasks: where the repository is, running and
//! echoing commands, finding programs on PATH, and formatting durations.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The repository root (the parent of the xtask crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the repository root")
        .to_path_buf()
}

/// Cargo's target directory for this workspace (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() { dir } else { repo_root().join(dir) }
        }
        _ => repo_root().join("target"),
    }
}

/// This checkout's own `target/`, for what tests and benchmarks read back
/// (the built page, bench output): never the shared cargo cache, so that one
/// checkout's leftovers cannot stand in for another's build.
pub fn checkout_target() -> PathBuf {
    repo_root().join("target")
}

/// Cargo's home, where `cargo install` puts binaries (`$CARGO_HOME/bin`).
pub fn cargo_home_bin() -> PathBuf {
    let home = env::var_os("CARGO_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env::var_os("HOME").unwrap_or_default()).join(".cargo"));
    home.join("bin")
}

/// A PATH value with `first` in front of the current PATH (duplicates are harmless).
pub fn path_with(first: &[PathBuf]) -> OsString {
    let current = env::var_os("PATH").unwrap_or_default();
    let dirs = first.iter().cloned().chain(env::split_paths(&current));
    env::join_paths(dirs).expect("PATH entries contain no separator")
}

/// Looks `name` up in the directories of the PATH value `path`.
pub fn find_in_path(name: &str, path: &OsString) -> Option<PathBuf> {
    env::split_paths(path).map(|dir| dir.join(name)).find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// A printable form of a command, with the environment variables it sets.
pub fn describe(cmd: &Command) -> String {
    let mut parts = Vec::new();
    for (key, value) in cmd.get_envs() {
        // PATH is long and mostly the user's own; say only what was put in front.
        if key == "PATH" {
            if let Some(value) = value {
                let first = env::split_paths(value).next().unwrap_or_default();
                parts.push(format!("PATH={}:$PATH", first.display()));
            }
            continue;
        }
        if let Some(value) = value {
            parts.push(format!("{}={}", key.to_string_lossy(), value.to_string_lossy()));
        }
    }
    parts.push(cmd.get_program().to_string_lossy().into_owned());
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

/// Runs `cmd` with inherited stdio after echoing it; `Err` if it fails.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    eprintln!("$ {}", describe(cmd));
    let status = cmd.status().map_err(|e| format!("could not start `{}`: {e}", cmd.get_program().to_string_lossy()))?;
    if status.success() { Ok(()) } else { Err(format!("`{}` failed ({status})", describe(cmd))) }
}

/// Runs `cmd` quietly and returns its stdout if it succeeds (None if it cannot run or fails).
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// "1m 23.4s" or "4.2s".
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 60.0 { format!("{}m {:.1}s", (secs / 60.0) as u64, secs % 60.0) } else { format!("{secs:.1}s") }
}

/// Prints a step header, visible in long CI logs.
pub fn header(title: &str) {
    eprintln!("\n==> {title}");
}

#[cfg(test)]
mod tests {
    use super::format_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(4_240)), "4.2s");
        assert_eq!(format_duration(Duration::from_millis(83_400)), "1m 23.4s");
    }
}
