//! The run at a glance (progress and ETA, the network in training and why) and its history
//! (hypervolume per generation and a short narrative of each generation).

use std::rc::Rc;

use yew::prelude::*;

use engine::search::GenerationSummary;
use protocol::{CandidateReport, ReferenceReport, RunEnd, RunInfo, TrainingProgress};
use crate::model::export::Export;
use crate::model::format::{count, duration, short};
use crate::model::headline::matches;
use crate::model::plot::{Frame, line_from_data, lines_on_one_scale};
use crate::model::saved::Overlay;
use crate::model::state::Action;
use crate::model::run::{RunStatus, narrative, training_line};

const FRAME: Frame = Frame { width: 480.0, height: 150.0, margin: 24.0 };

/// Props of [`RunSummary`].
#[derive(Properties, PartialEq)]
pub struct RunSummaryProps {
    /// What the worker said at the start.
    pub info: Option<RunInfo>,
    /// Where the run is.
    pub status: RunStatus,
    /// Progress in [0, 1].
    pub progress: f64,
    /// Seconds to go, when known.
    pub eta_seconds: Option<f64>,
    /// The candidates in training.
    pub training: Vec<TrainingProgress>,
    /// Completed generations.
    pub generations: Vec<Rc<GenerationSummary>>,
    /// Scored candidates (to count inheriting children per generation).
    pub candidates: Vec<Rc<CandidateReport>>,
    /// Trained reference networks (set beside the search's finds once it ends).
    pub references: Vec<Rc<ReferenceReport>>,
    /// Seconds of work, when finished.
    pub seconds: Option<f64>,
    /// It ended because its time budget was spent.
    pub ended_on_time: bool,
    /// An export asked for.
    pub on_export: Callback<Export>,
}

fn status_text(status: &RunStatus) -> String {
    match status {
        RunStatus::Idle => "Not started: choose settings and press Search.".into(),
        RunStatus::Starting => "Starting…".into(),
        RunStatus::Running => "Running".into(),
        RunStatus::Paused => "Paused".into(),
        RunStatus::Finished(RunEnd::Completed) => "Finished".into(),
        RunStatus::Finished(RunEnd::Stopped) => "Stopped".into(),
        RunStatus::Finished(RunEnd::Failed { message }) => format!("Failed: {message}"),
    }
}

/// Generations whose narrative shows unfolded; older ones fold under "earlier generations".
pub const NARRATIVES_SHOWN: usize = 3;

/// The run summary: status, progress and ETA, the network in training, exports.
#[component]
pub fn RunSummary(props: &RunSummaryProps) -> Html {
    let percent = (props.progress * 100.0).round();
    html! {
        <section class="panel run-summary" data-testid="run-summary" data-status={props.status.key()}
            data-ended={if props.ended_on_time { "time" } else { "" }}
            data-candidates={props.candidates.len().to_string()} data-generations={props.generations.len().to_string()}>
            <h2>{ "Run" }</h2>
            <p data-testid="run-status">
                { status_text(&props.status) }
                if let Some(info) = &props.info {
                    { format!(" · {} · {} generations × {}", info.dataset, info.generations, info.population) }
                    if let Some(budget) = info.time_budget_s.filter(|_| !info.tabular) {
                        { format!(" · about {}", duration(budget)) }
                    }
                    if props.ended_on_time {
                        { format!(" · its time was up after {} generations", props.generations.len()) }
                    }
                }
            </p>
            <div class="progress-row">
                <progress data-testid="run-progress" max="100" value={percent.to_string()} aria-label="Search progress" />
                <span>{ format!("{percent}%") }</span>
                if let Some(eta) = props.eta_seconds {
                    <span data-testid="eta">{ format!("about {} left", duration(eta)) }</span>
                }
                if let Some(seconds) = props.seconds {
                    <span data-testid="run-seconds">{ format!("took {}", duration(seconds)) }</span>
                }
            </div>
            { for props.training.iter().map(|t| html! { <p class="training" data-testid="training-progress">{ training_line(t) }</p> }) }
            if matches!(props.status, RunStatus::Finished(_)) {
                { headline(props) }
            }
            if !props.candidates.is_empty() {
                <p class="export-row">
                    { "Export results: " }
                    <button class="small" data-testid="export-run-json" onclick={props.on_export.reform(|_: MouseEvent| Export::RunJson)}>{ "JSON" }</button>
                    <button class="small" data-testid="export-run-csv" onclick={props.on_export.reform(|_: MouseEvent| Export::RunCsv)}>{ "CSV" }</button>
                </p>
            }
        </section>
    }
}

/// Each reference against the network the search found to match it (see `model::headline`).
fn headline(props: &RunSummaryProps) -> Html {
    let lines = matches(&props.candidates, &props.references);
    if lines.is_empty() {
        return html! {};
    }
    html! {
        <div class="headline" data-testid="headline">
            <p class="legend">{ "The hand-designed networks against what the search found (the cheapest within one point of each, else the most accurate):" }</p>
            <ul>
                { for lines.iter().map(|m| html! { <li data-testid="versus" data-comparable={m.comparable.to_string()}>{ m.line() }</li> }) }
            </ul>
        </div>
    }
}

/// Props of [`RunHistory`].
#[derive(Properties, PartialEq)]
pub struct RunHistoryProps {
    /// Candidates per generation.
    pub population: u32,
    /// Completed generations.
    pub generations: Vec<Rc<GenerationSummary>>,
    /// Scored candidates (to count inheriting children per generation).
    pub candidates: Vec<Rc<CandidateReport>>,
    /// Saved runs drawn over the hypervolume chart.
    pub overlays: Vec<Overlay>,
    /// Takes an overlay off.
    pub on_action: Callback<Action>,
}

/// What the generations did: hypervolume per generation and a narrative of each, the latest
/// first and the older ones folded.
#[component]
pub fn RunHistory(props: &RunHistoryProps) -> Html {
    if props.generations.is_empty() {
        return html! {};
    }
    // Against the training compute spent when the run trained (so runs of different settings
    // compare at equal compute), else per generation.
    let steps = |g: &Rc<GenerationSummary>| g.compute.train_steps as f64;
    let trained = props.generations.iter().all(|g| g.compute.train_steps > 0);
    let mut overlaid = Vec::new();
    let (title, line) = if trained {
        let pairs: Vec<(f64, f64)> = props.generations.iter().map(|g| (steps(g), g.hypervolume)).collect();
        // Saved runs drawn beside it share its scale.
        let series: Vec<Vec<(f64, f64)>> = std::iter::once(pairs).chain(props.overlays.iter().map(|o| o.curve.clone())).collect();
        let mut lines = lines_on_one_scale(&series, &FRAME).into_iter();
        let own = lines.next().flatten();
        overlaid = props.overlays.iter().zip(lines).filter_map(|(o, line)| line.map(|line| (o, line))).collect();
        ("Hypervolume against training steps", own)
    } else {
        let hv: Vec<f64> = props.generations.iter().map(|g| g.hypervolume).collect();
        ("Hypervolume per generation", line_from_data(&hv, &FRAME))
    };
    let hv_chart = line.map(|line| {
        html! {
            <svg class="loss-chart hv-chart" data-testid="hv-chart" data-x={if trained { "train_steps" } else { "generation" }}
                viewBox={format!("0 0 {} {}", FRAME.width, FRAME.height)} role="img" aria-label={title}>
                <rect class="plot-area" x={FRAME.margin.to_string()} y={FRAME.margin.to_string()}
                    width={(FRAME.width - 2.0 * FRAME.margin).to_string()} height={(FRAME.height - 2.0 * FRAME.margin).to_string()} />
                <text x="4" y={(FRAME.margin - 8.0).to_string()} class="axis-label">{ short(line.y_max) }</text>
                <text x="4" y={(FRAME.height - 6.0).to_string()} class="axis-label">{ short(line.y_min) }</text>
                if trained {
                    <text x={(FRAME.width - FRAME.margin).to_string()} y={(FRAME.height - 6.0).to_string()} class="axis-label"
                        text-anchor="end">{ format!("{} steps", count(line.x_max)) }</text>
                }
                { for overlaid.iter().enumerate().map(|(k, (o, line))| html! {
                    <polyline class={format!("overlay-line overlay-{k}")} data-testid="hv-overlay" data-run-id={o.run_id.clone()} points={line.svg_points()}>
                        <title>{ o.label.clone() }</title>
                    </polyline>
                }) }
                <polyline class="loss-line" points={line.svg_points()} />
                { for line.points.iter().map(|(x, y)| html! { <circle cx={format!("{x:.2}")} cy={format!("{y:.2}")} r="3" /> }) }
            </svg>
        }
    });
    let story = |g: &Rc<GenerationSummary>| {
        let inherited = props.candidates.iter().filter(|c| c.generation == g.generation && c.inherited_params > 0).count();
        html! { <li data-testid="narrative">{ narrative(g, inherited, props.population) }</li> }
    };
    let latest: Vec<&Rc<GenerationSummary>> = props.generations.iter().rev().collect();
    let (shown, folded) = latest.split_at(NARRATIVES_SHOWN.min(latest.len()));
    html! {
        <section class="panel run-history" data-testid="run-history" aria-label="What happened">
            if let Some(chart) = hv_chart {
                <h3>{ title }</h3>
                { chart }
                if !overlaid.is_empty() {
                    <ul class="overlay-legend">
                        <li class="own">{ "this run" }</li>
                        { for overlaid.iter().enumerate().map(|(k, (o, _))| {
                            let run_id = o.run_id.clone();
                            html! {
                                <li class={format!("overlaid overlay-{k}")}>{ o.label.clone() }
                                    <button class="dismiss" aria-label={format!("Take {} off the chart", o.label)} data-testid="overlay-remove"
                                        onclick={props.on_action.reform(move |_: MouseEvent| Action::OverlayRemoved(run_id.clone()))}>{ "×" }</button>
                                </li>
                            }
                        }) }
                    </ul>
                }
            }
            <h3>{ "What happened" }</h3>
            <ul class="narrative">{ for shown.iter().map(|g| story(g)) }</ul>
            if !folded.is_empty() {
                <details data-testid="narrative-earlier">
                    <summary>{ format!("{} earlier generations", folded.len()) }</summary>
                    <ul class="narrative">{ for folded.iter().map(|g| story(g)) }</ul>
                </details>
            }
        </section>
    }
}
