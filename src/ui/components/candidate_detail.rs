//! The opened candidate: its architecture diagram (per-layer cost on hover, and how an
//! inheriting child's layers started), training curve and metrics.

use std::rc::Rc;

use yew::prelude::*;

use engine::hardware::{DeviceProfile, Roofline};
use engine::search::{LayerStart, RecordStatus};
use engine::space::Genotype;
use protocol::{CandidateReport, ModelFormat, RunInfo};
use crate::components::loss_chart::LossChart;
use crate::model::diagram::{DiagramBox, diagram};
use crate::model::export::{Export, take_away};
use crate::model::format::{count, short};

/// Props of [`CandidateDetail`].
#[derive(Properties, PartialEq)]
pub struct CandidateDetailProps {
    /// The candidate.
    pub candidate: Rc<CandidateReport>,
    /// The run it belongs to.
    pub info: RunInfo,
    /// An export asked for.
    pub on_export: Callback<Export>,
}

fn architecture(props: &CandidateDetailProps) -> Html {
    let Some(space) = &props.info.space else {
        return html! { <p class="arch-text" data-testid="arch-text">{ format!("NAS-Bench-201 cell {}", props.candidate.text) }</p> };
    };
    let Ok(genotype) = props.candidate.text.parse::<Genotype>() else {
        return html! { <p class="field-error">{ format!("cannot draw {:?}", props.candidate.text) }</p> };
    };
    let model = Roofline::new(DeviceProfile::builtin(props.info.target));
    let d = diagram(space, &genotype, &model, &props.candidate.inherited_layers);
    let started = |b: &DiagramBox| b.start.map(start_name);
    html! {
        <>
        <svg class="arch-diagram" data-testid="arch-diagram" viewBox={format!("0 0 {:.0} {:.0}", d.width, d.height)}
            role="img" aria-label={format!("Architecture {}", props.candidate.text)}>
            { for d.rows.iter().map(|r| html! { <text class="row-label" x="4" y={format!("{:.1}", r.y)}>{ r.text.clone() }</text> }) }
            { for d.links.iter().map(|(x1, y1, x2, y2)| html! {
                <line class="link" x1={format!("{x1:.1}")} y1={format!("{y1:.1}")} x2={format!("{x2:.1}")} y2={format!("{y2:.1}")} />
            }) }
            { for d.arcs.iter().map(|a| html! { <path class="skip-arc" d={a.path.clone()} /> }) }
            { for d.boxes.iter().map(|b| html! {
                <g class={classes!("layer", b.family, started(b).map(|s| format!("start-{s}")))} data-testid="arch-layer" data-start={started(b)}>
                    <title>{ format!("{} → {}\nparameters {}\nMACs {}\npredicted latency {} ms{}", b.label, b.shape, b.params, b.macs, short(b.latency_ms),
                        b.start.map_or(String::new(), |s| format!("\nweights: {}", start_words(s)))) }</title>
                    <rect x={format!("{:.1}", b.x)} y={format!("{:.1}", b.y)} width={b.width.to_string()} height={b.height.to_string()} rx="5" />
                    <text x={format!("{:.1}", b.x + b.width / 2.0)} y={format!("{:.1}", b.y + 15.0)} text-anchor="middle">{ b.label.clone() }</text>
                    <text class="shape" x={format!("{:.1}", b.x + b.width / 2.0)} y={format!("{:.1}", b.y + 28.0)} text-anchor="middle">{ b.shape.clone() }</text>
                </g>
            }) }
        </svg>
        if !props.candidate.inherited_layers.is_empty() {
            <p class="start-legend" data-testid="start-legend">
                { "How its layers started: " }
                { for [LayerStart::Copied, LayerStart::Sliced, LayerStart::Identity, LayerStart::Fresh].into_iter().map(|s| html! {
                    <span class={format!("start-{}", start_name(s))}>{ start_words(s) }</span>
                }) }
            </p>
        }
        </>
    }
}

fn start_name(start: LayerStart) -> &'static str {
    match start {
        LayerStart::Copied => "copied",
        LayerStart::Sliced => "sliced",
        LayerStart::Identity => "identity",
        LayerStart::Fresh => "fresh",
    }
}

fn start_words(start: LayerStart) -> &'static str {
    match start {
        LayerStart::Copied => "copied from a parent",
        LayerStart::Sliced => "leading channels copied (another width)",
        LayerStart::Identity => "new, started as the identity",
        LayerStart::Fresh => "freshly initialised",
    }
}

/// The opened candidate.
#[component]
pub fn CandidateDetail(props: &CandidateDetailProps) -> Html {
    let c = &props.candidate;
    let accuracy = c.error.map(|e| format!("{:.2} %", (1.0 - e) * 100.0));
    let status = match &c.status {
        RecordStatus::Evaluated if props.info.tabular => "looked up in the table".to_string(),
        RecordStatus::Evaluated => match c.resumes {
            Some(from) => format!("trained: resumed from its rung (#{from}) to the whole budget"),
            None => "trained".to_string(),
        },
        RecordStatus::Rung => "trained to the rung only: its accuracy is the rung's; stopped early unless a later record resumes it".to_string(),
        RecordStatus::CheapOnly => "scored without training".to_string(),
        RecordStatus::ConstraintViolated => "breaks a constraint: never trained".to_string(),
        RecordStatus::Failed { reason } => format!("failed: {reason}"),
    };
    let mut rows: Vec<(&str, String)> = vec![
        ("status", status),
        ("validation accuracy", accuracy.unwrap_or_else(|| "—".into())),
        ("predicted latency", format!("{} ms ({})", short(c.cheap.latency_ms), props.info.target.name())),
        (
            "measured latency (this device)",
            c.measured_latency.as_ref().map_or("—".into(), |m| {
                format!("{} ms median, IQR {} ms, {} runs", short(m.median_ms), short(m.iqr_ms), m.runs_ms.len())
            }),
        ),
        ("parameters", count(c.cheap.params as f64)),
        ("MACs", count(c.cheap.macs as f64)),
        ("energy", format!("{} mJ", short(c.cheap.energy_mj))),
        ("inherited parameters", count(c.inherited_params as f64)),
        ("origin", c.origin.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
    ];
    if let Some(steps) = c.details.train_steps {
        let resumed = c.resumes.map_or(String::new(), |from| format!(", resumed from the rung of #{from}"));
        rows.push(("training", format!("{steps} steps in {} s{resumed}", short(c.details.train_ms.unwrap_or(0.0) / 1e3))));
    }
    if let Some(test) = c.details.test_accuracy {
        rows.push(("test accuracy (table)", format!("{} %", short(test))));
    }
    let losses: Vec<f64> = c.losses.iter().map(|&l| f64::from(l)).collect();
    html! {
        <section class="panel candidate-detail" data-testid="candidate-detail" data-candidate={c.candidate_id.to_string()}>
            <h2>{ format!("Candidate #{} · generation {}", c.candidate_id, c.generation) }</h2>
            <p class="arch-text"><code data-testid="genotype-text">{ c.text.clone() }</code></p>
            <p class="export-row">
                { "Export genotype: " }
                <button class="small" data-testid="export-genotype-json" onclick={props.on_export.reform(|_: MouseEvent| Export::GenotypeJson)}>{ "JSON" }</button>
                <button class="small" data-testid="export-genotype-text" onclick={props.on_export.reform(|_: MouseEvent| Export::GenotypeText)}>{ "text" }</button>
                if !props.info.tabular && matches!(c.status, RecordStatus::Evaluated) {
                    { " · trained network: " }
                    <button class="small" data-testid="export-onnx" title="ONNX (opset 17): runs in onnxruntime and every tool that reads ONNX; feed pixels scaled to [0, 1]"
                        onclick={props.on_export.reform(|_: MouseEvent| Export::Model { format: ModelFormat::Onnx, reference: None })}>{ ".onnx" }</button>
                    <button class="small" data-testid="export-weights" title="Burn record (burnpack): load with ModuleRecord::from_bytes and load_record"
                        onclick={props.on_export.reform(|_: MouseEvent| Export::Model { format: ModelFormat::Burnpack, reference: None })}>{ ".bpk" }</button>
                    <span class="take-away" data-testid="export-take-away">{ take_away(c, &props.info) }</span>
                }
            </p>
            { architecture(props) }
            <div class="detail-grid">
                <table class="metrics" data-testid="candidate-metrics">
                    { for rows.into_iter().map(|(k, v)| html! { <tr><th>{ k }</th><td>{ v }</td></tr> }) }
                </table>
                if !losses.is_empty() {
                    <div>
                        <h3>{ "Training loss" }</h3>
                        <LossChart losses={losses} />
                    </div>
                }
            </div>
        </section>
    }
}
