//! Choosing the backend: WebGPU's first report starts a timing of both backends (unless the
//! visitor chose one on an earlier visit), the faster searches, the visitor can override it, and
//! a timing kept from an earlier visit is used instead of timing again.

use protocol::{
    AdapterInfo, BackendKind, BackendReport, BackendSpeeds, FromEngine, PROTOCOL_VERSION, StepSpeed, WebgpuSpeed,
};
use ui::model::form::DatasetKind;
use ui::model::state::{Action, AppState, BackendChoice, FollowUp, reduce};

fn adapter() -> AdapterInfo {
    AdapterInfo { vendor: "google".into(), architecture: "swiftshader".into(), ..AdapterInfo::default() }
}

fn booted(choice: BackendChoice) -> AppState {
    let state = reduce(&AppState::default(), Action::BackendChoiceRemembered(choice));
    reduce(&state, Action::Engine(vec![FromEngine::Booted { protocol_version: PROTOCOL_VERSION }]))
}

fn on_webgpu(state: &AppState) -> AppState {
    reduce(state, Action::Engine(vec![FromEngine::Ready { backend: BackendReport::Webgpu { adapter: adapter() } }]))
}

fn speeds(gpu_ms: f64) -> BackendSpeeds {
    let step = |median_step_ms| StepSpeed { first_step_ms: 5.0 * median_step_ms, median_step_ms, steps: 5 };
    BackendSpeeds { network: "8:conv3x3".into(), parameters: 802, batch_size: 64, cpu: step(100.0), webgpu: WebgpuSpeed::Measured { speed: step(gpu_ms) } }
}

fn follow(state: &AppState) -> Option<FollowUp> {
    state.pending.clone().map(|(_, follow)| follow)
}

#[test]
fn webgpu_starts_a_timing_and_the_faster_backend_then_searches() {
    let state = on_webgpu(&booted(BackendChoice::Faster));
    let Some(FollowUp::TimeBackends { request, signature }) = follow(&state) else { panic!("a timing: {:?}", state.pending) };
    assert!(state.backends.timing && !state.can_search() && !state.can_check(), "nothing else runs while both are timed");
    assert_eq!((request.space.input.channels, request.batch_size), (1, 32), "the form's digits and batch");
    assert!(signature.contains("swiftshader") && signature.contains("1x28x28"), "{signature}");
    let timed = reduce(&state, Action::Engine(vec![FromEngine::BackendsMeasured(speeds(900.0))]));
    let Some(FollowUp::UseBackend(BackendKind::Cpu, reason)) = follow(&timed) else { panic!("the CPU: {:?}", timed.pending) };
    assert!(reason.contains("the CPU trains a step in 100 ms against 900 ms on WebGPU"), "{reason}");
    let moved = reduce(&timed, Action::Engine(vec![FromEngine::Ready { backend: BackendReport::Cpu { reason } }]));
    assert_eq!(moved.pending, timed.pending, "nothing more to do once the CPU searches");
    assert!(moved.can_search() && moved.can_choose_backend());
    // The visitor overrides it; choosing the faster again goes back.
    let chosen = reduce(&moved, Action::BackendChosen(BackendChoice::Always(BackendKind::Webgpu)));
    assert_eq!(follow(&chosen), Some(FollowUp::UseBackend(BackendKind::Webgpu, "WebGPU chosen in the device panel".into())));
    let back = on_webgpu(&chosen);
    assert_eq!(back.pending, chosen.pending, "WebGPU's second report starts no timing");
    let faster = reduce(&back, Action::BackendChosen(BackendChoice::Faster));
    assert!(matches!(follow(&faster), Some(FollowUp::UseBackend(BackendKind::Cpu, _))));
}

#[test]
fn a_faster_webgpu_keeps_searching_and_a_kept_timing_or_choice_skips_the_wait() {
    let state = on_webgpu(&booted(BackendChoice::Faster));
    let fast = reduce(&state, Action::Engine(vec![FromEngine::BackendsMeasured(speeds(20.0))]));
    assert!(matches!(follow(&fast), Some(FollowUp::TimeBackends { .. })), "already on WebGPU: nothing to switch");
    assert!(!fast.backends.timing && fast.can_search());
    let kept = reduce(&state, Action::SpeedsRemembered(speeds(900.0)));
    assert!(kept.backends.remembered && !kept.backends.timing);
    assert!(matches!(follow(&kept), Some(FollowUp::UseBackend(BackendKind::Cpu, _))));
    let chose_cpu = on_webgpu(&booted(BackendChoice::Always(BackendKind::Cpu)));
    assert!(!chose_cpu.backends.timing, "a visitor who chose is not timed");
    assert_eq!(follow(&chose_cpu), Some(FollowUp::UseBackend(BackendKind::Cpu, "CPU chosen in the device panel".into())));
    let again = reduce(&chose_cpu, Action::TimeBackendsRequested);
    assert!(matches!(follow(&again), Some(FollowUp::TimeBackends { signature, .. }) if signature.is_empty()), "timed anew on request");
}

#[test]
fn without_an_adapter_only_the_cpu_is_timed_and_there_is_nothing_to_choose() {
    let state = reduce(&booted(BackendChoice::Faster), Action::Engine(vec![FromEngine::Ready { backend: BackendReport::Cpu { reason: "no adapter".into() } }]));
    let Some(FollowUp::TimeBackends { request, signature }) = follow(&state) else { panic!("a timing: {:?}", state.pending) };
    assert!(!request.webgpu && signature.starts_with("no adapter|"), "{signature}");
    assert!(!state.can_choose_backend());
    let cpu = StepSpeed { first_step_ms: 150.0, median_step_ms: 100.0, steps: 5 };
    let unavailable = WebgpuSpeed::Unavailable { reason: "no adapter".into() };
    let speeds = BackendSpeeds { network: "8:conv3x3".into(), parameters: 802, batch_size: 64, cpu, webgpu: unavailable };
    let timed = reduce(&state, Action::Engine(vec![FromEngine::BackendsMeasured(speeds)]));
    assert!(!matches!(follow(&timed), Some(FollowUp::UseBackend(..))), "the CPU searches for the engine's own reason");
    assert!(timed.plan.is_some() && timed.can_search(), "the timing still sizes the search");
    let chosen = reduce(&state, Action::BackendChosen(BackendChoice::Always(BackendKind::Webgpu)));
    assert_eq!(chosen.pending, state.pending);
}

#[test]
fn the_timing_uses_the_dataset_input() {
    let mut state = on_webgpu(&booted(BackendChoice::Faster));
    state = reduce(&state, Action::DatasetChosen(DatasetKind::Procedural));
    let request = state.speed_request(true);
    assert_eq!((request.space.input.channels, request.space.input.height), (3, 32));
    assert_eq!(BackendChoice::from_key("webgpu"), Some(BackendChoice::Always(BackendKind::Webgpu)));
    assert_eq!(BackendChoice::from_key("gpu"), None);
}

#[test]
fn the_timing_sizes_the_search_to_the_time_budget_until_the_visitor_sizes_it() {
    use ui::model::form::Field;
    let state = on_webgpu(&booted(BackendChoice::Faster));
    assert_eq!(state.form.get(Field::TimeBudget), "3", "the page's default budget");
    let timed = reduce(&state, Action::Engine(vec![FromEngine::BackendsMeasured(speeds(900.0))]));
    let plan = timed.plan.clone().expect("sized to the budget");
    assert!(plan.contains("about 3 min 00 s at 100 ms a training step on the CPU"), "{plan}");
    let request = timed.form.to_request().expect("the sized form checks");
    assert_eq!(request.search.time_budget_s, Some(180.0));
    let steps_of = |r: &protocol::RunRequest| (r.search.population, r.search.generations, r.training.steps, r.training.fine_tune_steps);
    let sized = ui::model::plan::fit(180.0, 100.0, ui::model::plan::Sizing { references: true, inheritance: true, rungs: None, batch_size: request.training.batch_size });
    assert_eq!(steps_of(&request), (sized.population, sized.generations, sized.steps, sized.fine_tune_steps));
    let schedule = &request.space.schedule;
    assert_eq!((schedule.stage2_at, schedule.stage3_at), sized.stages_at, "the stages open within the generations that fit");
    // A minute resizes it; a size typed by hand stays, even through a new timing.
    let minute = reduce(&timed, Action::FormEdited(Field::TimeBudget, "1".into()));
    let shorter = minute.form.to_request().unwrap();
    assert_eq!(shorter.search.time_budget_s, Some(60.0));
    let planned = |r: &protocol::RunRequest| r.search.population * r.search.generations * r.training.steps;
    assert!(planned(&shorter) < planned(&request), "a minute plans less training");
    assert!(shorter.training.steps >= protocol::floor_steps(shorter.training.batch_size), "never below the floor");
    let by_hand = reduce(&minute, Action::FormEdited(Field::Population, "5".into()));
    assert!(by_hand.plan.is_none() && by_hand.sized_by_hand);
    let again = reduce(&reduce(&by_hand, Action::TimeBackendsRequested), Action::Engine(vec![FromEngine::BackendsMeasured(speeds(900.0))]));
    assert_eq!(again.form.get(Field::Population), "5");
    for bad in ["0", "-1", "2000", "soon"] {
        let errors = reduce(&timed, Action::FormEdited(Field::TimeBudget, bad.into())).form.to_request().unwrap_err();
        assert!(errors[&Field::TimeBudget].contains("a positive number of minutes, at most 1440"), "{bad}: {errors:?}");
    }
    let none = reduce(&timed, Action::FormEdited(Field::TimeBudget, String::new()));
    assert_eq!(none.form.to_request().unwrap().search.time_budget_s, None, "empty: no time limit");
}

#[test]
fn another_input_shape_is_timed_again_so_the_plan_fits_what_will_train() {
    let state = on_webgpu(&booted(BackendChoice::Faster));
    let during = reduce(&state, Action::DatasetChosen(DatasetKind::Procedural));
    assert_eq!(during.pending, state.pending, "nothing new while the first timing runs");
    let digits = reduce(&state, Action::Engine(vec![FromEngine::BackendsMeasured(speeds(900.0))]));
    let planned = digits.plan.clone().expect("sized for the digits");
    let procedural = reduce(&digits, Action::DatasetChosen(DatasetKind::Procedural));
    let Some(FollowUp::TimeBackends { request, signature }) = follow(&procedural) else { panic!("timed again: {:?}", procedural.pending) };
    assert_eq!((request.space.input.channels, request.space.input.height), (3, 32));
    assert!(signature.contains("3x32x32") && procedural.backends.timing, "{signature}");
    let mut slower = speeds(900.0);
    slower.cpu.median_step_ms = 300.0;
    let resized = reduce(&procedural, Action::Engine(vec![FromEngine::BackendsMeasured(slower)]));
    let plan = resized.plan.clone().expect("sized again");
    assert!(plan != planned && plan.contains("at 300 ms a training step"), "{plan}");
    // A tabular dataset trains nothing and times nothing; the same input again is not timed.
    let tabular = reduce(&digits, Action::DatasetChosen(DatasetKind::ALL.into_iter().find(|d| d.tabular()).unwrap()));
    assert_eq!(tabular.pending, digits.pending);
    let same = reduce(&digits, Action::DatasetChosen(DatasetKind::Digits));
    assert_eq!(same.pending, digits.pending);
}
