//! Saved runs: the list (resume, open read-only, delete), the offer to resume an unfinished run
//! after a reload, and the storage calls behind them.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use storage::Db;
use crate::components::engine::Store;
use crate::components::on_file_text;
use crate::model::saved::{Overlay, SavedEntry, SavedUse, driven_elsewhere};
use crate::model::state::Action;

/// Lists the saved runs again whenever they change; says which run this tab drives (for
/// browsers without Web Locks); and, while an unfinished run is listed, asks again and again
/// whether another tab drives it (the answer changes when that tab closes).
#[hook]
pub(crate) fn use_saved_runs(store: &UseReducerHandle<Store>) {
    let state = &store.0;
    {
        let dispatch = store.dispatcher();
        use_effect_with(state.saved_changes, move |_| {
            list(Callback::from(move |action| dispatch.dispatch(action)));
        });
    }
    // The run this tab drives is said to be its own, for other tabs of a browser without Web
    // Locks (with them, the worker's lock says it).
    {
        let driving = state.run.info.as_ref().filter(|_| state.run.status.active()).map(|info| info.run_id.clone());
        use_effect_with(driving, move |driving| {
            let beat = driving.clone().map(|run_id| {
                crate::memory::keep_owner(&run_id, js_sys::Date::now());
                let kept = run_id.clone();
                let interval = gloo::timers::callback::Interval::new(crate::model::saved::OWNER_BEAT_MS, move || {
                    crate::memory::keep_owner(&kept, js_sys::Date::now());
                });
                (run_id, interval)
            });
            move || {
                if let Some((run_id, interval)) = beat {
                    drop(interval);
                    crate::memory::drop_owner(&run_id);
                }
            }
        });
    }
    // While an unfinished run is listed, whether another tab drives it is asked again and again:
    // the answer changes when that tab closes.
    {
        let dispatch = store.dispatcher();
        let watching = state.saved.iter().any(|e| e.unfinished);
        use_effect_with(watching, move |watching| {
            let on_action = Callback::from(move |action| dispatch.dispatch(action));
            let interval = watching.then(|| {
                held(on_action.clone());
                gloo::timers::callback::Interval::new(HELD_POLL_MS, move || held(on_action.clone()))
            });
            move || drop(interval)
        });
    }
}

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

/// Reads which runs some tab's worker drives (their Web Locks) and reports it; where the
/// browser has no Web Locks, the runs other tabs say they drive (`memory::owners`).
pub fn held(on_action: Callback<Action>) {
    spawn_local(async move {
        let held = match storage::owner::held_runs().await {
            Ok(Some(held)) => held,
            Ok(None) | Err(_) => driven_elsewhere(&crate::memory::owners(), &crate::memory::tab_id(), js_sys::Date::now()),
        };
        on_action.emit(Action::HeldRuns(Some(held)));
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

/// Reads a saved run to draw its hypervolume over the current run's.
pub fn overlay(run_id: String, on_action: Callback<Action>) {
    spawn_local(async move {
        let read = async {
            let db = Db::open().await?;
            let run = db.run(&run_id).await?.ok_or_else(|| format!("run {run_id} is no longer saved"))?;
            let events = db.events(&run_id, None).await?;
            Overlay::new(&run, &events)
        };
        on_action.emit(match read.await {
            Ok(overlay) => Action::OverlayLoaded(Box::new(overlay)),
            Err(problem) => Action::StorageFailed(problem),
        });
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
        SavedUse::Overlay => "Overlay",
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
                        SavedUse::Delete | SavedUse::Overlay => true,
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
