//! The search configuration: dataset, space, objectives, target and constraints, budget and
//! seed, each with a "?" explanation and its problem shown inline; the run controls below.

use yew::prelude::*;

use engine::hardware::Target;
use engine::search::{LatencySource, Objective, StrategyKind};
use engine::space::{Op, Stage};
use protocol::{FileFormat, RunControl};
use crate::components::dataset_files::DatasetFiles;
use crate::model::form::{DatasetKind, Field, FormErrors, RunForm, TargetChoice, recipe_choices};
use crate::model::run::RunStatus;
use crate::model::state::{Action, FilesView};

/// Props of [`SearchPanel`].
#[derive(Properties, PartialEq)]
pub struct SearchPanelProps {
    /// The form.
    pub form: RunForm,
    /// What is wrong with it.
    pub errors: FormErrors,
    /// Where the run is.
    pub status: RunStatus,
    /// Whether Search is enabled.
    pub can_search: bool,
    /// Why the space's widest network does not fit this device, if it does not.
    pub memory: Option<String>,
    /// Receives edits.
    pub on_action: Callback<Action>,
    /// Pressed Search.
    pub on_search: Callback<MouseEvent>,
    /// Pressed a run control.
    pub on_control: Callback<RunControl>,
    /// Controls a lesson link hides.
    pub hidden: Vec<Field>,
    /// Controls a lesson link locks.
    pub locked: Vec<Field>,
    /// The lesson link of the current settings (a URL fragment).
    pub lesson_link: String,
    /// The user's dataset files.
    pub files: FilesView,
    /// Receives chosen or dropped dataset files.
    pub on_files: Callback<(FileFormat, web_sys::FileList)>,
    /// How the search was sized to the time budget, when it was.
    pub plan: Option<String>,
    /// The backends are being timed (the size follows).
    pub timing: bool,
    /// What the form says of this device's profile (see `AppState::calibration_status`).
    pub calibration: Option<String>,
    /// Calibration's progress while it runs.
    pub calibrating: Option<protocol::CalibrationProgress>,
}

impl SearchPanelProps {
    fn shown(&self, field: Field) -> bool {
        !self.hidden.contains(&field)
    }

    fn frozen(&self, field: Field) -> bool {
        self.status.active() || self.locked.contains(&field)
    }
}

/// This device's calibration under the target: its status and, while it runs, a progress bar.
fn calibration_status(props: &SearchPanelProps) -> Html {
    let Some(status) = &props.calibration else { return html! {} };
    html! {
        <div class="calibration" data-testid="calibration">
            if let Some(p) = props.calibrating {
                <progress max={p.total.to_string()} value={p.done.to_string()}></progress>
            }
            <p class="hint" data-testid="calibration-status">{ status.clone() }</p>
        </div>
    }
}

fn help(field: Field) -> Html {
    html! { <span class="help" tabindex="0" role="note" title={field.help()} aria-label={field.help()}>{ "?" }</span> }
}

fn label(field: Field) -> Html {
    html! { <label for={format!("f-{}", field.key())}>{ field.label() }{ " " }{ help(field) }</label> }
}

fn problem(errors: &FormErrors, field: Field) -> Html {
    match errors.get(&field) {
        Some(message) => html! {
            <p class="field-error" role="alert" data-testid={format!("error-{}", field.key())}>{ message.clone() }</p>
        },
        None => html! {},
    }
}

fn text_field(props: &SearchPanelProps, field: Field) -> Html {
    if !props.shown(field) {
        return html! {};
    }
    let disabled = props.frozen(field);
    let on_input = props.on_action.reform(move |event: InputEvent| {
        Action::FormEdited(field, event.target_unchecked_into::<web_sys::HtmlInputElement>().value())
    });
    let invalid = props.errors.contains_key(&field);
    html! {
        <div class="field">
            { label(field) }
            <input id={format!("f-{}", field.key())} data-testid={format!("field-{}", field.key())} type="text"
                inputmode={if field == Field::CellWidths { "text" } else { "decimal" }}
                aria-invalid={invalid.to_string()} disabled={disabled}
                value={props.form.get(field).to_string()} oninput={on_input} />
            { problem(&props.errors, field) }
        </div>
    }
}

fn check_field(props: &SearchPanelProps, field: Field, checked: bool, action: fn(bool) -> Action) -> Html {
    let on_change = props
        .on_action
        .reform(move |event: Event| action(event.target_unchecked_into::<web_sys::HtmlInputElement>().checked()));
    html! {
        <div class="field" hidden={!props.shown(field)}>
            <label class="check" for={format!("f-{}", field.key())}>
                <input id={format!("f-{}", field.key())} type="checkbox" data-testid={format!("field-{}", field.key())}
                    disabled={props.frozen(field)} {checked} onchange={on_change} />
                { field.label() }{ " " }{ help(field) }
            </label>
        </div>
    }
}

fn select<T: Copy + PartialEq + 'static>(
    props: &SearchPanelProps,
    field: Field,
    options: &[(T, &'static str, String)],
    current: T,
    action: fn(T) -> Action,
) -> Html {
    if !props.shown(field) {
        return html! {};
    }
    let disabled = props.frozen(field);
    let values: Vec<(T, &'static str)> = options.iter().map(|(v, k, _)| (*v, *k)).collect();
    let on_change = props.on_action.reform(move |event: Event| {
        let key = event.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
        let chosen = values.iter().find(|(_, k)| *k == key).map_or(current, |(v, _)| *v);
        action(chosen)
    });
    html! {
        <div class="field">
            { label(field) }
            <select id={format!("f-{}", field.key())} data-testid={format!("field-{}", field.key())}
                onchange={on_change} disabled={disabled}>
                { for options.iter().map(|(value, key, text)| html! {
                    <option value={*key} selected={*value == current}>{ text.clone() }</option>
                }) }
            </select>
            { problem(&props.errors, field) }
        </div>
    }
}

/// The objectives, one checkbox each.
fn objectives_field(props: &SearchPanelProps) -> Html {
    let form = &props.form;
    html! {
        <fieldset class="field checks" data-testid="field-objectives" disabled={props.frozen(Field::Objectives)}
            hidden={!props.shown(Field::Objectives)}>
            <legend>{ Field::Objectives.label() }{ " " }{ help(Field::Objectives) }</legend>
            { for Objective::ALL.iter().map(|&objective| {
                let on_change = props.on_action.reform(move |_: Event| Action::ObjectiveToggled(objective));
                html! {
                    <label class="check">
                        <input type="checkbox" data-testid={format!("objective-{}", objective.name())}
                            checked={form.objectives.contains(&objective)} onchange={on_change} />
                        { objective.name() }
                    </label>
                }
            }) }
            { problem(&props.errors, Field::Objectives) }
        </fieldset>
    }
}

/// The ops of the search space by stage, one checkbox each.
fn ops_field(props: &SearchPanelProps) -> Html {
    let form = &props.form;
    html! {
        <fieldset class="field checks" data-testid="field-ops" disabled={props.frozen(Field::Ops) || form.dataset.tabular()}
            hidden={!props.shown(Field::Ops)}>
            <legend>{ Field::Ops.label() }{ " " }{ help(Field::Ops) }</legend>
            { for [Stage::One, Stage::Two, Stage::Three].iter().map(|&stage| html! {
                <div class="op-stage">
                    <span class="op-stage-name">{ format!("Stage {}", stage.number()) }</span>
                    { for Op::ALL.iter().filter(|op| op.stage() == stage).map(|&op| {
                        let on_change = props.on_action.reform(move |_: Event| Action::OpToggled(op));
                        html! {
                            <label class="check">
                                <input type="checkbox" data-testid={format!("op-{}", op.name())}
                                    checked={!form.disabled_ops.contains(&op)} onchange={on_change} />
                                { op.name() }
                            </label>
                        }
                    }) }
                </div>
            }) }
            { problem(&props.errors, Field::Ops) }
        </fieldset>
    }
}

/// Search, Pause, Resume, Step and Stop.
fn run_controls(props: &SearchPanelProps) -> Html {
    let control = |control: RunControl| props.on_control.reform(move |_: MouseEvent| control);
    let running = props.status == RunStatus::Running;
    let paused = props.status == RunStatus::Paused;
    html! {
        <div class="run-controls">
            <button class="primary" data-testid="search" disabled={!props.can_search} onclick={props.on_search.clone()}>
                { "Search" }
            </button>
            <button data-testid="pause" disabled={!running} onclick={control(RunControl::Pause)}>{ "Pause" }</button>
            <button data-testid="resume" disabled={!paused} onclick={control(RunControl::Resume)}>{ "Resume" }</button>
            <button data-testid="step" disabled={!paused}
                title="Run until the current generation is complete, then pause" onclick={control(RunControl::Step)}>
                { "Step" }
            </button>
            <button data-testid="stop" disabled={!(running || paused)} onclick={control(RunControl::Stop)}>{ "Stop" }</button>
            if let Some(problem) = &props.memory {
                <p class="field-error" role="alert" data-testid="memory-problem">{ problem.clone() }</p>
            }
        </div>
    }
}

/// The dataset: built-in, procedural (with its size), tabular, or the user's files.
fn data_fields(props: &SearchPanelProps) -> Html {
    let form = &props.form;
    let datasets: Vec<(DatasetKind, &'static str, String)> =
        DatasetKind::ALL.iter().map(|d| (*d, d.key(), d.label().to_string())).collect();
    html! {
        <fieldset>
            <legend>{ "Data" }</legend>
            { select(props, Field::Dataset, &datasets, form.dataset, Action::DatasetChosen) }
            if form.dataset == DatasetKind::Procedural {
                { text_field(props, Field::ProceduralImages) }
            }
            if form.dataset == DatasetKind::Files && props.shown(Field::Dataset) {
                <DatasetFiles files={props.files.clone()} disabled={props.frozen(Field::Dataset)}
                    on_action={props.on_action.clone()} on_files={props.on_files.clone()} />
            }
        </fieldset>
    }
}

/// Strategy, objectives, the hardware target, the latency source and the limits.
fn hardware_fields(props: &SearchPanelProps) -> Html {
    let form = &props.form;
    let strategies: Vec<(StrategyKind, &'static str, String)> = [
        (StrategyKind::Nsga2, "NSGA-II (multi-objective evolution)"),
        (StrategyKind::Random, "Random search (baseline)"),
        (StrategyKind::RegularizedEvolution, "Regularized evolution (error only)"),
        (StrategyKind::LocalSearch, "Local search (neighbours of the best)"),
        (StrategyKind::PredictorGuided, "Predictor-guided evolution (a forest ranks mutations)"),
    ]
    .iter()
    .map(|(s, text)| (*s, s.name(), text.to_string()))
    .collect();
    let latencies: Vec<(LatencySource, &'static str, String)> = vec![
        (LatencySource::Predicted, "predicted", if form.this_device { "Predicted for this device" } else { "Predicted for the target" }.to_string()),
        (LatencySource::Measured, "measured", "Measured on this device".to_string()),
    ];
    let targets: Vec<(TargetChoice, &'static str, String)> = [
        (TargetChoice::Board(Target::Mobile), "mobile", "Mobile phone CPU (Pixel 3 class)"),
        (TargetChoice::Board(Target::Edge), "edge", "Edge GPU board (Jetson Nano class)"),
        (TargetChoice::Board(Target::Gpu), "gpu", "Desktop GPU"),
        (TargetChoice::ThisDevice, "this", "This device (calibrated here)"),
    ]
    .iter()
    .map(|(t, key, text)| (*t, *key, text.to_string()))
    .collect();
    html! {
        <fieldset>
            <legend>{ "Objectives and hardware" }</legend>
            { select(props, Field::Strategy, &strategies, form.strategy, Action::StrategyChosen) }
            { objectives_field(props) }
            { select(props, Field::Target, &targets, form.target_choice(), Action::TargetChosen) }
            { calibration_status(props) }
            if !form.dataset.tabular() {
                { select(props, Field::Latency, &latencies, form.latency, Action::LatencyChosen) }
            }
            { text_field(props, Field::MaxLatency) }
            { text_field(props, Field::MaxParams) }
            { text_field(props, Field::MaxMacs) }
        </fieldset>
    }
}

/// Population, generations, training and the seed.
fn budget_fields(props: &SearchPanelProps) -> Html {
    let form = &props.form;
    html! {
        <fieldset>
            <legend>{ "Budget" }</legend>
            { text_field(props, Field::TimeBudget) }
            if !form.dataset.tabular() && props.shown(Field::TimeBudget) {
                if let Some(plan) = &props.plan {
                    <p class="legend plan" data-testid="plan">{ plan.clone() }</p>
                } else if props.timing && form.time_budget_s().is_some() {
                    <p class="legend plan" data-testid="plan-pending">{ "Timing this device to size the search to the budget…" }</p>
                }
            }
            if !form.dataset.tabular() {
                { text_field(props, Field::StepBudget) }
            }
            { text_field(props, Field::Population) }
            { text_field(props, Field::Generations) }
            if !form.dataset.tabular() {
                { text_field(props, Field::Steps) }
                if let Some(warning) = form.floor_warning() {
                    <p class="legend warning" data-testid="floor-warning">{ warning }</p>
                }
                { text_field(props, Field::FineTuneSteps) }
                { text_field(props, Field::Rungs) }
                { check_field(props, Field::Inheritance, form.inheritance, Action::InheritanceSet) }
                { check_field(props, Field::References, form.references, Action::ReferencesSet) }
                { select(props, Field::Recipe, &recipe_choices(), form.recipe, Action::RecipeChosen) }
                { text_field(props, Field::BatchSize) }
                { text_field(props, Field::LearningRate) }
                { text_field(props, Field::LatencyRuns) }
                { text_field(props, Field::Workers) }
            }
            { text_field(props, Field::Seed) }
        </fieldset>
    }
}

/// The search space (not in NAS-Bench-201 mode): ops, stages, widths, layers.
fn space_fields(props: &SearchPanelProps) -> Html {
    html! {
        <fieldset>
            <legend>{ "Search space" }</legend>
            { ops_field(props) }
            { text_field(props, Field::Stage2At) }
            { text_field(props, Field::Stage3At) }
            { text_field(props, Field::CellWidths) }
            { text_field(props, Field::MinLayers) }
            { text_field(props, Field::MaxLayers) }
        </fieldset>
    }
}

/// The search configuration and run controls.
#[component]
pub fn SearchPanel(props: &SearchPanelProps) -> Html {
    html! {
        <section class="config-panel search-panel" aria-label="Search configuration">
            <h2>{ "Search" }</h2>
            { run_controls(props) }
            { data_fields(props) }
            { hardware_fields(props) }
            { budget_fields(props) }
            if !props.form.dataset.tabular() {
                { space_fields(props) }
            }
            { lesson(props) }
        </section>
    }
}

/// The instructor's corner: the lesson link of the current settings, and which controls it
/// hides or locks.
fn lesson(props: &SearchPanelProps) -> Html {
    html! {
        <details class="lesson" data-testid="lesson">
            <summary>{ "Lesson link" }{ " " }
                <span class="help" tabindex="0" role="note" title="Share these settings: opening the link restores them. Hidden controls are not shown to whoever opens it; locked ones cannot be changed.">{ "?" }</span>
            </summary>
            <label for="lesson-link">{ "Link with these settings" }</label>
            <input id="lesson-link" data-testid="lesson-link" type="text" readonly=true value={props.lesson_link.clone()} />
            <table class="lesson-controls">
                <thead><tr><th>{ "control" }</th><th>{ "hide" }</th><th>{ "lock" }</th></tr></thead>
                <tbody>
                    { for Field::ALL.iter().map(|&field| {
                        let on_hide = props.on_action.reform(move |_: Event| Action::HideToggled(field));
                        let on_lock = props.on_action.reform(move |_: Event| Action::LockToggled(field));
                        html! {
                            <tr>
                                <td>{ field.label() }</td>
                                <td><input type="checkbox" aria-label={format!("hide {}", field.label())}
                                    data-testid={format!("hide-{}", field.key())} checked={props.hidden.contains(&field)} onchange={on_hide} /></td>
                                <td><input type="checkbox" aria-label={format!("lock {}", field.label())}
                                    data-testid={format!("lock-{}", field.key())} checked={props.locked.contains(&field)} onchange={on_lock} /></td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </details>
    }
}
