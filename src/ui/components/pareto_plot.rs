//! The live Pareto front: every scored candidate on two chosen objectives, coloured by
//! generation, infeasible ones grey, the current front of the two shown as a step line.
//! Hovering a point names the candidate; clicking (or Enter) opens it.

use std::rc::Rc;

use yew::prelude::*;

use protocol::{CandidateReport, ReferenceReport};
use engine::search::{LatencySource, Objective};
use crate::model::format::{objective_title, short};
use crate::model::plot::{Frame, Scatter, front_steps, scatter_from_data, sequential_colour};
use crate::model::state::Action;

const FRAME: Frame = Frame { width: 560.0, height: 360.0, margin: 48.0 };

/// Props of [`ParetoPlot`].
#[derive(Properties, PartialEq)]
pub struct ParetoPlotProps {
    /// Every scored candidate.
    pub candidates: Vec<Rc<CandidateReport>>,
    /// The reference architectures, drawn as labelled diamonds.
    pub references: Vec<Rc<ReferenceReport>>,
    /// The run's objectives.
    pub objectives: Vec<Objective>,
    /// Objective indices on x and y.
    pub axes: (usize, usize),
    /// Where the latency objective comes from (for its axis title).
    pub latency: LatencySource,
    /// The opened candidate.
    pub selected: Option<usize>,
    /// Generations the run makes (for the colour scale).
    pub generations: u32,
    /// Receives selections and axis changes.
    pub on_action: Callback<Action>,
}

fn axis_select(props: &ParetoPlotProps, which: &'static str, current: usize, action: fn(usize) -> Action) -> Html {
    let on_change = props.on_action.reform(move |event: Event| {
        let value = event.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
        action(value.parse().unwrap_or(current))
    });
    html! {
        <label>
            { format!("{which} ") }
            <select data-testid={format!("axis-{which}")} onchange={on_change}>
                { for props.objectives.iter().enumerate().map(|(i, o)| html! {
                    <option value={i.to_string()} selected={i == current}>{ o.name() }</option>
                }) }
            </select>
        </label>
    }
}

/// The `data-index` of the element an event came from, or of its closest ancestor with one.
pub fn index_of(target: Option<web_sys::EventTarget>) -> Option<usize> {
    use wasm_bindgen::JsCast;
    let element = target?.dyn_into::<web_sys::Element>().ok()?;
    let holder = element.closest("[data-index]").ok()??;
    holder.get_attribute("data-index")?.parse().ok()
}

/// Objective `k` of `c` (NaN when absent).
fn value(c: &CandidateReport, k: usize) -> f64 {
    c.objectives.get(k).copied().unwrap_or(f64::NAN)
}

/// The title of objective `k`'s axis.
fn axis_title(props: &ParetoPlotProps, k: usize) -> &'static str {
    match props.objectives.get(k) {
        Some(Objective::Latency) if props.latency == LatencySource::Measured => "latency (ms, measured on this device)",
        Some(o) => objective_title(*o),
        None => "",
    }
}

/// Tick marks and labels of both axes.
fn ticks(scatter: &Scatter) -> Html {
    let bottom = FRAME.height - FRAME.margin;
    let x_ticks = scatter.x.ticks.iter().map(|&t| {
        let x = scatter.x_of(&FRAME, t);
        html! { <g class="tick"><line x1={format!("{x:.1}")} x2={format!("{x:.1}")} y1={bottom.to_string()} y2={(bottom + 4.0).to_string()} />
            <text x={format!("{x:.1}")} y={(bottom + 16.0).to_string()} text-anchor="middle">{ short(t) }</text></g> }
    });
    let y_ticks = scatter.y.ticks.iter().map(|&t| {
        let y = scatter.y_of(&FRAME, t);
        html! { <g class="tick"><line x1={(FRAME.margin - 4.0).to_string()} x2={FRAME.margin.to_string()} y1={format!("{y:.1}")} y2={format!("{y:.1}")} />
            <text x={(FRAME.margin - 6.0).to_string()} y={format!("{:.1}", y + 3.0)} text-anchor="end">{ short(t) }</text></g> }
    });
    html! { <g class="axis">{ for x_ticks }{ for y_ticks }</g> }
}

/// A reference architecture's labelled diamond at (`x`, `y`).
fn reference_marker(props: &ParetoPlotProps, (x, y): (f64, f64), r: &ReferenceReport) -> Html {
    let (ax, ay) = props.axes;
    let c = &r.report;
    let hover = format!(
        "{} (reference, trained like a candidate) {}\n{}: {}\n{}: {}",
        r.name, c.text, axis_title(props, ax), short(value(c, ax)), axis_title(props, ay), short(value(c, ay))
    );
    html! {
        <g class="reference" data-testid="reference-point" data-name={r.name.clone()}>
            <title>{ hover }</title>
            <path d={format!("M{x:.2},{:.2} l7,7 l-7,7 l-7,-7 z", y - 7.0)} />
            // Labels of markers near the right edge go to their left, inside the plot.
            if x > FRAME.width * 0.65 {
                <text x={format!("{:.2}", x - 9.0)} y={format!("{:.2}", y - 6.0)} text-anchor="end">{ r.name.clone() }</text>
            } else {
                <text x={format!("{:.2}", x + 9.0)} y={format!("{:.2}", y - 6.0)}>{ r.name.clone() }</text>
            }
        </g>
    }
}

/// Candidate `i`'s point at (`x`, `y`): coloured by generation, grey when infeasible.
fn candidate_point(props: &ParetoPlotProps, i: usize, (x, y): (f64, f64)) -> Html {
    let (ax, ay) = props.axes;
    let c = &props.candidates[i];
    let selected = props.selected == Some(i);
    let fill = if c.feasible() { sequential_colour(c.generation as usize, props.generations.max(1) as usize) } else { "#b8b8b8" };
    let class = classes!("point", (!c.feasible()).then_some("infeasible"), selected.then_some("selected"));
    let hover = format!(
        "#{} (generation {}) {}\n{}: {}\n{}: {}{}",
        c.candidate_id, c.generation, c.text, axis_title(props, ax), short(value(c, ax)), axis_title(props, ay), short(value(c, ay)),
        if c.feasible() { String::new() } else { "\ninfeasible: breaks a constraint or failed".to_string() }
    );
    html! {
        <circle class={class} data-testid="point" data-candidate={c.candidate_id.to_string()}
            data-feasible={c.feasible().to_string()} cx={format!("{x:.2}")} cy={format!("{y:.2}")}
            r={if selected { "7" } else { "5" }} fill={fill} tabindex="0" role="button"
            aria-label={format!("candidate {}", c.candidate_id)} data-index={i.to_string()}>
            <title>{ hover }</title>
        </circle>
    }
}

/// Everything inside the plot area: axes, the front's step line, the points and the references.
fn plot_body(props: &ParetoPlotProps) -> Html {
    let (ax, ay) = props.axes;
    // Candidates first, then the references, so the axes cover both.
    let everything = || props.candidates.iter().map(Rc::as_ref).chain(props.references.iter().map(|r| &r.report));
    let xs: Vec<f64> = everything().map(|c| value(c, ax)).collect();
    let ys: Vec<f64> = everything().map(|c| value(c, ay)).collect();
    let Some(scatter) = scatter_from_data(&xs, &ys, &FRAME) else {
        return html! {
            <text x={(FRAME.width / 2.0).to_string()} y={(FRAME.height / 2.0).to_string()} text-anchor="middle" class="axis-label">
                { "Candidates appear here as they are scored." }
            </text>
        };
    };
    let count = props.candidates.len();
    let feasible: Vec<(f64, f64)> =
        props.candidates.iter().filter(|c| c.feasible()).map(|c| (value(c, ax), value(c, ay))).collect();
    let steps: Vec<String> = front_steps(&feasible)
        .iter()
        .map(|&(x, y)| format!("{:.2},{:.2}", scatter.x_of(&FRAME, x), scatter.y_of(&FRAME, y)))
        .collect();
    let points = scatter.points[..count].iter().enumerate().filter_map(|(i, p)| p.map(|p| candidate_point(props, i, p)));
    let references =
        scatter.points[count..].iter().zip(&props.references).filter_map(|(p, r)| p.map(|p| reference_marker(props, p, r)));
    html! {
        <>
            { ticks(&scatter) }
            if steps.len() > 1 {
                <polyline class="front-line" data-testid="front-line" points={steps.join(" ")} />
            }
            { for points }
            { for references }
        </>
    }
}

/// The Pareto plot.
#[component]
pub fn ParetoPlot(props: &ParetoPlotProps) -> Html {
    let (ax, ay) = props.axes;
    let view_box = format!("0 0 {} {}", FRAME.width, FRAME.height);
    // One handler for all points (each carries its index), so a large run renders quickly.
    let on_click = props.on_action.reform(|event: MouseEvent| Action::Select(index_of(event.target())));
    let on_key = {
        let on_action = props.on_action.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" || event.key() == " " {
                on_action.emit(Action::Select(index_of(event.target())));
            }
        })
    };
    html! {
        <div class="pareto">
            <div class="axis-pickers">
                { axis_select(props, "x", ax, Action::AxisX) }
                { axis_select(props, "y", ay, Action::AxisY) }
            </div>
            <svg class="pareto-plot" data-testid="pareto-plot" viewBox={view_box} role="img"
                onclick={on_click} onkeydown={on_key}
                aria-label="Pareto front: every candidate on the two chosen objectives">
                <rect class="plot-area" x={FRAME.margin.to_string()} y={FRAME.margin.to_string()}
                    width={(FRAME.width - 2.0 * FRAME.margin).to_string()} height={(FRAME.height - 2.0 * FRAME.margin).to_string()} />
                { plot_body(props) }
                <text class="axis-title" x={(FRAME.width / 2.0).to_string()} y={(FRAME.height - 8.0).to_string()} text-anchor="middle">{ axis_title(props, ax) }</text>
                // The y title sits above the axis, clear of the tick labels.
                <text class="axis-title" x={FRAME.margin.to_string()} y={(FRAME.margin - 12.0).to_string()} text-anchor="start">{ axis_title(props, ay) }</text>
            </svg>
            <p class="legend">{ "Colour: generation (dark = early, yellow = late). Grey: breaks a constraint or failed. Line: the current front of these two objectives. Diamonds: hand-designed reference architectures, trained the same way." }</p>
        </div>
    }
}
