//! Predicted against measured latency of the run's trained candidates (see
//! [`crate::model::latency_check`]): a scatter with the diagonal and the ±10 % band, and the
//! figures, updated per candidate.

use yew::prelude::*;

use crate::model::latency_check::LatencyCheck;

const SIZE: f64 = 200.0;
const MARGIN: f64 = 34.0;

/// Props of [`LatencyCheckPanel`].
#[derive(Properties, PartialEq)]
pub struct LatencyCheckProps {
    /// The check; nothing is shown without one.
    pub check: Option<LatencyCheck>,
}

/// The panel.
#[component]
pub fn LatencyCheckPanel(props: &LatencyCheckProps) -> Html {
    let Some(check) = &props.check else { return html! {} };
    let scale = check.scale(SIZE);
    let line = |factor: f64, class: &'static str| {
        // y = factor × x, from the origin to where it leaves the square.
        let end = (scale.max_ms / factor.max(1.0)).min(scale.max_ms);
        let (x, y) = (scale.at(end), SIZE - scale.at(end * factor));
        html! { <line class={class} x1="0" y1={SIZE.to_string()} x2={format!("{x:.1}")} y2={format!("{y:.1}")} /> }
    };
    let a = &check.agreement;
    html! {
        <section class="panel latency-check" data-testid="latency-check" aria-label="Predicted against measured latency"
            data-within={format!("{:.3}", a.within_10)} data-mape={format!("{:.4}", a.mape)}
            data-spearman={a.spearman.map(|r| format!("{r:.3}")).unwrap_or_default()} data-points={a.n.to_string()}>
            <h2>{ "Latency: predicted against measured" }</h2>
            <p class="hint">{ format!("Predicted before training by {}; measured here once trained.", check.predictor) }</p>
            <svg viewBox={format!("{} {} {} {}", -MARGIN, -8.0, SIZE + MARGIN + 8.0, SIZE + MARGIN)} role="img"
                aria-label="Each trained candidate's predicted latency across, measured latency up">
                <rect class="plot-area" x="0" y="0" width={SIZE.to_string()} height={SIZE.to_string()} />
                { line(1.1, "band") }
                { line(0.9, "band") }
                { line(1.0, "diagonal") }
                { for check.points.iter().map(|p| {
                    let (x, y) = scale.place(p);
                    html! { <circle data-testid="latency-point" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="3">
                        <title>{ format!("candidate {}: predicted {:.3} ms, measured {:.3} ms", p.candidate_id, p.predicted_ms, p.measured_ms) }</title>
                    </circle> }
                }) }
                <text class="axis-label" x={(SIZE / 2.0).to_string()} y={(SIZE + 20.0).to_string()} text-anchor="middle">{ "predicted (ms)" }</text>
                <text class="axis-label" transform={format!("translate(-10 {}) rotate(-90)", SIZE / 2.0)} text-anchor="middle">{ "measured (ms)" }</text>
                <text class="axis-label" x={SIZE.to_string()} y={(SIZE + 12.0).to_string()} text-anchor="end">{ format!("{:.2}", scale.max_ms) }</text>
            </svg>
            <p data-testid="latency-check-summary">{ check.summary() }</p>
        </section>
    }
}
