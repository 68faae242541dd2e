//! The shared cargo target directory that `.ci/run` asks for.
//!
//! A fresh clone would otherwise compile RustPython twice (natively and for
//! wasm32), which is most of half an hour. When `MPI_PLAYGROUND_TARGET_CACHE`
//! names a directory (and `CARGO_TARGET_DIR` is not set), every cargo the
//! xtask starts builds in `<cache>/<key>`, where the key names the toolchains
//! that compile into it; so clones share dependency artifacts, and a new
//! toolchain starts a directory of its own instead of mixing with old ones.
//!
//! What is shared is only what cargo itself keys and fingerprints: compiled
//! crates, rebuilt when their sources, flags or compiler change. What a test
//! reads from this checkout (the page in `target/xtask-dist`, bench output)
//! stays in the checkout's own `target/` (`util::checkout_target()`).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::toolchain::{self, Toolchain, Wasm};
use crate::util;

/// The environment variable `.ci/run` sets to the cache's root.
pub const CACHE_ENV: &str = "MPI_PLAYGROUND_TARGET_CACHE";
/// Key directories nobody used for this long are removed (a toolchain gone by).
const STALE_AFTER: Duration = Duration::from_secs(30 * 24 * 3600);

/// Points `CARGO_TARGET_DIR` at the cache's directory for `tc`, if the cache
/// is asked for and no target directory is set already. Call it before any
/// cargo starts and while the xtask has one thread.
pub fn use_shared_target(tc: &Toolchain) {
    let Some(root) = std::env::var_os(CACHE_ENV).filter(|v| !v.is_empty()).map(PathBuf::from) else {
        return;
    };
    if std::env::var_os("CARGO_TARGET_DIR").is_some_and(|v| !v.is_empty()) {
        eprintln!("setup: CARGO_TARGET_DIR is set; not using the shared target cache");
        return;
    }
    let dir = root.join(key(tc));
    if let Err(e) = fs::create_dir_all(&dir) {
        eprintln!("setup: note: no shared target cache ({}: {e}); building in this checkout", dir.display());
        return;
    }
    // Marks the directory as in use, for the pruning below.
    let _ = fs::File::open(&dir).and_then(|f| f.set_modified(SystemTime::now()));
    prune_stale(&root, &dir);
    eprintln!("setup: cargo target directory: {} (shared between checkouts)", dir.display());
    // SAFETY: called from `main`'s thread before the xtask starts any other
    // thread, so nothing reads the environment concurrently.
    unsafe { std::env::set_var("CARGO_TARGET_DIR", &dir) };
}

/// A directory name for the toolchains `tc` uses: their releases, readable,
/// and a stable hash of their full `rustc -vV` (commit, host, LLVM).
fn key(tc: &Toolchain) -> String {
    let native_rustc = match tc.native {
        toolchain::Native::Path => "rustc".to_string(),
        toolchain::Native::Debian => format!("{}/rustc", toolchain::DEBIAN_BIN),
    };
    let wasm_rustc = match tc.wasm {
        Wasm::Rustup => "rustc".to_string(),
        Wasm::DebianBuildStd => format!("{}/rustc", toolchain::DEBIAN_BIN),
    };
    let describe = |rustc: &str| util::output(std::process::Command::new(rustc).arg("-vV")).unwrap_or_default();
    let (native, wasm) = (describe(&native_rustc), describe(&wasm_rustc));
    let release = |text: &str| text.lines().find_map(|l| l.strip_prefix("release: ")).unwrap_or("unknown").to_string();
    let hash = fnv1a(format!("{native}\n{wasm}\n{wasm_kind:?}", wasm_kind = tc.wasm).as_bytes());
    format!("rustc-{}-wasm-{}-{hash:016x}", release(&native), release(&wasm))
}

/// FNV-1a: stable across Rust releases, unlike std's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Removes sibling key directories unused for `STALE_AFTER`.
fn prune_stale(root: &Path, keep: &Path) {
    let Ok(entries) = fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if path != keep && path.is_dir() && old {
            eprintln!("setup: removing the unused target cache {}", path.display());
            let _ = fs::remove_dir_all(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv1a_is_the_published_function() {
        // Test vectors from the FNV reference (draft-eastlake-fnv).
        assert_eq!(super::fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
