//! The device panel: which backend the engine runs on, the adapter it found, and the device
//! check with its loss curve and step times.

use yew::prelude::*;

use protocol::{AdapterInfo, BackendReport};
use crate::components::loss_chart::LossChart;
use crate::model::format::limit_value;
use crate::model::state::{CheckView, EngineStatus};

/// Props of [`DevicePanel`].
#[derive(Properties, PartialEq)]
pub struct DevicePanelProps {
    /// The engine's status.
    pub engine: EngineStatus,
    /// The backend, once reported.
    pub backend: Option<BackendReport>,
    /// The device check.
    pub check: CheckView,
    /// Whether the Check button is enabled.
    pub can_check: bool,
    /// Pressed Check.
    pub on_check: Callback<MouseEvent>,
}

/// The device panel.
#[component]
pub fn DevicePanel(props: &DevicePanelProps) -> Html {
    let backend = match (&props.engine, &props.backend) {
        (EngineStatus::Failed(reason), _) => html! {
            <p class="backend backend-failed" data-testid="backend">{ format!("Engine stopped: {reason}") }</p>
        },
        (_, Some(BackendReport::Webgpu { adapter })) => adapter_view(adapter),
        (_, Some(BackendReport::Cpu { .. })) => html! {
            <p class="backend backend-cpu" data-testid="backend" data-backend="cpu">
                { "CPU backend (Burn flex, pure Rust in WebAssembly)" }
            </p>
        },
        (_, None) => html! { <p class="backend" data-testid="backend">{ "Starting the engine…" }</p> },
    };
    html! {
        <section class="panel device-panel" aria-labelledby="device-title">
            <h2 id="device-title">{ "Device" }</h2>
            { backend }
            <div class="check-controls">
                <button class="primary" data-testid="check-device" disabled={!props.can_check} onclick={props.on_check.clone()}>
                    { if props.check.running { "Checking…" } else { "Check device" } }
                </button>
                <span class="help" title="Trains a tiny CNN on synthetic 8×8 images inside the engine worker and shows the loss and the time of every step. On WebGPU the first step includes compiling the GPU kernels, so later steps show the real speed.">{ "?" }</span>
            </div>
            { check_view(&props.check) }
        </section>
    }
}

fn adapter_view(adapter: &AdapterInfo) -> Html {
    let or_hidden = |text: &str| if text.is_empty() { "(not disclosed)".to_string() } else { text.to_string() };
    let limits: Html = adapter
        .limits
        .iter()
        .map(|limit| html! { <tr><th scope="row">{ limit.name.clone() }</th><td>{ limit_value(&limit.name, limit.value) }</td></tr> })
        .collect();
    html! {
        <div class="backend backend-webgpu" data-testid="backend" data-backend="webgpu">
            <p>{ "WebGPU (Burn wgpu backend)" }</p>
            <table class="adapter" data-testid="adapter">
                <tbody>
                    <tr><th scope="row">{ "Vendor" }</th><td data-testid="adapter-vendor">{ or_hidden(&adapter.vendor) }</td></tr>
                    <tr><th scope="row">{ "Architecture" }</th><td data-testid="adapter-architecture">{ or_hidden(&adapter.architecture) }</td></tr>
                    <tr><th scope="row">{ "Device" }</th><td>{ or_hidden(&adapter.device) }</td></tr>
                    <tr><th scope="row">{ "Description" }</th><td>{ or_hidden(&adapter.description) }</td></tr>
                    { limits }
                    <tr><th scope="row">{ "Features" }</th><td class="features">{ adapter.features.join(", ") }</td></tr>
                </tbody>
            </table>
        </div>
    }
}

fn check_view(check: &CheckView) -> Html {
    if check.steps_total == 0 {
        return html! {};
    }
    let losses: Vec<f64> = check.steps.iter().map(|step| f64::from(step.loss)).collect();
    let last = check.steps.last();
    let summary = check.summary.as_ref().map(|summary| {
        html! {
            <p class="check-summary" data-testid="check-summary"
                data-first-loss={summary.first_loss.to_string()} data-last-loss={summary.last_loss.to_string()}>
                { format!(
                    "Done: loss {:.3} → {:.3} in {} steps; first step {:.0} ms, then {:.1} ms per step (median).",
                    summary.first_loss, summary.last_loss, summary.steps, summary.first_step_ms, summary.median_step_ms
                ) }
            </p>
        }
    });
    html! {
        <div class="check" data-testid="check" data-steps-done={check.steps.len().to_string()}>
            <p class="check-progress" aria-live="polite">
                { format!("Step {} of {} · {} parameters", check.steps.len(), check.steps_total, check.parameters) }
                if let Some(step) = last {
                    { format!(" · loss {:.4} · {:.1} ms", step.loss, step.step_ms) }
                }
            </p>
            <LossChart losses={losses} />
            { for summary }
        </div>
    }
}
