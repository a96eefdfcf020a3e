//! The page frame: header, configuration, main view and status bar, wired to the engine.

use yew::prelude::*;

use protocol::{FileFormat, RunControl, ToEngine};
use crate::components::ablation::{AblationResults, AblationStart};
use crate::components::candidate_detail::CandidateDetail;
use crate::components::candidate_table::CandidateTable;
use crate::components::config_panel::ConfigPanel;
use crate::components::dataset_files::read_files;
use crate::components::device_panel::DevicePanel;
use crate::components::engine::{EngineSlot, Store, send, start_on_click, use_engine};
use crate::components::import_genotype::ImportGenotype;
use crate::components::pareto_plot::ParetoPlot;
use crate::components::latency_check::LatencyCheckPanel;
use crate::components::reference_list::ReferenceList;
use crate::model::latency_check::LatencyCheck;
use crate::components::run_view::{RunHistory, RunSummary};
use crate::components::saved_runs::{self, ResumeOffer, SavedRuns};
use crate::components::search_panel::SearchPanel;
use crate::components::status_bar::StatusBar;
use crate::model::export::{Export, ExportFile, export_file, file_name, model_request};
use crate::model::saved::SavedUse;
use crate::model::state::{Action, AppState};

/// What the page's controls do beyond the reducer: talk to the engine and the browser.
struct Handlers {
    on_check: Callback<MouseEvent>,
    on_search: Callback<MouseEvent>,
    on_ablation: Callback<MouseEvent>,
    on_ablation_csv: Callback<MouseEvent>,
    on_train_imported: Callback<MouseEvent>,
    on_control: Callback<RunControl>,
    on_saved: Callback<(SavedUse, String)>,
    on_export: Callback<Export>,
    on_files: Callback<(FileFormat, web_sys::FileList)>,
}

fn handlers(engine: &EngineSlot, store: &UseReducerHandle<Store>, on_action: &Callback<Action>) -> Handlers {
    let state = &store.0;
    let on_check = {
        let engine = engine.clone();
        let dispatch = store.dispatcher();
        let request = state.check_request();
        Callback::from(move |_: MouseEvent| {
            if let Ok(request) = request.clone() {
                dispatch.dispatch(Action::CheckRequested);
                send(&engine, &dispatch, &ToEngine::CheckDevice(request));
            }
        })
    };
    let on_search = start_on_click(&engine, store.dispatcher(), Action::SearchRequested, {
        let state = state.clone();
        move |now| state.run_request(now).ok().filter(|_| state.can_search())
    });
    let (on_ablation, on_ablation_csv) = ablation_handlers(engine, store);
    let on_train_imported = start_on_click(&engine, store.dispatcher(), Action::ImportedTrainingRequested, {
        let state = state.clone();
        move |now| state.import_request(now).ok().filter(|_| state.can_train_imported())
    });
    let on_control = {
        let engine = engine.clone();
        let dispatch = store.dispatcher();
        Callback::from(move |control: RunControl| {
            dispatch.dispatch(Action::ControlRequested(control));
            send(&engine, &dispatch, &ToEngine::Control(control));
        })
    };
    let on_saved = {
        let engine = engine.clone();
        let dispatch = store.dispatcher();
        let on_action = on_action.clone();
        Callback::from(move |(choice, run_id): (SavedUse, String)| match choice {
            SavedUse::Open => saved_runs::open(run_id, false, on_action.clone(), |_| {}),
            SavedUse::Delete => saved_runs::delete(run_id, on_action.clone()),
            SavedUse::Overlay => saved_runs::overlay(run_id, on_action.clone()),
            SavedUse::Resume => {
                let (engine, dispatch) = (engine.clone(), dispatch.clone());
                saved_runs::open(run_id, true, on_action.clone(), move |run_id| {
                    send(&engine, &dispatch, &ToEngine::ResumeRun { run_id });
                });
            }
        })
    };
    let on_export = {
        let dispatch = store.dispatcher();
        let engine = engine.clone();
        let (run, selected) = (state.run.clone(), state.selected);
        Callback::from(move |what: Export| {
            if let Some(request) = model_request(&run, selected, what) {
                send(&engine, &dispatch, &request);
            } else if let Some(file) = export_file(&run, selected, what)
                && let Err(problem) = crate::download::download(&file)
            {
                dispatch.dispatch(Action::ExportFailed(problem));
            }
        })
    };
    let on_files = {
        let engine = engine.clone();
        let dispatch = store.dispatcher();
        let on_action = on_action.clone();
        Callback::from(move |(format, list): (FileFormat, web_sys::FileList)| {
            let (engine, dispatch) = (engine.clone(), dispatch.clone());
            read_files(format, list, on_action.clone(), move |request, files, transfer| {
                let outcome = match engine.borrow().as_ref() {
                    Some(bridge) => bridge.send_with_files(&ToEngine::LoadDataset(request), &files, &transfer),
                    None => Err("the engine is not running".to_string()),
                };
                if let Err(problem) = outcome {
                    dispatch.dispatch(Action::FilesUnreadable(problem));
                }
            });
        })
    };
    Handlers { on_check, on_search, on_ablation, on_ablation_csv, on_train_imported, on_control, on_saved, on_export, on_files }
}

/// Starting an ablation (its first search goes to the engine) and downloading its rows.
fn ablation_handlers(engine: &EngineSlot, store: &UseReducerHandle<Store>) -> (Callback<MouseEvent>, Callback<MouseEvent>) {
    let state = &store.0;
    let on_ablation = {
        let (engine, dispatch, state) = (engine.clone(), store.dispatcher(), state.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(plan) = state.ablation_plan(js_sys::Date::now()).ok().filter(|_| state.can_search())
                && let Some(first) = plan.runs.first().map(|run| run.request.clone())
            {
                dispatch.dispatch(Action::AblationRequested(Box::new(plan)));
                send(&engine, &dispatch, &ToEngine::StartRun(Box::new(first)));
            }
        })
    };
    let on_ablation_csv = {
        let (dispatch, ablation) = (store.dispatcher(), state.ablation.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(view) = &ablation else { return };
            let name = file_name(&view.plan.runs.first().map_or("ablation".into(), |r| r.request.run_id.replace("-base", "")), "csv");
            let file = ExportFile { name, mime: "text/csv", text: view.csv() };
            if let Err(problem) = crate::download::download(&file) {
                dispatch.dispatch(Action::ExportFailed(problem));
            }
        })
    };
    (on_ablation, on_ablation_csv)
}

/// The settings column: search, one architecture, saved runs, device check.
fn sidebar(state: &AppState, on_action: &Callback<Action>, handlers: &Handlers) -> Html {
    let run = &state.run;
    let form_errors = state.form.to_request().err().unwrap_or_default();
    let offer = state.ablation_offer();
    html! {
                <aside class="sidebar">
                    <SearchPanel
                        form={state.form.clone()}
                        errors={form_errors}
                        status={run.status.clone()}
                        can_search={state.can_search()}
                        memory={state.memory_problem()}
                        on_action={on_action.clone()}
                        on_search={handlers.on_search.clone()}
                        on_control={handlers.on_control.clone()}
                        hidden={state.hidden.clone()}
                        locked={state.locked.clone()}
                        lesson_link={format!("{}{}", page_address(), state.lesson_link())}
                        files={state.files.clone()}
                        on_files={handlers.on_files.clone()}
                        plan={state.plan.clone()}
                        timing={state.backends.timing}
                        calibration={state.calibration_status()}
                        calibrating={state.calibration.progress}
                    />
                    <AblationStart
                        budget={offer.0}
                        can_start={offer.1}
                        on_start={handlers.on_ablation.clone()}
                        seeds={state.ablation_seeds.clone()}
                        on_action={on_action.clone()}
                    />
                    <ImportGenotype
                        text={state.import_text.clone()}
                        problem={state.import_request(0.0).err()}
                        can_train={state.can_train_imported()}
                        on_action={on_action.clone()}
                        on_train={handlers.on_train_imported.clone()}
                    />
                    <SavedRuns
                        entries={state.saved.clone()}
                        can_open={state.can_open_saved()}
                        can_resume={state.can_resume()}
                        on_use={handlers.on_saved.clone()}
                        on_action={on_action.clone()}
                    />
                    <ConfigPanel
                        steps_input={state.steps_input.clone()}
                        seed_input={state.seed_input.clone()}
                        problem={state.check_request().err()}
                        on_action={on_action.clone()}
                    />
                </aside>
    }
}

/// The results column: run summary, Pareto front, the opened candidate, the table, the device.
fn main_view(state: &AppState, on_action: &Callback<Action>, handlers: &Handlers) -> Html {
    let run = &state.run;
    let objectives = run.objectives().to_vec();
    let front = run.front().to_vec();
    let rows = run.table_order(state.table.sort, state.table.descending, &front, state.table.front_only, state.table.feasible_only);
    let generations = run.info.as_ref().map_or(1, |info| info.generations);
    let detail = match (state.selected.and_then(|i| run.candidates.get(i)), &run.info) {
        (Some(candidate), Some(info)) => html! { <CandidateDetail candidate={candidate.clone()} info={info.clone()} on_export={handlers.on_export.clone()} /> },
        _ => html! {},
    };

    html! {
                <main class="main-view">
                    if let Some(view) = state.ablation.clone() {
                        <AblationResults {view} on_csv={handlers.on_ablation_csv.clone()} />
                    }
                    <RunSummary
                        info={run.info.clone()}
                        status={run.status.clone()}
                        progress={run.progress()}
                        eta_seconds={run.eta_seconds()}
                        training={run.training.clone()}
                        generations={run.generations.clone()}
                        candidates={run.candidates.clone()}
                        references={run.references.clone()}
                        seconds={run.seconds}
                        ended_on_time={run.ended_on_time()}
                        on_export={handlers.on_export.clone()}
                    />
                    <section class="panel" aria-label="Pareto front">
                        <h2>{ "Pareto front" }</h2>
                        <ParetoPlot
                            candidates={run.candidates.clone()}
                            references={run.references.clone()}
                            latency={run.info.as_ref().map(|info| info.latency).unwrap_or_default()}
                            objectives={objectives.clone()}
                            axes={state.axes}
                            selected={state.selected}
                            generations={generations}
                            on_action={on_action.clone()}
                        />
                        if let Some(info) = run.info.clone().filter(|info| !info.tabular) {
                            <ReferenceList references={run.references.clone()} {info} on_export={handlers.on_export.clone()} />
                        }
                    </section>
                    { detail }
                    <RunHistory
                        population={run.info.as_ref().map_or(0, |info| info.population)}
                        generations={run.generations.clone()}
                        candidates={run.candidates.clone()}
                        overlays={state.overlays.clone()}
                        on_action={on_action.clone()}
                    />
                    <LatencyCheckPanel check={run.info.as_ref().and_then(|info| LatencyCheck::of_info(info, &run.candidates))} />
                    <CandidateTable
                        candidates={run.candidates.clone()}
                        objectives={objectives}
                        rows={rows}
                        front={front}
                        view={state.table}
                        selected={state.selected}
                        on_action={on_action.clone()}
                    />
                    <DevicePanel
                        engine={state.engine.clone()}
                        backend={state.backend.clone()}
                        backends={state.backends.clone()}
                        can_choose={state.can_choose_backend()}
                        on_choose={on_action.reform(Action::BackendChosen)}
                        on_time={on_action.reform(|_: MouseEvent| Action::TimeBackendsRequested)}
                        check={state.check.clone()}
                        can_check={state.can_check()}
                        on_check={handlers.on_check.clone()}
                    />
                </main>
    }
}

/// The whole page.
#[component]
pub fn App() -> Html {
    let store = use_reducer(|| {
        let mut state = AppState::default();
        state.form.set(crate::model::form::Field::Workers, &this_device_workers().to_string());
        Store(state)
    });
    let engine = use_engine(&store);
    // One callback for the page's life: children whose other props are unchanged skip rendering.
    let on_action = {
        let dispatch = store.dispatcher();
        use_callback((), move |action: Action, _| dispatch.dispatch(action))
    };
    let handlers = handlers(&engine, &store, &on_action);
    let state = &store.0;
    let run = &state.run;
    html! {
        <div class="app">
            <header class="app-header">
                <h1>{ "EfficientNAS Playground" }</h1>
                <p class="tagline">{ "Neural architecture search that trains and times real networks in your browser" }</p>
            </header>
            if let Some(reason) = state.cpu_fallback_reason() {
                <div class="banner banner-cpu" role="alert" data-testid="cpu-banner">
                    <strong>{ "Running on the CPU backend. " }</strong>
                    { format!("WebGPU is not in use: {reason}") }
                </div>
            }
            { notices(state, &on_action) }
            if let Some(entry) = state.resume_offer.clone().filter(|_| !run.status.active()) {
                <ResumeOffer
                    {entry}
                    can_resume={state.can_resume()}
                    on_use={handlers.on_saved.clone()}
                    on_dismiss={on_action.reform(|_: MouseEvent| Action::ResumeOfferDismissed)}
                />
            }
            <div class="app-body">
                { sidebar(state, &on_action, &handlers) }
                { main_view(state, &on_action, &handlers) }
            </div>
            <StatusBar engine={state.engine.clone()} backend={state.backend.clone()} check={state.check.clone()} />
        </div>
    }
}


/// This page's address without its fragment.
fn page_address() -> String {
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    href.split('#').next().unwrap_or_default().to_string()
}

fn notices(state: &AppState, on_action: &Callback<Action>) -> Html {
    state
        .notices
        .iter()
        .enumerate()
        .map(|(index, notice)| {
            let on_dismiss = on_action.reform(move |_: MouseEvent| Action::DismissNotice(index));
            html! {
                <div class="banner banner-error" role="alert" data-testid="notice">
                    <span>{ notice.clone() }</span>
                    <button class="dismiss" aria-label="Dismiss" onclick={on_dismiss}>{ "×" }</button>
                </div>
            }
        })
        .collect()
}

/// The workers this device starts with (see [`crate::model::form::default_workers`]).
fn this_device_workers() -> u32 {
    let navigator = web_sys::window().map(|w| w.navigator());
    let cores = navigator.as_ref().map(|n| n.hardware_concurrency() as u32);
    let memory = navigator.and_then(|n| js_sys::Reflect::get(&n, &"deviceMemory".into()).ok()).and_then(|m| m.as_f64());
    crate::model::form::default_workers(cores, memory)
}
