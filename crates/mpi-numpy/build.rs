//! Rebuilds the crate when the frozen Python sources change (py_freeze! reads
//! them at compile time, which cargo cannot see on its own).
fn main() {
    println!("cargo:rerun-if-changed=python");
}
