//! The page's ablation mode, natively: the reducer starts each search of the plan in turn as a
//! follow-up, judges each when it ends, and gives the same rows as the CLI's route (the same
//! plan run through the runner and judged from its events); a finished run's hypervolume against
//! training steps overlays another's when their objectives match.

#[path = "../../runner/tests/common/mod.rs"]
mod common;

use protocol::ablation::{AblationResult, AblationRow, plan};
use protocol::{BackendReport, FromEngine, PROTOCOL_VERSION, RunEnd, RunRequest, TrainingSettings};
use runner::Run;
use runner::blocking::drive_to_end;
use ui::model::state::{Action, AppState, FollowUp, reduce};

fn on_cpu() -> AppState {
    let booted = reduce(&AppState::default(), Action::Engine(vec![FromEngine::Booted { protocol_version: PROTOCOL_VERSION }]));
    let state = reduce(&booted, Action::Engine(vec![FromEngine::Ready { backend: BackendReport::Cpu { reason: "chosen".into() } }]));
    // The timing of the backends (tests/backends.rs) is over.
    AppState { backends: ui::model::state::BackendsView { timing: false, ..state.backends }, ..state }
}

fn tiny() -> RunRequest {
    let mut request = RunRequest::default_digits();
    request.run_id = "ablation-1-seed-2026".into();
    request.space.cell_widths = vec![vec![4], vec![8]];
    request.space.max_layers = 2;
    request.search.population = 2;
    request.search.max_train_steps = Some(12);
    request.training = TrainingSettings { steps: 3, fine_tune_steps: 1, batch_size: 8, latency_runs: 0, valid_fraction: 0.02, ..TrainingSettings::default() };
    request
}

fn start_request(state: &AppState) -> Option<RunRequest> {
    match &state.pending {
        Some((_, FollowUp::StartRun(request))) => Some((**request).clone()),
        _ => None,
    }
}

#[test]
fn the_page_runs_each_row_in_turn_and_judges_it_as_the_cli_does() {
    let _device = common::exclusive_device();
    let plan = plan(&tiny()).expect("a plan");
    let mut state = on_cpu();
    assert!(state.can_search(), "{:?}", state.backends);
    state = reduce(&state, Action::AblationRequested(Box::new(plan.clone())));
    assert!(state.ablation.as_ref().is_some_and(|a| a.running()));
    let mut request = plan.runs[0].request.clone();
    let mut cli_results = Vec::new();
    for (index, run) in plan.runs.iter().enumerate() {
        assert_eq!(request, run.request, "row {index} is the plan's");
        let mut engine = Run::new(&request, nn::backend::cpu(), None).expect("the row starts");
        let events = drive_to_end(&mut engine, |_| {});
        cli_results.push(AblationResult::from_events(run.row, 2026, &plan.limits, &events).expect("judged"));
        let before = state.pending.clone();
        state = reduce(&state, Action::Engine(events));
        match plan.runs.get(index + 1) {
            Some(_) => {
                assert_ne!(state.pending, before, "the next search is asked for");
                request = start_request(&state).expect("the next row's search");
                assert!(state.run.candidates.is_empty(), "the next search starts on an empty view");
            }
            None => assert_eq!(state.pending, before, "nothing follows the last row"),
        }
    }
    let view = state.ablation.expect("the ablation");
    assert!(!view.running());
    assert_eq!(view.status(), "All 5 searches done, 12 training steps each");
    assert_eq!(view.results.len(), 5);
    for (page, cli) in view.results.iter().zip(&cli_results) {
        assert_eq!((page.row, page.candidates, page.train_steps, &page.best), (cli.row, cli.candidates, cli.train_steps, &cli.best));
        assert_eq!(page.curve, cli.curve, "{:?}", page.row);
    }
    assert_eq!(view.table().len(), 5);
    assert_eq!(view.csv().lines().count(), 6);
}

#[test]
fn a_stopped_row_ends_the_ablation_and_keeps_the_rows_done() {
    let plan = plan(&tiny()).expect("a plan");
    let state = reduce(&on_cpu(), Action::AblationRequested(Box::new(plan.clone())));
    let mut info = Run::new(&plan.runs[0].request, nn::backend::cpu(), None).expect("starts").info().clone();
    info.run_id = plan.runs[0].request.run_id.clone();
    let stopped = reduce(
        &state,
        Action::Engine(vec![
            FromEngine::RunStarted(info),
            FromEngine::RunFinished { end: RunEnd::Stopped, evaluations: 0, seconds: 1.0 },
        ]),
    );
    let view = stopped.ablation.as_ref().expect("kept");
    assert!(!view.running());
    assert_eq!(view.status(), format!("Ended after 0 of 5 searches: {} was stopped", AblationRow::Base.label()));
    assert!(start_request(&stopped).is_none(), "no further search");
}

#[test]
fn the_forms_ablation_is_the_plan_of_its_search() {
    let state = on_cpu();
    let planned = state.ablation_plan(1000.0).expect("the default settings can be ablated");
    let mut base = state.run_request(1000.0).expect("valid");
    base.run_id = base.run_id.replacen("run-", "ablation-", 1);
    assert_eq!(planned, plan(&base).expect("a plan"));
    let three = reduce(&state, Action::AblationSeedsEdited("3".into())).ablation_plan(1000.0).expect("three seeds");
    let seeds: Vec<u64> = three.runs.iter().map(|r| r.request.search.seed).collect();
    let first = base.search.seed;
    assert_eq!(seeds, [[first; 5], [first + 1; 5], [first + 2; 5]].concat(), "every row of a seed, then the next");
    let refused = reduce(&state, Action::AblationSeedsEdited("0".into()));
    assert_eq!(refused.ablation_plan(1000.0).unwrap_err(), "seeds must be a whole number from 1 to 20, got \"0\"");
    assert!(!refused.ablation_offer().1);
    assert!(planned.runs[0].request.run_id.starts_with("ablation-1000-seed-"));
    assert_eq!(state.ablation_offer(), (Ok("5 searches of 5.76 k training steps each.".to_string()), true));
}

#[test]
fn with_a_time_budget_each_search_gets_the_steps_it_allows_at_the_measured_step() {
    use protocol::{BackendSpeeds, StepSpeed, WebgpuSpeed};
    let step = StepSpeed { first_step_ms: 100.0, median_step_ms: 100.0, steps: 5 };
    let speeds = BackendSpeeds {
        network: "8:conv3x3".into(),
        parameters: 802,
        batch_size: 64,
        cpu: step,
        webgpu: WebgpuSpeed::Unavailable { reason: "no adapter".into() },
    };
    let timed = reduce(&on_cpu(), Action::Engine(vec![FromEngine::BackendsMeasured(speeds)]));
    assert_eq!(timed.form.time_budget_s(), Some(180.0));
    let plan = timed.ablation_plan(0.0).expect("a plan");
    assert_eq!(plan.budget_steps, 1800, "three minutes at 100 ms a step");
    let size = timed.ablation_offer().0.expect("a size");
    assert!(size.starts_with("5 searches of 1.8 k training steps: about 3 min 00 s each, 15 min 00 s in all at 100 ms a step here"), "{size}");
}

#[test]
fn a_finished_run_overlays_its_hypervolume_against_steps_when_its_objectives_match() {
    use protocol::saved::SavedRun;
    use ui::model::saved::Overlay;
    let _device = common::exclusive_device();
    let mut request = tiny();
    (request.run_id, request.search.max_train_steps, request.search.generations) = ("run-a".into(), None, 2);
    let mut engine = Run::new(&request, nn::backend::cpu(), None).expect("starts");
    let events = drive_to_end(&mut engine, |_| {});
    let mut saved = SavedRun::started(request.clone(), engine.info().clone(), 1000.0);
    saved.finished(RunEnd::Completed, 4, 1.0);
    let overlay = Overlay::new(&saved, &events).expect("a trained run has a curve");
    let generations: Vec<(f64, f64)> = events
        .iter()
        .filter_map(|e| if let FromEngine::Generation(g) = e { Some((g.compute.train_steps as f64, g.hypervolume)) } else { None })
        .collect();
    assert_eq!(overlay.curve, generations);
    assert_eq!(overlay.curve.len(), 2);

    let mut state = on_cpu();
    state = reduce(&state, Action::Engine(events.clone()));
    state = reduce(&state, Action::OverlayLoaded(Box::new(overlay.clone())));
    state = reduce(&state, Action::OverlayLoaded(Box::new(overlay.clone())));
    assert_eq!(state.overlays, [overlay.clone()], "drawn once");
    let other = Overlay { run_id: "run-b".into(), objectives: vec![engine::search::Objective::Error], ..overlay.clone() };
    let refused = reduce(&state, Action::OverlayLoaded(Box::new(other)));
    assert_eq!(refused.overlays.len(), 1);
    assert!(refused.notices.last().is_some_and(|n| n.contains("its objectives (error) are not this run's (error, latency, params)")), "{:?}", refused.notices);
    assert!(reduce(&state, Action::OverlayRemoved("run-a".into())).overlays.is_empty());

    let untrained = Overlay::new(&saved, &events[..1]).unwrap_err();
    assert!(untrained.contains("trained no generation"), "{untrained}");
}
