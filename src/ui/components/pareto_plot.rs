//! The live Pareto front: every scored candidate on two chosen objectives, coloured by
//! generation, infeasible ones grey, the current front of the two shown as a step line.
//! Hovering a point names the candidate; clicking (or Enter) opens it.

use std::rc::Rc;

use yew::prelude::*;

use protocol::{CandidateReport, ReferenceReport};
use engine::search::{LatencySource, Objective, RecordStatus};
use crate::model::axis::{LabelPlace, LabelSize, place_labels};
use crate::model::format::{objective_title, objective_value};
use crate::model::plot::{Frame, Scatter, front_steps, key_selection, nearest, point_layers, scatter_from_data, sequential_colour};
use crate::model::state::Action;

const FRAME: Frame = Frame { width: 560.0, height: 360.0, margin: 48.0 };
/// A reference's label, in the plot's units: about as wide as "MobileNet-like", a line tall,
/// beside its diamond (7 units from its centre each way).
const LABEL: LabelSize = LabelSize { width: 90.0, height: 13.0, gap: 9.0, marker: 7.0 };
/// The fill of candidates that break a constraint or failed.
const INFEASIBLE: &str = "#b8b8b8";

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

/// Objective `k`'s `v` as its axis reads it.
fn shown(props: &ParetoPlotProps, k: usize, v: f64) -> String {
    objective_value(props.objectives.get(k).copied(), v)
}

/// Tick marks and labels of both axes.
fn ticks(props: &ParetoPlotProps, scatter: &Scatter) -> Html {
    let (ax, ay) = props.axes;
    let bottom = FRAME.height - FRAME.margin;
    let x_ticks = scatter.x.ticks.iter().map(|&t| {
        let x = scatter.x_of(&FRAME, t);
        html! { <g class="tick"><line x1={format!("{x:.1}")} x2={format!("{x:.1}")} y1={bottom.to_string()} y2={(bottom + 4.0).to_string()} />
            <text x={format!("{x:.1}")} y={(bottom + 16.0).to_string()} text-anchor="middle">{ shown(props, ax, t) }</text></g> }
    });
    let y_ticks = scatter.y.ticks.iter().map(|&t| {
        let y = scatter.y_of(&FRAME, t);
        html! { <g class="tick"><line x1={(FRAME.margin - 4.0).to_string()} x2={FRAME.margin.to_string()} y1={format!("{y:.1}")} y2={format!("{y:.1}")} />
            <text x={(FRAME.margin - 6.0).to_string()} y={format!("{:.1}", y + 3.0)} text-anchor="end">{ shown(props, ay, t) }</text></g> }
    });
    html! { <g class="axis">{ for x_ticks }{ for y_ticks }</g> }
}

/// A reference architecture's diamond at (`x`, `y`), its label where `place` says.
fn reference_marker(props: &ParetoPlotProps, (x, y): (f64, f64), place: LabelPlace, r: &ReferenceReport) -> Html {
    let (ax, ay) = props.axes;
    let c = &r.report;
    let hover = format!(
        "{} (reference, trained like a candidate) {}\n{}: {}\n{}: {}",
        r.name, c.text, axis_title(props, ax), shown(props, ax, value(c, ax)), axis_title(props, ay), shown(props, ay, value(c, ay))
    );
    html! {
        <g class="reference" data-testid="reference-point" data-name={r.name.clone()}>
            <title>{ hover }</title>
            <path d={format!("M{x:.2},{:.2} l7,7 l-7,7 l-7,-7 z", y - 7.0)} />
            if place.left {
                <text x={format!("{:.2}", x - LABEL.gap)} y={format!("{:.2}", y + place.dy)} text-anchor="end">{ r.name.clone() }</text>
            } else {
                <text x={format!("{:.2}", x + LABEL.gap)} y={format!("{:.2}", y + place.dy)}>{ r.name.clone() }</text>
            }
        </g>
    }
}

/// What a hover over candidate `i` says: which it is and its two plotted values.
fn hover_text(props: &ParetoPlotProps, i: usize) -> String {
    let (ax, ay) = props.axes;
    let c = &props.candidates[i];
    format!(
        "#{} (generation {}) {}\n{}: {}\n{}: {}{}",
        c.candidate_id, c.generation, c.text, axis_title(props, ax), shown(props, ax, value(c, ax)), axis_title(props, ay), shown(props, ay, value(c, ay)),
        if !c.feasible() {
            "\ninfeasible: breaks a constraint or failed"
        } else if c.status == RecordStatus::Rung {
            "\ntrained to the rung only (not a full result)"
        } else {
            ""
        }
    )
}

/// Every candidate's point: one path per colour (generation colour, grey when infeasible; a
/// ring in the generation's colour when trained to the rung only), the opened one ringed on
/// top, and the hovered one's label.
fn candidate_points(props: &ParetoPlotProps, points: &[Option<(f64, f64)>], hovered: Option<usize>) -> Html {
    let generations = props.generations.max(1) as usize;
    let fill_of = |i: usize| {
        let c = &props.candidates[i];
        if c.feasible() { sequential_colour(c.generation as usize, generations) } else { INFEASIBLE }
    };
    let key_of = |i: usize| (fill_of(i), props.candidates[i].status == RecordStatus::Rung);
    let layers = point_layers(points, 5.0, key_of).into_iter().map(|layer| {
        let ids = layer.indices.iter().map(|&i| props.candidates[i].candidate_id.to_string()).collect::<Vec<_>>().join(" ");
        let ((colour, rung), path) = (layer.key, layer.path);
        let class = classes!("points", (colour == INFEASIBLE).then_some("infeasible"), rung.then_some("rung"));
        if rung {
            html! { <path class={class} data-testid="points" data-candidates={ids} fill="none" stroke={colour} d={path} /> }
        } else {
            html! { <path class={class} data-testid="points" data-candidates={ids} fill={colour} d={path} /> }
        }
    });
    let ring = props.selected.and_then(|i| Some((i, points.get(i).copied()??))).map(|(i, (x, y))| html! {
        <circle class="point selected" data-testid="selected-point" data-candidate={props.candidates[i].candidate_id.to_string()}
            cx={format!("{x:.2}")} cy={format!("{y:.2}")} r="7" fill={fill_of(i)} />
    });
    let label = hovered.and_then(|i| Some((i, points.get(i).copied()??))).map(|(i, (x, y))| {
        let anchor = if x > FRAME.width * 0.6 { "end" } else { "start" };
        let dx = if anchor == "end" { -10.0 } else { 10.0 };
        html! {
            <g class="hover" data-testid="hover-label" pointer-events="none">
                <circle class="point hovered" cx={format!("{x:.2}")} cy={format!("{y:.2}")} r="6" fill="none" />
                <text x={format!("{:.2}", x + dx)} y={format!("{:.2}", (y - 10.0).max(12.0))} text-anchor={anchor}>
                    { for hover_text(props, i).lines().enumerate().map(|(k, line)| html! {
                        <tspan x={format!("{:.2}", x + dx)} dy={if k == 0 { "0" } else { "1.2em" }}>{ line.to_string() }</tspan>
                    }) }
                </text>
            </g>
        }
    });
    html! { <>{ for layers }{ for ring }{ for label }</> }
}

/// Everything inside the plot area: axes, the front's step line, the points and the references.
fn plot_body(props: &ParetoPlotProps, scatter: Option<&Scatter>, hovered: Option<usize>) -> Html {
    let (ax, ay) = props.axes;
    let Some(scatter) = scatter else {
        return html! {
            <text x={(FRAME.width / 2.0).to_string()} y={(FRAME.height / 2.0).to_string()} text-anchor="middle" class="axis-label">
                { "Candidates appear here as they are scored." }
            </text>
        };
    };
    let count = props.candidates.len();
    let feasible: Vec<(f64, f64)> =
        props.candidates.iter().filter(|c| c.full_result()).map(|c| (value(c, ax), value(c, ay))).collect();
    let steps: Vec<String> = front_steps(&feasible)
        .iter()
        .map(|&(x, y)| format!("{:.2},{:.2}", scatter.x_of(&FRAME, x), scatter.y_of(&FRAME, y)))
        .collect();
    let drawn: Vec<((f64, f64), &ReferenceReport)> =
        scatter.points[count..].iter().zip(&props.references).filter_map(|(p, r)| p.map(|p| (p, r.as_ref()))).collect();
    // Labels beside their diamonds, clear of the other diamonds and labels (VGG-like and
    // ResNet-like often cost about the same); those near the right edge go to the left.
    let points: Vec<(f64, f64)> = drawn.iter().map(|(p, _)| *p).collect();
    let places = place_labels(&points, LABEL, 4.0, FRAME.width * 0.65, (FRAME.margin, FRAME.width - FRAME.margin));
    let references = drawn.iter().zip(places).map(|(&(p, r), place)| reference_marker(props, p, place, r));
    html! {
        <>
            { ticks(props, scatter) }
            if steps.len() > 1 {
                <polyline class="front-line" data-testid="front-line" points={steps.join(" ")} />
            }
            { candidate_points(props, &scatter.points[..count], hovered) }
            { for references }
        </>
    }
}

/// The scatter of every candidate, then every reference, on the chosen axes.
fn scatter_of(props: &ParetoPlotProps) -> Option<Scatter> {
    let (ax, ay) = props.axes;
    // Candidates first, then the references, so the axes cover both.
    let everything = || props.candidates.iter().map(Rc::as_ref).chain(props.references.iter().map(|r| &r.report));
    let xs: Vec<f64> = everything().map(|c| value(c, ax)).collect();
    let ys: Vec<f64> = everything().map(|c| value(c, ay)).collect();
    scatter_from_data(&xs, &ys, &FRAME)
}

/// Where a pointer event falls in the plot's own units (its viewBox), the SVG being scaled
/// uniformly and centred in its box (`preserveAspectRatio` "meet", the default). The SVG comes
/// from its node reference: Yew delegates events, so their current target is not the plot.
fn plot_position(event: &MouseEvent, plot: &NodeRef) -> Option<(f64, f64)> {
    let svg = plot.cast::<web_sys::Element>()?;
    let rect = svg.get_bounding_client_rect();
    let scale = (rect.width() / FRAME.width).min(rect.height() / FRAME.height);
    if scale.is_nan() || scale <= 0.0 {
        return None;
    }
    let left = rect.left() + (rect.width() - FRAME.width * scale) / 2.0;
    let top = rect.top() + (rect.height() - FRAME.height * scale) / 2.0;
    Some(((event.client_x() - left) / scale, (event.client_y() - top) / scale))
}

/// The candidate under a pointer event: the nearest point within reach of a finger.
fn candidate_at(event: &MouseEvent, plot: &NodeRef, points: &[Option<(f64, f64)>]) -> Option<usize> {
    nearest(points, plot_position(event, plot)?, 10.0)
}

/// The Pareto plot.
#[component]
pub fn ParetoPlot(props: &ParetoPlotProps) -> Html {
    let (ax, ay) = props.axes;
    let hovered = use_state(|| None::<usize>);
    let plot = use_node_ref();
    let view_box = format!("0 0 {} {}", FRAME.width, FRAME.height);
    let scatter = scatter_of(props);
    let count = props.candidates.len();
    let points: Rc<Vec<Option<(f64, f64)>>> =
        Rc::new(scatter.as_ref().map_or_else(Vec::new, |s| s.points[..count].to_vec()));
    // The points are not elements: a click or a hover finds the nearest one.
    let on_click = {
        let (points, plot) = (points.clone(), plot.clone());
        props.on_action.reform(move |event: MouseEvent| Action::Select(candidate_at(&event, &plot, &points)))
    };
    let on_move = {
        let (points, hovered, plot) = (points.clone(), hovered.clone(), plot.clone());
        Callback::from(move |event: MouseEvent| {
            let at = candidate_at(&event, &plot, &points);
            if *hovered != at {
                hovered.set(at);
            }
        })
    };
    let on_leave = {
        let hovered = hovered.clone();
        Callback::from(move |_: MouseEvent| hovered.set(None))
    };
    let on_key = {
        let (on_action, selected) = (props.on_action.clone(), props.selected);
        Callback::from(move |event: KeyboardEvent| {
            if let Some(next) = key_selection(&event.key(), selected, count) {
                event.prevent_default();
                on_action.emit(Action::Select(next));
            }
        })
    };
    let drawn = points.iter().flatten().count();
    html! {
        <div class="pareto">
            <div class="axis-pickers">
                { axis_select(props, "x", ax, Action::AxisX) }
                { axis_select(props, "y", ay, Action::AxisY) }
            </div>
            <svg ref={plot} class="pareto-plot" data-testid="pareto-plot" data-points={drawn.to_string()} viewBox={view_box} role="img"
                tabindex="0" onclick={on_click} onmousemove={on_move} onmouseleave={on_leave} onkeydown={on_key}
                aria-label="Pareto front: every candidate on the two chosen objectives. Click a point to open it; arrow keys step through the candidates, Escape closes.">
                <rect class="plot-area" x={FRAME.margin.to_string()} y={FRAME.margin.to_string()}
                    width={(FRAME.width - 2.0 * FRAME.margin).to_string()} height={(FRAME.height - 2.0 * FRAME.margin).to_string()} />
                { plot_body(props, scatter.as_ref(), *hovered) }
                <text class="axis-title" x={(FRAME.width / 2.0).to_string()} y={(FRAME.height - 8.0).to_string()} text-anchor="middle">{ axis_title(props, ax) }</text>
                // The y title sits above the axis, clear of the tick labels.
                <text class="axis-title" x={FRAME.margin.to_string()} y={(FRAME.margin - 12.0).to_string()} text-anchor="start">{ axis_title(props, ay) }</text>
            </svg>
            <p class="legend">{ "Colour: generation (dark = early, yellow = late). Grey: breaks a constraint or failed. Rings: trained to the rung only (runs with rungs), never on the front. Line: the current front of these two objectives. Diamonds: hand-designed reference architectures, trained the same way. Hover a point for its values; click it to open it." }</p>
        </div>
    }
}
