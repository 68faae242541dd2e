//! The workspace: the files a run starts with besides the main script
//! (helper modules, data files), as the page holds them. Names are paths
//! relative to the workspace's root, which is the ranks' working directory
//! in the run's file system. Every change is checked here, so that a bad
//! name, a clash or an oversized file leaves the workspace as it was and
//! says why.

use serde::{Deserialize, Serialize};

/// The most one file may hold (the run's files share the World's heap).
pub const MAX_FILE_BYTES: usize = 8 << 20;
/// The most all files together may hold.
pub const MAX_TOTAL_BYTES: usize = 16 << 20;

/// What a file holds: text the editor shows, or bytes it lists by size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Contents {
    Text(String),
    Binary(Vec<u8>),
}

impl Contents {
    /// Text when the bytes are UTF-8 (as an upload is read), else binary.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(text) => Contents::Text(text),
            Err(e) => Contents::Binary(e.into_bytes()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Contents::Text(t) => t.len(),
            Contents::Binary(b) => b.len(),
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Contents::Text(t) => t.as_bytes().to_vec(),
            Contents::Binary(b) => b.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct File {
    pub name: String,
    pub contents: Contents,
}

/// The files besides the main script, in the order they were added.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    pub files: Vec<File>,
}

/// Why a name cannot be a workspace file's, or `None` if it can.
pub fn bad_name(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("A file needs a name.".to_owned());
    }
    if name.starts_with('/') || name.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return Some(format!(
            "\"{name}\" is not a name inside the workspace: use a relative path such as data/input.txt, without . or .. parts."
        ));
    }
    if name.len() > 255 || name.chars().any(char::is_control) {
        return Some(format!("\"{name}\" is too long or holds control characters."));
    }
    None
}

impl Workspace {
    fn total_bytes(&self) -> usize {
        self.files.iter().map(|f| f.contents.len()).sum()
    }

    /// Why `name` cannot be used next to the other files (the main script's
    /// name, `main`, included), or `None`.
    fn clash(&self, name: &str, main: &str, except: Option<usize>) -> Option<String> {
        if let Some(why) = bad_name(name) {
            return Some(why);
        }
        let taken = name == main || self.files.iter().enumerate().any(|(i, f)| Some(i) != except && f.name == name);
        taken.then(|| format!("There is already a file named \"{name}\"."))
    }

    fn fits(&self, name: &str, size: usize, replacing: usize) -> Option<String> {
        if size > MAX_FILE_BYTES {
            return Some(format!(
                "\"{name}\" is {size} bytes; a workspace file may hold at most {} MiB.",
                MAX_FILE_BYTES >> 20
            ));
        }
        let total = self.total_bytes() - replacing + size;
        (total > MAX_TOTAL_BYTES).then(|| {
            format!(
                "\"{name}\" would make the workspace {total} bytes; its files may hold at most {} MiB together.",
                MAX_TOTAL_BYTES >> 20
            )
        })
    }

    /// Adds a file; an existing file of that name is replaced (an upload
    /// of a newer version). The main script's name is refused.
    pub fn add(&mut self, name: &str, contents: Contents, main: &str) -> Result<usize, String> {
        let existing = self.files.iter().position(|f| f.name == name);
        if let Some(why) = self.clash(name, main, existing) {
            return Err(why);
        }
        let replacing = existing.map_or(0, |i| self.files[i].contents.len());
        if let Some(why) = self.fits(name, contents.len(), replacing) {
            return Err(why);
        }
        let file = File { name: name.to_owned(), contents };
        Ok(match existing {
            Some(i) => {
                self.files[i] = file;
                i
            }
            None => {
                self.files.push(file);
                self.files.len() - 1
            }
        })
    }

    /// Adds a new empty text file; unlike [`Workspace::add`], a name in use is refused.
    pub fn create(&mut self, name: &str, main: &str) -> Result<usize, String> {
        if let Some(why) = self.clash(name, main, None) {
            return Err(why);
        }
        self.add(name, Contents::Text(String::new()), main)
    }

    pub fn rename(&mut self, index: usize, name: &str, main: &str) -> Result<(), String> {
        if index >= self.files.len() {
            return Err("That file is gone.".to_owned());
        }
        if self.files[index].name == name {
            return Ok(());
        }
        if let Some(why) = self.clash(name, main, Some(index)) {
            return Err(why);
        }
        self.files[index].name = name.to_owned();
        Ok(())
    }

    pub fn remove(&mut self, index: usize) {
        if index < self.files.len() {
            self.files.remove(index);
        }
    }

    /// Replaces a text file's text (an edit); binary files are not edited.
    pub fn edit(&mut self, index: usize, text: String) {
        if let Some(File { contents: c @ Contents::Text(_), .. }) = self.files.get_mut(index) {
            *c = Contents::Text(text);
        }
    }

    /// The files as a run's file system gets them.
    pub fn for_run(&self) -> Vec<(String, Vec<u8>)> {
        self.files.iter().map(|f| (f.name.clone(), f.contents.bytes())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Contents {
        Contents::Text(t.to_owned())
    }

    #[test]
    fn files_are_added_renamed_edited_and_removed_by_name() {
        let mut w = Workspace::default();
        assert_eq!(w.add("parutils.py", text("def pprint(): pass\n"), "script.py"), Ok(0));
        assert_eq!(w.add("data/bottle.dat", Contents::from_bytes(vec![0, 159, 146]), "script.py"), Ok(1));
        assert!(matches!(w.files[1].contents, Contents::Binary(_)), "bytes that are not UTF-8 stay bytes");
        assert_eq!(w.add("parutils.py", text("v2\n"), "script.py"), Ok(0), "an upload of the same name replaces it");
        w.edit(0, "v3\n".to_owned());
        assert_eq!(w.files[0].contents, text("v3\n"));
        w.edit(1, "not for binary files".to_owned());
        assert_eq!(w.files[1].contents, Contents::Binary(vec![0, 159, 146]));
        w.rename(1, "data/old.dat", "script.py").unwrap();
        assert_eq!(
            w.for_run(),
            vec![("parutils.py".to_owned(), b"v3\n".to_vec()), ("data/old.dat".to_owned(), vec![0, 159, 146])]
        );
        w.remove(0);
        assert_eq!(w.files.len(), 1);
    }

    #[test]
    fn bad_names_clashes_and_oversized_files_are_refused_and_change_nothing() {
        let mut w = Workspace::default();
        w.add("a.py", text("x = 1\n"), "main.py").unwrap();
        let before = w.clone();
        for name in ["", "/etc/passwd", "../up.py", "data/../../x", "a//b", "./a.py"] {
            let why = w.add(name, text(""), "main.py").unwrap_err();
            assert!(why.contains("name"), "{name}: {why}");
        }
        assert_eq!(w.add("main.py", text(""), "main.py"), Err("There is already a file named \"main.py\".".to_owned()));
        assert_eq!(w.create("a.py", "main.py"), Err("There is already a file named \"a.py\".".to_owned()), "New never overwrites");
        w.add("b.py", text(""), "main.py").unwrap();
        assert_eq!(w.rename(1, "a.py", "main.py"), Err("There is already a file named \"a.py\".".to_owned()));
        let big = w.add("big.bin", Contents::Binary(vec![0; MAX_FILE_BYTES + 1]), "main.py").unwrap_err();
        assert!(big.contains("at most 8 MiB"), "{big}");
        w.remove(1);
        assert_eq!(w, before, "nothing refused changed the workspace");
    }

    #[test]
    fn a_workspace_round_trips_through_json_for_drafts() {
        let mut w = Workspace::default();
        w.add("helper.py", text("N = 3\n"), "main.py").unwrap();
        w.add("raw.bin", Contents::Binary(vec![1, 2, 255]), "main.py").unwrap();
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<Workspace>(&json).unwrap(), w);
    }
}
