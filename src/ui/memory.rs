//! What the page keeps in the browser between visits besides saved runs: the last timing of
//! both backends (with what it was for) and the visitor's choice of backend, in `localStorage`.
//! Anything unreadable there counts as nothing kept.

use serde::{Deserialize, Serialize};

use protocol::BackendSpeeds;
use crate::model::state::BackendChoice;

const SPEEDS_KEY: &str = "efficientnas.backend-speeds";
const CHOICE_KEY: &str = "efficientnas.backend-choice";

/// A timing and what it was for.
#[derive(Serialize, Deserialize)]
struct Kept {
    signature: String,
    speeds: BackendSpeeds,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The timing kept for `signature`, if the one kept is for it.
pub fn kept_speeds(signature: &str) -> Option<BackendSpeeds> {
    let text = storage()?.get_item(SPEEDS_KEY).ok()??;
    let kept: Kept = serde_json::from_str(&text).ok()?;
    (kept.signature == signature).then_some(kept.speeds)
}

/// Keeps `speeds` as the timing for `signature` (replacing any other).
pub fn keep_speeds(signature: &str, speeds: &BackendSpeeds) {
    let kept = Kept { signature: signature.to_string(), speeds: speeds.clone() };
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(&kept)) {
        // A full or refused storage only costs a timing on the next visit.
        let _ = storage.set_item(SPEEDS_KEY, &text);
    }
}

/// The visitor's choice of backend on an earlier visit (the faster, when none is kept).
pub fn kept_choice() -> BackendChoice {
    storage()
        .and_then(|s| s.get_item(CHOICE_KEY).ok().flatten())
        .and_then(|key| BackendChoice::from_key(&key))
        .unwrap_or_default()
}

/// Keeps the visitor's choice for the next visit.
pub fn keep_choice(choice: BackendChoice) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(CHOICE_KEY, choice.key());
    }
}
