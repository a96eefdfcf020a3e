//! The status bar: engine state, backend and protocol version at a glance.

use yew::prelude::*;

use protocol::{BackendReport, PROTOCOL_VERSION};
use crate::model::state::{CheckView, EngineStatus};

/// Props of [`StatusBar`].
#[derive(Properties, PartialEq)]
pub struct StatusBarProps {
    /// The engine's status.
    pub engine: EngineStatus,
    /// The backend, once reported.
    pub backend: Option<BackendReport>,
    /// The device check.
    pub check: CheckView,
}

/// The status bar.
#[component]
pub fn StatusBar(props: &StatusBarProps) -> Html {
    let engine = match &props.engine {
        EngineStatus::Starting => "engine starting".to_string(),
        EngineStatus::Ready if props.check.running => "engine busy: device check".to_string(),
        EngineStatus::Ready => "engine ready".to_string(),
        EngineStatus::Failed(_) => "engine stopped".to_string(),
    };
    let backend = match &props.backend {
        Some(BackendReport::Webgpu { .. }) => "WebGPU",
        Some(BackendReport::Cpu { .. }) => "CPU",
        None => "—",
    };
    html! {
        <footer class="status-bar" data-testid="status-bar">
            <span data-testid="engine-status">{ engine }</span>
            <span>{ format!("backend: {backend}") }</span>
            <span>{ format!("protocol v{PROTOCOL_VERSION}") }</span>
        </footer>
    }
}
