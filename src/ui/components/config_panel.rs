//! The device check's settings, in the sidebar below the search configuration.

use yew::prelude::*;

use protocol::CHECK_STEPS;
use crate::model::state::Action;

/// Props of [`ConfigPanel`].
#[derive(Properties, PartialEq)]
pub struct ConfigPanelProps {
    /// The steps field as typed.
    pub steps_input: String,
    /// The seed field as typed.
    pub seed_input: String,
    /// What is wrong with the fields, if anything.
    pub problem: Option<String>,
    /// Receives edits.
    pub on_action: Callback<Action>,
}

fn text_of(event: InputEvent) -> String {
    event.target_unchecked_into::<web_sys::HtmlInputElement>().value()
}

/// Settings the user can change.
#[component]
pub fn ConfigPanel(props: &ConfigPanelProps) -> Html {
    let on_steps = props.on_action.reform(|event: InputEvent| Action::StepsEdited(text_of(event)));
    let on_seed = props.on_action.reform(|event: InputEvent| Action::SeedEdited(text_of(event)));
    let (low, high) = (CHECK_STEPS.low, CHECK_STEPS.high);
    html! {
        <aside class="config-panel" aria-label="Device check settings">
            <h2>{ "Device check" }</h2>
            <fieldset>
                <legend>{ "Device check" }</legend>
                <label for="check-steps">
                    { "Training steps " }
                    <span class="help" title="How many batches the check network trains on. Each step's loss and time are shown.">{ "?" }</span>
                </label>
                <input id="check-steps" data-testid="check-steps" type="number" min={low.to_string()} max={high.to_string()}
                    value={props.steps_input.clone()} oninput={on_steps} />
                <label for="check-seed">
                    { "Seed " }
                    <span class="help" title="Seeds the synthetic data and the initial weights: the same seed gives the same losses.">{ "?" }</span>
                </label>
                <input id="check-seed" data-testid="check-seed" type="number" min="0"
                    value={props.seed_input.clone()} oninput={on_seed} />
                if let Some(problem) = &props.problem {
                    <p class="field-error" role="alert" data-testid="config-error">{ problem.clone() }</p>
                }
            </fieldset>
        </aside>
    }
}
