//! The examples gallery: the tutorial scripts of tests/examples, then the
//! playground's lessons (`lesson_NAME`), then the NumPy ones (`numpy_NAME`),
//! baked in by build.rs with their title, rank count and one-line explanation.

/// One gallery entry.
#[derive(Debug, PartialEq, Eq)]
pub struct Example {
    pub name: &'static str,
    pub title: &'static str,
    /// The `-n` the script is written for.
    pub ranks: u32,
    /// What it shows, in one line.
    pub about: &'static str,
    pub source: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/examples.rs"));

pub fn find(name: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gallery_has_every_tutorial_script_with_its_rank_count() {
        assert!(EXAMPLES.len() >= 15);
        assert_eq!(find("point_to_point").unwrap().ranks, 9);
        assert_eq!(find("broadcast").unwrap().ranks, 10);
        assert_eq!(find("hello").unwrap().about, "Every process says hello with its rank.");
        assert_eq!(find("gather").unwrap().about, "Gather Python objects.", "the `Run with:` tail is dropped");
        assert!(find("deadlock").unwrap().source.contains("comm.recv"));
        assert!(find("nope").is_none());
    }

    #[test]
    fn numpy_examples_follow_the_object_examples() {
        let first_numpy = EXAMPLES.iter().position(|e| e.name.starts_with("numpy_")).expect("numpy examples");
        assert!(EXAMPLES[..first_numpy].iter().all(|e| !e.name.starts_with("numpy_")));
        assert!(EXAMPLES[first_numpy..].iter().all(|e| e.name.starts_with("numpy_")));
        let scatter = find("numpy_scatter").unwrap();
        assert_eq!(scatter.ranks, 4);
        assert!(scatter.source.contains("import numpy as np"));
    }

    #[test]
    fn the_eager_limit_lesson_comes_before_the_numpy_examples() {
        let lesson = EXAMPLES.iter().position(|e| e.name == "lesson_eager_limit").expect("the eager-limit lesson");
        let first_numpy = EXAMPLES.iter().position(|e| e.name.starts_with("numpy_")).expect("numpy examples");
        assert!(lesson < first_numpy);
        let e = &EXAMPLES[lesson];
        assert_eq!(e.ranks, 2);
        assert!(e.about.starts_with("Both ranks send before they receive"), "{}", e.about);
    }
}
