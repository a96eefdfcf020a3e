//! A tiny ablation run through the runner as `cli bench ablation` and the page run it: every
//! row spends the same training-step budget (up to one candidate's steps over), and each row
//! switches on exactly its component.

mod common;

use engine::search::{LatencySource, Objective};
use protocol::ablation::{AblationResult, AblationRow, csv, plan, summarise};
use protocol::{FromEngine, RunRequest, TrainingSettings};
use runner::Run;
use runner::blocking::drive_to_end;

fn tiny() -> RunRequest {
    let mut request = RunRequest::default_digits();
    request.space.cell_widths = vec![vec![4], vec![8]];
    request.space.max_layers = 2;
    request.search.population = 3;
    request.search.max_train_steps = Some(30);
    request.search.latency = LatencySource::Measured;
    request.training =
        TrainingSettings { steps: 4, fine_tune_steps: 2, batch_size: 8, latency_runs: 1, valid_fraction: 0.02, ..TrainingSettings::default() };
    request
}

#[test]
fn every_row_runs_with_the_same_budget_and_adds_one_component() {
    let _device = common::exclusive_device();
    let plan = plan(&tiny()).expect("an ablation of a trained search");
    assert_eq!(plan.budget_steps, 30);
    let limit = plan.limits.max_latency_ms.expect("a latency limit chosen from the space");
    assert!(plan.latency_limit_chosen && limit > 0.0);
    let rows: Vec<AblationRow> = plan.runs.iter().map(|r| r.row).collect();
    assert_eq!(rows, AblationRow::ALL);
    let mut results = Vec::new();
    for run in &plan.runs {
        let search = &run.request.search;
        let row = run.row;
        assert_eq!(search.objectives.len(), if row < AblationRow::MultiObjective { 1 } else { 3 }, "{row:?}");
        assert_eq!(search.objectives[0], Objective::Error);
        assert_eq!(run.request.space.schedule.stage2_at == 0, row == AblationRow::Base, "{row:?}: progressive from its row on");
        assert_eq!(search.constraints.max_latency_ms.is_some(), row >= AblationRow::HardwareAware, "{row:?}");
        assert_eq!(search.latency == LatencySource::Measured, row >= AblationRow::HardwareAware, "{row:?}");
        assert_eq!(run.request.training.inheritance, row == AblationRow::Inheritance, "{row:?}");
        assert!(!run.request.training.references, "references cost the same in every row: none train");
        assert_eq!(search.seed, tiny().search.seed);

        let mut engine = Run::new(&run.request, nn::backend::cpu(), None).expect("the row's run starts");
        let events = drive_to_end(&mut engine, |_| {});
        assert!(matches!(events.last(), Some(FromEngine::RunFinished { .. })));
        let result = AblationResult::from_events(row, search.seed, &plan.limits, &events).expect("a trained run");
        assert!(
            (30..34).contains(&result.train_steps),
            "{row:?} spent {} steps: the budget, at most one candidate over",
            result.train_steps
        );
        assert_eq!(result.train_samples, result.train_steps * 8);
        assert!(result.curve.windows(2).all(|w| w[0][0] <= w[1][0] && w[0][1] <= w[1][1] + 1e-12), "{:?}", result.curve);
        let best = result.best.as_ref().expect("some network within the limit");
        assert!(best.latency_ms <= limit && best.measured_latency_ms.is_some());
        results.push(result);
    }
    let inheriting = &results[4];
    let from_scratch = &results[3];
    assert!(
        inheriting.candidates > from_scratch.candidates,
        "children that inherit fine-tune for fewer steps, so the same budget scores more of them ({} vs {})",
        inheriting.candidates,
        from_scratch.candidates
    );
    let table = summarise(&results);
    assert_eq!(table.len(), 5);
    assert!(table.iter().all(|r| r.seeds == 1 && r.train_steps.min >= 30.0));
    let csv = csv(&results);
    assert_eq!(csv.lines().count(), 6, "{csv}");
    assert!(csv.lines().nth(5).is_some_and(|l| l.starts_with("inheritance,2026,")), "{csv}");
}

#[test]
fn an_ablation_needs_a_search_to_train() {
    let mut tabular = tiny();
    tabular.dataset = protocol::DatasetChoice::Nb201 { dataset: engine::tabular::Nb201Dataset::Cifar10 };
    assert!(plan(&tabular).unwrap_err().to_string().contains("NAS-Bench-201 only looks cells up"));
    let mut imported = tiny();
    imported.genotype = Some("4:conv3x3|8:skip".into());
    assert!(plan(&imported).unwrap_err().to_string().contains("clear the imported genotype"));
}
