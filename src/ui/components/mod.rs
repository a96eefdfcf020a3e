//! Yew components: each takes props and callbacks and draws; decisions live in the model.

pub mod ablation;
pub mod app;
pub mod candidate_detail;
pub mod candidate_table;
pub mod config_panel;
pub mod dataset_files;
pub mod device_panel;
pub mod engine;
pub mod import_genotype;
pub mod latency_check;
pub mod loss_chart;
pub mod pareto_plot;
pub mod reference_list;
pub mod run_view;
pub mod saved_runs;
pub mod search_panel;
pub mod status_bar;

use wasm_bindgen_futures::{JsFuture, spawn_local};
use yew::prelude::*;

use crate::model::state::Action;

/// A file input's change handler: reads the chosen file as text and emits the action `make`
/// builds from it (or from why it could not be read).
pub(crate) fn on_file_text(on_action: &Callback<Action>, make: fn(Result<String, String>) -> Action) -> Callback<Event> {
    let on_action = on_action.clone();
    Callback::from(move |event: Event| {
        let input = event.target_unchecked_into::<web_sys::HtmlInputElement>();
        let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
        let on_action = on_action.clone();
        spawn_local(async move {
            let text = match JsFuture::from(file.text()).await {
                Ok(text) => text.as_string().ok_or_else(|| format!("{} is not text", file.name())),
                Err(error) => Err(format!("{} cannot be read: {error:?}", file.name())),
            };
            on_action.emit(make(text));
        });
    })
}
