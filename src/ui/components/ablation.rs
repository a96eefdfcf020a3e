//! The ablation: its start button (in the settings column) and its results (the table of rows
//! and the chart of hypervolume against training steps, one line per row).

use yew::prelude::*;

use protocol::ablation::{ABLATION_SEEDS, AblationRow, RowSummary, Spread};
use crate::model::format::{count, duration, short};
use crate::model::plot::{Frame, lines_on_one_scale};
use crate::model::state::{AblationView, Action};

const FRAME: Frame = Frame { width: 480.0, height: 180.0, margin: 24.0 };

/// Props of [`AblationStart`].
#[derive(Properties, PartialEq)]
pub struct AblationStartProps {
    /// Its size in words, or why the settings cannot be ablated.
    pub budget: Result<String, String>,
    /// Whether it may start now.
    pub can_start: bool,
    /// Starts it.
    pub on_start: Callback<MouseEvent>,
    /// The seeds field as typed.
    pub seeds: String,
    /// Receives its edits.
    pub on_action: Callback<Action>,
}

/// The panel that starts an ablation of the form's settings.
#[component]
pub fn AblationStart(props: &AblationStartProps) -> Html {
    let on_seeds = props.on_action.reform(|event: InputEvent| {
        Action::AblationSeedsEdited(event.target_unchecked_into::<web_sys::HtmlInputElement>().value())
    });
    html! {
        <section class="panel ablation-start" aria-label="Ablation">
            <h2>{ "Ablation" }</h2>
            <p class="hint">{ "Runs five searches from these settings, each adding one part of the method: base NAS (error only, every op open, no hardware limit, no inheritance), + progressive space, + multi-objective (error, latency, params), + hardware-aware (the latency limit), + weight inheritance. Same seed and the same training-step budget for each; every row is judged by one hypervolume within the same limits." }</p>
            <label for="ablation-seeds">
                { "Seeds " }
                <span class="help" title="Each seed runs all five searches; the table shows the median with the smallest and largest in brackets.">{ "?" }</span>
            </label>
            <input id="ablation-seeds" data-testid="ablation-seeds" type="number" min={ABLATION_SEEDS.low.to_string()}
                max={ABLATION_SEEDS.high.to_string()} value={props.seeds.clone()} oninput={on_seeds} />
            { match &props.budget {
                Ok(size) => html! { <p class="hint" data-testid="ablation-budget">{ size.clone() }</p> },
                Err(problem) => html! { <p class="field-error" data-testid="ablation-problem">{ problem.clone() }</p> },
            } }
            <button data-testid="ablation-start" disabled={!props.can_start} onclick={props.on_start.clone()}>{ "Run ablation" }</button>
        </section>
    }
}

/// Props of [`AblationResults`].
#[derive(Properties, PartialEq)]
pub struct AblationResultsProps {
    /// The ablation.
    pub view: AblationView,
    /// Downloads its rows as CSV.
    pub on_csv: Callback<MouseEvent>,
}

/// The ablation's progress, table and chart.
#[component]
pub fn AblationResults(props: &AblationResultsProps) -> Html {
    let view = &props.view;
    let limit = view.plan.limits.max_latency_ms.map_or(String::new(), |ms| {
        format!(" Networks count within {} ms predicted latency{}.", short(ms), if view.plan.latency_limit_chosen { " (the median of the space, as no limit was set)" } else { "" })
    });
    html! {
        <section class="panel ablation" data-testid="ablation" aria-label="Ablation results">
            <h2>{ "Ablation" }</h2>
            <p data-testid="ablation-status">{ format!("{}.{limit}", view.status()) }</p>
            if !view.results.is_empty() {
                <table class="ablation-table" data-testid="ablation-table">
                    <thead><tr>
                        <th>{ "row" }</th><th>{ "best accuracy" }</th><th>{ "hypervolume" }</th><th>{ "latency (ms)" }</th>
                        <th>{ "params" }</th><th>{ "training steps" }</th><th>{ "time" }</th>
                    </tr></thead>
                    <tbody>{ for view.table().iter().map(row) }</tbody>
                </table>
                { chart(view) }
                <button class="small" data-testid="ablation-csv" onclick={props.on_csv.clone()}>{ "CSV" }</button>
            }
        </section>
    }
}

fn row(r: &RowSummary) -> Html {
    // The median, with the smallest and largest over several seeds beneath it.
    let median = |v: Spread, text: &dyn Fn(f64) -> String| match (v.median.is_finite(), r.seeds > 1) {
        (false, _) => html! { "–" },
        (true, false) => html! { text(v.median) },
        (true, true) => html! { <>{ text(v.median) }<br /><small class="spread">{ format!("[{}–{}]", text(v.min), text(v.max)) }</small></> },
    };
    html! {
        <tr data-testid="ablation-row" data-row={r.row.name()}>
            <td>{ r.row.label() }</td>
            <td>{ median(r.best_accuracy, &|v| format!("{:.1} %", v * 100.0)) }</td>
            <td>{ median(r.hypervolume, &|v| format!("{v:.4}")) }</td>
            <td>{ median(r.latency_ms, &short) }</td>
            <td>{ median(r.params, &count) }</td>
            <td>{ median(r.train_steps, &count) }</td>
            <td>{ median(r.seconds, &duration) }</td>
        </tr>
    }
}

/// Hypervolume against cumulative training steps, one line per row judged.
fn chart(view: &AblationView) -> Html {
    let series: Vec<Vec<(f64, f64)>> = view.results.iter().map(|r| r.curve.iter().map(|p| (p[0], p[1])).collect()).collect();
    let lines = lines_on_one_scale(&series, &FRAME);
    let Some(scale) = lines.iter().flatten().next().cloned() else { return html! {} };
    html! {
        <>
            <h3>{ "Hypervolume against training steps" }</h3>
            <svg class="loss-chart ablation-chart" data-testid="ablation-chart" viewBox={format!("0 0 {} {}", FRAME.width, FRAME.height)}
                role="img" aria-label="Hypervolume against training steps, one line per row">
                <rect class="plot-area" x={FRAME.margin.to_string()} y={FRAME.margin.to_string()}
                    width={(FRAME.width - 2.0 * FRAME.margin).to_string()} height={(FRAME.height - 2.0 * FRAME.margin).to_string()} />
                <text x="4" y={(FRAME.margin - 8.0).to_string()} class="axis-label">{ short(scale.y_max) }</text>
                <text x="4" y={(FRAME.height - 6.0).to_string()} class="axis-label">{ short(scale.y_min) }</text>
                <text x={(FRAME.width - FRAME.margin).to_string()} y={(FRAME.height - 6.0).to_string()} class="axis-label"
                    text-anchor="end">{ format!("{} steps", count(scale.x_max)) }</text>
                { for view.results.iter().zip(&lines).filter_map(|(r, line)| line.as_ref().map(|line| html! {
                    <polyline class={classes!("ablation-line", format!("row-{}", r.row.name()))} data-row={r.row.name()} points={line.svg_points()} />
                })) }
            </svg>
            <ul class="ablation-legend">
                { for AblationRow::ALL.iter().filter(|row| view.results.iter().any(|r| r.row == **row)).map(|row| html! {
                    <li class={format!("row-{}", row.name())}>{ row.label() }</li>
                }) }
            </ul>
        </>
    }
}
