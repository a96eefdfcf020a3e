//! The device panel: which backend searches and why (both timed on a network of the space, or
//! the visitor's choice), the adapter found, and the device check with its loss curve and step
//! times.

use yew::prelude::*;

use protocol::{AdapterInfo, BackendKind, BackendReport, WebgpuSpeed, step_time};
use crate::components::loss_chart::LossChart;
use crate::model::format::{count, limit_value};
use crate::model::state::{BackendChoice, BackendsView, CheckView, EngineStatus};

/// Props of [`DevicePanel`].
#[derive(Properties, PartialEq)]
pub struct DevicePanelProps {
    /// The engine's status.
    pub engine: EngineStatus,
    /// The backend, once reported.
    pub backend: Option<BackendReport>,
    /// The two backends: adapter, timing, choice.
    pub backends: BackendsView,
    /// Whether the backend may be chosen or timed now (nothing runs).
    pub can_choose: bool,
    /// The visitor chose a backend.
    pub on_choose: Callback<BackendChoice>,
    /// Pressed "Time again".
    pub on_time: Callback<MouseEvent>,
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
        (_, Some(BackendReport::Webgpu { .. })) => html! {
            <p class="backend backend-webgpu" data-testid="backend" data-backend="webgpu">{ "Searches run on WebGPU (Burn wgpu backend)" }</p>
        },
        (_, Some(BackendReport::Cpu { .. })) => html! {
            <p class="backend backend-cpu" data-testid="backend" data-backend="cpu">
                { "Searches run on the CPU backend (Burn flex, pure Rust in WebAssembly)" }
            </p>
        },
        (_, None) => html! { <p class="backend" data-testid="backend">{ "Starting the engine…" }</p> },
    };
    html! {
        <section class="panel device-panel" aria-labelledby="device-title">
            <h2 id="device-title">{ "Device" }</h2>
            { backend }
            { speeds_view(props) }
            { for props.backends.adapter.as_ref().map(adapter_view) }
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

/// A backend's step times as a table row.
fn speed_row(name: &str, testid: &'static str, text: String) -> Html {
    html! { <tr data-testid={testid}><th scope="row">{ name.to_string() }</th><td>{ text }</td></tr> }
}

/// Both backends' timing, the choice of backend and why: only with a WebGPU adapter (without
/// one the CPU is the only backend).
fn speeds_view(props: &DevicePanelProps) -> Html {
    let view = &props.backends;
    if view.adapter.is_none() {
        return html! {};
    }
    let state = if view.timing { "timing" } else if view.speeds.is_some() { "done" } else { "none" };
    let figures = view.speeds.as_ref().map(|s| {
        let cpu = format!("{} a step (first step {})", step_time(s.cpu.median_step_ms), step_time(s.cpu.first_step_ms));
        let webgpu = match &s.webgpu {
            WebgpuSpeed::Measured { speed } => format!(
                "{} a step (first step {}, compiling its kernels)", step_time(speed.median_step_ms), step_time(speed.first_step_ms)
            ),
            WebgpuSpeed::Unavailable { reason } => format!("not available: {reason}"),
            WebgpuSpeed::Failed { reason } => format!("failed: {reason}"),
        };
        html! {
            <>
                <table class="adapter speeds">
                    <tbody>
                        { speed_row("CPU", "speed-cpu", cpu) }
                        { speed_row("WebGPU", "speed-webgpu", webgpu) }
                    </tbody>
                </table>
                <p class="legend">
                    { format!("Timed on {} ({} parameters, batch {}){}.", s.network, count(s.parameters as f64), s.batch_size,
                        if view.remembered { ", on an earlier visit" } else { "" }) }
                </p>
            </>
        }
    });
    let why = view.wanted().map(|(kind, reason)| html! {
        <p data-testid="backend-reason" data-chosen={kind.name()}>{ format!("Searches use {}: {reason}.", kind.name()) }</p>
    });
    let on_change = props.on_choose.reform(|event: Event| {
        let key = event.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
        let choice = BackendChoice::from_key(&key).unwrap_or_default();
        crate::memory::keep_choice(choice);
        choice
    });
    let option = |choice: BackendChoice, text: &'static str| html! {
        <option value={choice.key()} selected={view.choice == choice}>{ text }</option>
    };
    html! {
        <div class="speeds" data-testid="backend-speeds" data-state={state}>
            if view.timing {
                <p aria-live="polite">{ "Timing both backends on a network of this space (a few seconds)…" }</p>
            }
            { for figures }
            { for why }
            <div class="check-controls">
                <label>
                    { "Search on " }
                    <select data-testid="backend-choice" onchange={on_change} disabled={!props.can_choose}>
                        { option(BackendChoice::Faster, "the faster, as timed") }
                        { option(BackendChoice::Always(BackendKind::Webgpu), "WebGPU") }
                        { option(BackendChoice::Always(BackendKind::Cpu), "the CPU") }
                    </select>
                </label>
                <button class="small" data-testid="time-backends" disabled={!props.can_choose} onclick={props.on_time.clone()}>{ "Time again" }</button>
                <span class="help" title="At start-up the engine trains a network of the current space for a few steps on each backend and searches on the faster (for small networks the CPU often beats a GPU, always a software one). The timing is kept for your next visit; time again after changing the space or dataset much. Your choice here is kept too.">{ "?" }</span>
            </div>
        </div>
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
        <details class="adapter-details" open=true>
            <summary>{ "WebGPU adapter" }</summary>
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
        </details>
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
