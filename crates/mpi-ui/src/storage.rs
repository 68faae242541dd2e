//! Drafts survive a reload: the script and the rank count, kept in
//! localStorage on every change (a few KB), read back when the page opens.

use serde::{Deserialize, Serialize};

const KEY: &str = "mpi-playground-draft";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub source: String,
    pub ranks: u32,
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
