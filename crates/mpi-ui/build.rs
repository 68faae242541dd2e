//! Bakes the tutorial examples (tests/examples, its lessons/ and numpy/, each
//! with its manifest) into the page's gallery: name, title, rank count, a
//! one-line explanation (the script's first comment line) and the source.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../tests/examples");
    let mut out = String::from("pub static EXAMPLES: &[Example] = &[\n");
    // The object examples, the playground's lessons (`lesson_NAME`), then
    // the NumPy ones (`numpy_NAME`).
    bake(&dir, "", &mut out);
    bake(&dir.join("lessons"), "lesson_", &mut out);
    bake(&dir.join("numpy"), "numpy_", &mut out);
    out.push_str("];\n");
    std::fs::write(PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("examples.rs"), out).unwrap();
}

/// Appends the examples of the manifest in `dir` to `out`, their names prefixed.
fn bake(dir: &std::path::Path, prefix: &str, out: &mut String) {
    let manifest_path = dir.join("manifest.toml");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed={}", manifest_path.display());
    let manifest: toml::Table =
        std::fs::read_to_string(&manifest_path).expect("an examples manifest.toml").parse().expect("valid TOML");
    for entry in manifest["example"].as_array().expect("[[example]] entries") {
        let field = |k: &str| entry.get(k).unwrap_or_else(|| panic!("example without {k}: {entry:?}"));
        let name = field("name").as_str().expect("name is a string");
        let script = dir.join(format!("{name}.py"));
        println!("cargo:rerun-if-changed={}", script.display());
        let source = std::fs::read_to_string(&script).unwrap_or_else(|e| panic!("{}: {e}", script.display()));
        let about = source
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# "))
            .map(|l| l.split(" Run with:").next().unwrap_or(l).trim().to_owned())
            .unwrap_or_else(|| panic!("{name}.py must open with a one-line comment saying what it shows"));
        writeln!(
            out,
            "    Example {{ name: {:?}, title: {:?}, ranks: {}, about: {about:?}, source: include_str!({:?}) }},",
            format!("{prefix}{name}"),
            field("title").as_str().expect("title is a string"),
            field("ranks").as_integer().expect("ranks is a number"),
            script.canonicalize().expect("script path").display().to_string(),
        )
        .unwrap();
    }
}
