//! Freezes the Python `numpy` package (python/) into `$OUT_DIR/numpy.frozen`
//! (mpi-freeze: stored so the served runtime's brotli compresses it).
fn main() {
    println!("cargo:rerun-if-changed=python");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("numpy.frozen");
    let frozen = mpi_freeze::freeze(&mpi_freeze::modules_in("python".as_ref())).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(out, frozen).unwrap();
}
