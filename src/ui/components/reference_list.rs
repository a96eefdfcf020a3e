//! The run's reference architectures (hand-designed networks trained like a candidate), each
//! with what it scored and its trained network to download.

use std::rc::Rc;

use yew::prelude::*;

use protocol::{ModelFormat, ReferenceReport, RunInfo};
use crate::model::export::{Export, take_away};

/// Props of [`ReferenceList`].
#[derive(Properties, PartialEq)]
pub struct ReferenceListProps {
    /// The references scored so far.
    pub references: Vec<Rc<ReferenceReport>>,
    /// The run.
    pub info: RunInfo,
    /// An export asked for.
    pub on_export: Callback<Export>,
}

/// The references, one line each; nothing before the first is scored.
#[component]
pub fn ReferenceList(props: &ReferenceListProps) -> Html {
    if props.references.is_empty() {
        return html! {};
    }
    let row = |(index, r): (usize, &Rc<ReferenceReport>)| {
        let on_onnx = props.on_export.reform(move |_: MouseEvent| Export::Model { format: ModelFormat::Onnx, reference: Some(index) });
        html! {
            <li data-testid="reference-row" data-name={r.name.clone()}
                data-accuracy={r.report.details.valid_accuracy.map(|a| a.to_string())} data-macs={r.report.cheap.macs.to_string()}>
                <strong>{ r.name.clone() }</strong>{ " " }<code>{ r.report.text.clone() }</code>
                <span class="take-away">{ take_away(&r.report, &props.info) }</span>
                if r.report.error.is_some() {
                    <button class="small" data-testid="export-reference-onnx" title="The trained reference network as ONNX (opset 17)" onclick={on_onnx}>{ ".onnx" }</button>
                }
            </li>
        }
    };
    html! {
        <details class="reference-list" data-testid="reference-list">
            <summary>{ format!("Reference architectures ({}), trained like a candidate", props.references.len()) }</summary>
            <ul>{ for props.references.iter().enumerate().map(row) }</ul>
        </details>
    }
}
