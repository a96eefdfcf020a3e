//! Train one architecture: a genotype pasted as canonical text or read from an exported JSON
//! file, trained and timed alone with the form's dataset and training settings.

use yew::prelude::*;

use crate::components::on_file_text;
use crate::model::state::Action;

/// Props of [`ImportGenotype`].
#[derive(Properties, PartialEq)]
pub struct ImportGenotypeProps {
    /// The genotype as pasted or read.
    pub text: String,
    /// What is wrong with it, if anything.
    pub problem: Option<String>,
    /// Whether it may be trained now.
    pub can_train: bool,
    /// Receives edits.
    pub on_action: Callback<Action>,
    /// Pressed Train.
    pub on_train: Callback<MouseEvent>,
}

/// The import panel.
#[component]
pub fn ImportGenotype(props: &ImportGenotypeProps) -> Html {
    let on_input = props.on_action.reform(|event: InputEvent| {
        Action::ImportEdited(event.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value())
    });
    let on_file = on_file_text(&props.on_action, |text| Action::ImportEdited(text.unwrap_or_default()));
    let help = "An architecture of this page's space: its canonical text (e.g. 8:conv3x3,skip+0|16:dwconv3x3) or a genotype JSON exported from a candidate. It is trained and timed alone, with the dataset and training settings above, and shown like a candidate.";
    html! {
        <details class="config-panel import-genotype" data-testid="import">
            <summary>
                <strong>{ "Train one architecture" }</strong>{ " " }
                <span class="help" tabindex="0" role="note" title={help} aria-label={help}>{ "?" }</span>
            </summary>
            <label for="import-genotype">{ "Genotype (text or exported JSON)" }</label>
            <textarea id="import-genotype" data-testid="import-genotype" rows="3" value={props.text.clone()} oninput={on_input} />
            <input type="file" accept=".json,.txt,application/json,text/plain" aria-label="Genotype file" onchange={on_file} />
            if let Some(problem) = props.problem.as_ref().filter(|_| !props.text.trim().is_empty()) {
                <p class="field-error" role="alert" data-testid="import-error">{ problem.clone() }</p>
            }
            <button class="primary" data-testid="train-imported" disabled={!props.can_train} onclick={props.on_train.clone()}>{ "Train it" }</button>
        </details>
    }
}
