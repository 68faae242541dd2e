//! Drafts survive a reload: the script, the workspace's other files, the
//! run configuration, the rank count, the Sends setting and rank 0's input, kept in localStorage on every change (a few KB), read back when
//! the page opens.

use serde::{Deserialize, Serialize};

const KEY: &str = "mpi-playground-draft";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub source: String,
    pub ranks: u32,
    /// Absent in drafts saved before the setting existed.
    #[serde(default)]
    pub sends: crate::state::Sends,
    /// Rank 0's stdin (absent in older drafts).
    #[serde(default)]
    pub stdin: String,
    /// The files besides the main script (absent in older drafts).
    #[serde(default)]
    pub workspace: std::rc::Rc<crate::workspace::Workspace>,
    /// What the ranks run (absent in older drafts: the main script alone).
    #[serde(default)]
    pub programs: crate::programs::Programs,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn load() -> Option<Draft> {
    let text = storage()?.get_item(KEY).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

/// Saves the draft; a full or disabled storage is not worth an error (the
/// script is still on the page).
pub fn save(draft: &Draft) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(draft)) {
        let _ = storage.set_item(KEY, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Sends;

    #[test]
    fn drafts_keep_the_sends_setting_and_older_drafts_still_load() {
        let draft = Draft { source: "x = 1\n".into(), ranks: 3, sends: Sends::Buffered, stdin: "7\n".into(), workspace: Default::default(), programs: Default::default() };
        let text = serde_json::to_string(&draft).expect("serializes");
        assert!(text.contains(r#""sends":"buffered""#), "{text}");
        assert_eq!(serde_json::from_str::<Draft>(&text).ok(), Some(draft));
        let older: Draft = serde_json::from_str(r#"{"source":"x = 1\n","ranks":3}"#).expect("an older draft");
        assert_eq!((older.sends, older.stdin), (Sends::LikeMpich, String::new()));
    }
}
