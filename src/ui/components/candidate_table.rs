//! Every scored candidate as a sortable table, with front-only and feasible-only filters.

use std::rc::Rc;

use yew::prelude::*;

use engine::search::{Objective, RecordStatus};
use protocol::CandidateReport;
use crate::model::format::{objective_value, short};
use crate::model::run::SortKey;
use crate::model::state::{Action, TableView};

/// Most rows drawn at once; sorting and filters choose which. Table rows are the costliest part
/// of the page to lay out: 100 of them made the render after a fast tabular burst a 60-70 ms
/// long task in Chromium, 50 keep it near 20 ms.
pub const MAX_ROWS: usize = 50;

/// Props of [`CandidateTable`].
#[derive(Properties, PartialEq)]
pub struct CandidateTableProps {
    /// Every scored candidate.
    pub candidates: Vec<Rc<CandidateReport>>,
    /// The run's objectives.
    pub objectives: Vec<Objective>,
    /// Row order (indices into `candidates`), already sorted and filtered.
    pub rows: Vec<usize>,
    /// Indices on the front.
    pub front: Vec<usize>,
    /// Sorting and filters.
    pub view: TableView,
    /// The opened candidate.
    pub selected: Option<usize>,
    /// Receives sorting, filters and selection.
    pub on_action: Callback<Action>,
}

/// The `data-index` of the element an event came from, or of its closest ancestor with one.
pub fn index_of(target: Option<web_sys::EventTarget>) -> Option<usize> {
    use wasm_bindgen::JsCast;
    let element = target?.dyn_into::<web_sys::Element>().ok()?;
    let holder = element.closest("[data-index]").ok()??;
    holder.get_attribute("data-index")?.parse().ok()
}

/// The candidate table.
#[component]
pub fn CandidateTable(props: &CandidateTableProps) -> Html {
    let header = |key: SortKey, text: String| {
        let arrow = if props.view.sort == key { if props.view.descending { " ▼" } else { " ▲" } } else { "" };
        let sort = if props.view.sort == key {
            if props.view.descending { "descending" } else { "ascending" }
        } else {
            "none"
        };
        let on_click = props.on_action.reform(move |_: MouseEvent| Action::SortBy(key));
        html! { <th aria-sort={sort}><button class="sort" onclick={on_click}>{ format!("{text}{arrow}") }</button></th> }
    };
    // One handler for all rows (each carries its index), so a large run renders quickly.
    let on_select = props.on_action.reform(|event: MouseEvent| Action::Select(index_of(event.target())));
    let on_front = props.on_action.reform(|e: Event| Action::FrontOnly(e.target_unchecked_into::<web_sys::HtmlInputElement>().checked()));
    let on_feasible =
        props.on_action.reform(|e: Event| Action::FeasibleOnly(e.target_unchecked_into::<web_sys::HtmlInputElement>().checked()));
    html! {
        <section class="panel candidate-table" aria-label="Candidates">
            <h2>{ format!("Candidates ({})", props.candidates.len()) }</h2>
            <div class="filters">
                <label class="check"><input type="checkbox" data-testid="filter-front" checked={props.view.front_only} onchange={on_front} />{ "front only" }</label>
                <label class="check"><input type="checkbox" data-testid="filter-feasible" checked={props.view.feasible_only} onchange={on_feasible} />{ "feasible only" }</label>
            </div>
            if props.rows.len() > MAX_ROWS {
                <p class="legend" data-testid="table-cut">{ format!("Showing the first {MAX_ROWS} of {} rows: sort or filter to see others.", props.rows.len()) }</p>
            }
            <div class="table-scroll">
                <table data-testid="candidate-table">
                    <thead><tr>
                        { header(SortKey::Candidate, "#".into()) }
                        <th>{ "gen" }</th>
                        { for props.objectives.iter().enumerate().map(|(k, o)| header(SortKey::Objective(k), o.name().to_string())) }
                        { header(SortKey::Measured, "measured ms".into()) }
                        <th>{ "architecture" }</th>
                    </tr></thead>
                    <tbody onclick={on_select}>
                        { for props.rows.iter().take(MAX_ROWS).map(|&i| {
                            let c = &props.candidates[i];
                            let class = classes!(
                                props.front.contains(&i).then_some("on-front"),
                                (!c.feasible()).then_some("infeasible"),
                                (c.status == RecordStatus::Rung).then_some("rung"),
                                (props.selected == Some(i)).then_some("selected")
                            );
                            html! {
                                <tr class={class} data-testid="candidate-row" data-index={i.to_string()}
                                    data-accuracy={c.details.valid_accuracy.map(|a| a.to_string())}
                                    data-steps={c.details.train_steps.map(|s| s.to_string())}
                                    data-macs={c.cheap.macs.to_string()}>
                                    <td><button class="link-button" aria-label={format!("open candidate {}", c.candidate_id)}>{ c.candidate_id }</button></td>
                                    <td>{ c.generation }</td>
                                    { for c.objectives.iter().enumerate().map(|(k, v)| html! { <td class="number">{ objective_value(props.objectives.get(k).copied(), *v) }</td> }) }
                                    <td class="number">{ c.measured_latency.as_ref().map_or("—".to_string(), |m| short(m.median_ms)) }</td>
                                    <td><code>{ c.text.clone() }</code>{ rung_note(c) }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// What the row of a network trained to the rung only, or resumed from it, says.
fn rung_note(c: &CandidateReport) -> Html {
    match (&c.status, c.resumes) {
        (RecordStatus::Rung, _) => html! { <span class="rung-note" data-testid="rung-note">{ " at the rung" }</span> },
        (_, Some(from)) => html! { <span class="rung-note">{ format!(" resumed from #{from}") }</span> },
        _ => html! {},
    }
}
