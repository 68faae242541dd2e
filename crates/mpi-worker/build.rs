//! Links a rank's wasm with a deep stack, and writes the linker's map of it.
//!
//! - The stack: RustPython recurses on the wasm stack for every Python call,
//!   and the 1 MiB default overflows long before Python's own recursion limit
//!   would raise RecursionError.
//! - The map (`mpi-worker.map`, beside `mpi-worker.wasm` in the profile's
//!   target folder): where each static landed in memory. web/pack-dist.mjs
//!   reads it to take the tables only some imports need out of the served
//!   runtime (the CJK codecs'), for the page to serve apart.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg=-zstack-size={}", 16 << 20);
        // OUT_DIR is <target>/wasm32-unknown-unknown/<profile>/build/<crate>-<hash>/out.
        let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
        let profile_dir = out.ancestors().nth(3).expect("OUT_DIR lies three folders under the profile's");
        println!("cargo:rustc-link-arg-bins=--Map={}", profile_dir.join("mpi-worker.map").display());
    }
}
