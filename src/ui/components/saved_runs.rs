//! Saved runs: the list (resume, open read-only, delete), the offer to resume an unfinished run
//! after a reload, and the storage calls behind them.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use storage::Db;
use crate::components::on_file_text;
use crate::model::saved::{SavedEntry, SavedUse};
use crate::model::state::Action;

/// Reads the list of saved runs and reports it.
pub fn list(on_action: Callback<Action>) {
    spawn_local(async move {
        let listed = match Db::open().await {
            Ok(db) => db.runs().await,
            Err(problem) => Err(problem),
        };
        on_action.emit(match listed {
            Ok(runs) => Action::SavedListed(runs),
            Err(problem) => Action::StorageFailed(problem),
        });
    });
}

/// How often the page asks which runs another tab drives, while it lists an unfinished one.
pub const HELD_POLL_MS: u32 = 2000;

/// Reads which runs some tab's worker drives (their locks) and reports it; where that cannot be
/// told, reports that no run is known to be driven elsewhere.
pub fn held(on_action: Callback<Action>) {
    spawn_local(async move {
        on_action.emit(Action::HeldRuns(storage::owner::held_runs().await.unwrap_or(None)));
    });
}

/// Reads a saved run with its events and reports it; when `resume`, calls `then` once the
/// page shows it, to ask the engine to continue it.
pub fn open(run_id: String, resume: bool, on_action: Callback<Action>, then: impl FnOnce(String) + 'static) {
    spawn_local(async move {
        let read = async {
            let db = Db::open().await?;
            let run = db.run(&run_id).await?.ok_or_else(|| format!("run {run_id} is no longer saved"))?;
            let limit = resume.then(|| run.checkpoint.as_ref().map_or((0, 0), |c| (c.candidates, c.generations)));
            let events = db.events(&run_id, limit).await?;
            Ok::<_, String>((run, events))
        };
        match read.await {
            Ok((run, events)) => {
                on_action.emit(Action::SavedOpened { run: Box::new(run), events, resume });
                if resume {
                    then(run_id);
                }
            }
            Err(problem) => on_action.emit(Action::StorageFailed(problem)),
        }
    });
}

/// Deletes a saved run and reports it.
pub fn delete(run_id: String, on_action: Callback<Action>) {
    spawn_local(async move {
        let deleted = match Db::open().await {
            Ok(db) => db.delete(&run_id).await,
            Err(problem) => Err(problem),
        };
        on_action.emit(match deleted {
            Ok(()) => Action::SavedDeleted(run_id),
            Err(problem) => Action::StorageFailed(problem),
        });
    });
}

/// Props of [`SavedRuns`].
#[derive(Properties, PartialEq)]
pub struct SavedRunsProps {
    /// The saved runs, newest first.
    pub entries: Vec<SavedEntry>,
    /// Whether a run may be opened now.
    pub can_open: bool,
    /// Whether a run may be resumed now.
    pub can_resume: bool,
    /// A use chosen for a run.
    pub on_use: Callback<(SavedUse, String)>,
    /// Receives an imported run-results file.
    pub on_action: Callback<Action>,
}

fn saved_button(entry: &SavedEntry, choice: SavedUse, enabled: bool, on_use: &Callback<(SavedUse, String)>) -> Html {
    let label = match choice {
        SavedUse::Resume => "Resume",
        SavedUse::Open => "Open",
        SavedUse::Delete => "Delete",
    };
    let run_id = entry.run_id.clone();
    let onclick = on_use.reform(move |_: MouseEvent| (choice, run_id.clone()));
    html! {
        <button class="small" disabled={!enabled} {onclick} data-testid={format!("saved-{}", label.to_lowercase())}
            aria-label={format!("{label} {}", entry.label)}>{ label }</button>
    }
}

/// The list of saved runs.
#[component]
pub fn SavedRuns(props: &SavedRunsProps) -> Html {
    let rows: Html = props
        .entries
        .iter()
        .map(|entry| {
            let buttons: Html = entry
                .uses
                .iter()
                .map(|&choice| {
                    // Deleting another run is always possible: it frees space, even under a
                    // run paused because storage is full.
                    let enabled = match choice {
                        SavedUse::Resume => props.can_resume,
                        SavedUse::Open => props.can_open,
                        SavedUse::Delete => true,
                    };
                    saved_button(entry, choice, enabled, &props.on_use)
                })
                .collect();
            html! {
                <li class="saved-run" data-testid="saved-run" data-run-id={entry.run_id.clone()} data-unfinished={entry.unfinished.to_string()}
                    data-elsewhere={entry.elsewhere.to_string()}>
                    <span class="saved-label">{ entry.label.clone() }</span>
                    if entry.elsewhere {
                        <span class="saved-elsewhere" data-testid="saved-elsewhere">{ " · running in another tab" }</span>
                    }
                    <span class="saved-uses">{ buttons }</span>
                </li>
            }
        })
        .collect();
    html! {
        <section class="config-panel saved-runs" aria-label="Saved runs">
            <h2>{ "Saved runs" }</h2>
            if props.entries.is_empty() {
                <p class="hint">{ "Every search is saved in this browser as it goes; finished and unfinished runs appear here." }</p>
            } else {
                <ul class="saved-list">{ rows }</ul>
            }
            <label class="import-run">
                { "Open run results (JSON exported here or written by cli search --out) " }
                <input type="file" accept=".json,application/json" data-testid="import-run" disabled={!props.can_open}
                    onchange={on_file_text(&props.on_action, Action::RunImported)} />
            </label>
        </section>
    }
}

/// Props of [`ResumeOffer`].
#[derive(Properties, PartialEq)]
pub struct ResumeOfferProps {
    /// The unfinished run.
    pub entry: SavedEntry,
    /// Whether it may be resumed now (the engine is up and idle).
    pub can_resume: bool,
    /// Resume chosen.
    pub on_use: Callback<(SavedUse, String)>,
    /// The offer dismissed.
    pub on_dismiss: Callback<MouseEvent>,
}

/// The banner offering to resume an unfinished run.
#[component]
pub fn ResumeOffer(props: &ResumeOfferProps) -> Html {
    let run_id = props.entry.run_id.clone();
    let on_resume = props.on_use.reform(move |_: MouseEvent| (SavedUse::Resume, run_id.clone()));
    html! {
        <div class="banner banner-resume" role="status" data-testid="resume-offer">
            <span>{ format!("An unfinished search was saved: {}. Resume it where it stopped?", props.entry.label) }</span>
            <span class="saved-uses">
                <button class="primary" disabled={!props.can_resume} onclick={on_resume} data-testid="resume-offer-resume">{ "Resume" }</button>
                <button onclick={props.on_dismiss.clone()}>{ "Not now" }</button>
            </span>
        </div>
    }
}
