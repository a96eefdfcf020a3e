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

/// Where a browser has no Web Locks, the tab driving a run says so here every few seconds
/// (`efficientnas.owner.<run id>` = `<tab> <milliseconds>`), and other tabs read it.
const OWNER_PREFIX: &str = "efficientnas.owner.";

/// This page's own name among tabs, drawn once per load.
pub fn tab_id() -> String {
    thread_local! {
        static TAB: String = format!("{:016x}", (js_sys::Math::random() * 2f64.powi(53)) as u64);
    }
    TAB.with(Clone::clone)
}

/// Says that this tab drives `run_id` now.
pub fn keep_owner(run_id: &str, now_ms: f64) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(&format!("{OWNER_PREFIX}{run_id}"), &format!("{} {now_ms}", tab_id()));
    }
}

/// Says that this tab no longer drives `run_id`.
pub fn drop_owner(run_id: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(&format!("{OWNER_PREFIX}{run_id}"));
    }
}

/// Every run some tab says it drives: (run id, tab, when it last said so).
pub fn owners() -> Vec<crate::model::saved::OwnerBeat> {
    let Some(storage) = storage() else { return Vec::new() };
    let count = storage.length().unwrap_or(0);
    (0..count)
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter_map(|key| {
            let run_id = key.strip_prefix(OWNER_PREFIX)?.to_string();
            let value = storage.get_item(&key).ok()??;
            let (tab, at) = value.split_once(' ')?;
            Some(crate::model::saved::OwnerBeat { run_id, tab: tab.to_string(), at_ms: at.parse().ok()? })
        })
        .collect()
}
