//! Gives a rank's wasm a deep stack: RustPython recurses on the wasm stack for
//! every Python call, and the 1 MiB default overflows long before Python's own
//! recursion limit would raise RecursionError.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg=-zstack-size={}", 16 << 20);
    }
}
