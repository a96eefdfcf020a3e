//! A training-loss line as SVG; the geometry comes from [`line_from_data`].

use yew::prelude::*;

use crate::model::plot::{Frame, line_from_data};

const FRAME: Frame = Frame { width: 480.0, height: 180.0, margin: 24.0 };

/// Props of [`LossChart`].
#[derive(Properties, PartialEq)]
pub struct LossChartProps {
    /// Loss per step.
    pub losses: Vec<f64>,
}

/// The loss curve.
#[component]
pub fn LossChart(props: &LossChartProps) -> Html {
    let view_box = format!("0 0 {} {}", FRAME.width, FRAME.height);
    let content = match line_from_data(&props.losses, &FRAME) {
        Some(line) => {
            let dots: Html = line
                .points
                .iter()
                .map(|(x, y)| html! { <circle cx={format!("{x:.2}")} cy={format!("{y:.2}")} r="2.5" /> })
                .collect();
            html! {
                <>
                    <text x="4" y={format!("{}", FRAME.margin - 8.0)} class="axis-label">{ format!("{:.3}", line.y_max) }</text>
                    <text x="4" y={format!("{}", FRAME.height - 6.0)} class="axis-label">{ format!("{:.3}", line.y_min) }</text>
                    <polyline class="loss-line" points={line.svg_points()} />
                    { dots }
                </>
            }
        }
        None => html! {
            <text x={format!("{}", FRAME.width / 2.0)} y={format!("{}", FRAME.height / 2.0)} text-anchor="middle" class="axis-label">
                { "waiting for the first step…" }
            </text>
        },
    };
    html! {
        <svg class="loss-chart" data-testid="loss-chart" viewBox={view_box} role="img" aria-label="Training loss per step">
            <rect class="plot-area" x={FRAME.margin.to_string()} y={FRAME.margin.to_string()}
                width={(FRAME.width - 2.0 * FRAME.margin).to_string()} height={(FRAME.height - 2.0 * FRAME.margin).to_string()} />
            { content }
        </svg>
    }
}
