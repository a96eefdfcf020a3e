//! The run as the page holds it: the front kept up to date as candidates arrive equals the
//! front recomputed from scratch, after a reload's truncation too; the line that says what is
//! training, and why.

use engine::moo::dominates;
use engine::search::{Objective, RecordStatus, StrategyKind};
use engine::tabular::{Nb201Dataset, Nb201Table};
use protocol::{DatasetChoice, FromEngine, RunRequest, TrainingProgress, TrainingRole};
use runner::Run;
use ui::model::run::{RunView, narrative, training_line};

/// The feasible, non-failed candidates no other one dominates, the first of each `arch_id`.
fn front_from_scratch(view: &RunView) -> Vec<usize> {
    let c = &view.candidates;
    let usable: Vec<usize> = (0..c.len()).filter(|&i| c[i].full_result() && !matches!(c[i].status, RecordStatus::Failed { .. })).collect();
    let mut front: Vec<usize> = Vec::new();
    for &i in &usable {
        let dominated = usable.iter().any(|&j| j != i && dominates(&c[j].objectives, &c[i].objectives));
        if !dominated && !front.iter().any(|&k| c[k].arch_id == c[i].arch_id) {
            front.push(i);
        }
    }
    front
}

/// The events of a 500-evaluation NAS-Bench-201 search on three objectives, its start first.
fn tabular_events() -> (protocol::RunInfo, Vec<FromEngine>) {
    tabular_run(StrategyKind::Nsga2, 20, 25)
}

/// The events of a NAS-Bench-201 search by `strategy` on three objectives, its start first.
fn tabular_run(strategy: StrategyKind, population: u32, generations: u32) -> (protocol::RunInfo, Vec<FromEngine>) {
    let table = Nb201Table::from_json(&std::fs::read_to_string("../../www/nb201/nb201_12ep.json").unwrap()).unwrap();
    let mut request = RunRequest::default_digits();
    request.dataset = DatasetChoice::Nb201 { dataset: Nb201Dataset::Cifar10 };
    request.search.strategy = strategy;
    request.search.objectives = vec![Objective::Error, Objective::Params, Objective::Macs];
    (request.search.population, request.search.generations) = (population, generations);
    let mut run = Run::new(&request, nn::backend::cpu(), Some(table)).unwrap();
    let info = run.info().clone();
    (info, runner::blocking::drive_to_end(&mut run, |_| {}))
}

#[test]
fn the_front_kept_as_candidates_arrive_is_the_front_recomputed() {
    let (info, events) = tabular_events();
    let mut view = RunView::default();
    for (n, event) in events.iter().enumerate() {
        view.apply(event);
        if n % 37 == 0 {
            assert_eq!(view.front(), front_from_scratch(&view), "after {} candidates", view.candidates.len());
        }
    }
    assert_eq!(view.candidates.len(), 500);
    assert!(view.front().len() > 1);
    assert_eq!(view.front(), front_from_scratch(&view));
    // A reload continues from a checkpoint: the page keeps what was saved before it.
    view.apply(&FromEngine::RunContinued { run_id: info.run_id.clone(), candidates: 120, generations: 6, references: 0 });
    assert_eq!(view.candidates.len(), 120);
    assert_eq!(view.front(), front_from_scratch(&view));
}

#[test]
fn the_narrative_says_how_each_strategy_made_its_generation() {
    let lines = |strategy| {
        let (info, events) = tabular_run(strategy, 8, 3);
        let mut view = RunView::default();
        for event in &events {
            view.apply(event);
        }
        view.generations.iter().map(|g| narrative(g, 0, info.population)).collect::<Vec<_>>()
    };
    let local = lines(StrategyKind::LocalSearch);
    assert!(local[0].starts_with("Generation 0: 8 architectures sampled at random"), "{}", local[0]);
    assert!(local[1].starts_with("Generation 1: 8 neighbours of the best network so far tried, one change each"), "{}", local[1]);
    let guided = lines(StrategyKind::PredictorGuided);
    assert!(guided[2].starts_with("Generation 2: the predictor ranked 100 mutations of the best networks and chose 8"), "{}", guided[2]);
    let nsga = lines(StrategyKind::Nsga2);
    assert!(nsga[1].starts_with("Generation 1: 8 parents chosen by tournament"), "{}", nsga[1]);
}

#[test]
fn a_network_trained_to_the_rung_only_never_enters_the_front() {
    let (_, events) = tabular_events();
    let mut view = RunView::default();
    for (n, event) in events.iter().enumerate() {
        let mut event = event.clone();
        // Every third candidate as if stopped at a rung, with a far better error than any.
        if let FromEngine::Candidate(c) = &mut event
            && n % 3 == 0
        {
            c.status = RecordStatus::Rung;
            c.objectives[0] = 0.0;
        }
        view.apply(&event);
    }
    assert!(view.front().iter().all(|&i| view.candidates[i].status != RecordStatus::Rung));
    assert_eq!(view.front(), front_from_scratch(&view));
}

#[test]
fn the_training_line_says_what_trains_why_and_for_how_long() {
    let progress = |role: TrainingRole, step: u32| TrainingProgress {
        candidate_id: 4,
        text: "8:conv3x3".into(),
        step,
        steps: 120,
        loss: 1.25,
        role,
        elapsed_ms: 2_000.0 * f64::from(step),
        run_elapsed_s: 30.0,
    };
    let reference = training_line(&progress(TrainingRole::Reference { name: "VGG-like".into() }, 30));
    assert_eq!(reference, "Training the reference VGG-like (hand-designed, the same steps as a new candidate): 8:conv3x3 — step 30 of 120, loss 1.25, about 3 min 00 s left for it");
    assert!(training_line(&progress(TrainingRole::Sampled, 1)).starts_with("Training #4, sampled at random: "));
    assert!(training_line(&progress(TrainingRole::Child, 119)).ends_with("about 2 s left for it"));
    assert!(training_line(&progress(TrainingRole::Imported, 0)).ends_with("loss 1.25"), "no estimate before a step");
}

#[test]
fn every_network_training_at_once_has_its_line_until_it_is_scored_and_the_eta_counts_the_workers() {
    let (mut info, events) = tabular_events();
    info.tabular = false;
    let scored: Vec<protocol::CandidateReport> =
        events.iter().filter_map(|e| if let FromEngine::Candidate(c) = e { Some(c.clone()) } else { None }).take(2).collect();
    let progress = |candidate_id: u32, role: TrainingRole, step: u32| {
        FromEngine::Training(TrainingProgress {
            candidate_id,
            text: "4:conv3x3".into(),
            step,
            steps: 10,
            loss: 1.0,
            role,
            elapsed_ms: 100.0 * f64::from(step),
            run_elapsed_s: 1.0,
        })
    };
    let vgg = || TrainingRole::Reference { name: "VGG-like".into() };
    let lines = |view: &RunView| view.training.iter().map(|t| (t.candidate_id, t.step, matches!(t.role, TrainingRole::Reference { .. }))).collect::<Vec<_>>();
    let mut eta = Vec::new();
    for workers in [1, 2] {
        info.workers = workers;
        let mut view = RunView::default();
        view.apply(&FromEngine::RunStarted(info.clone()));
        view.apply(&progress(0, TrainingRole::Sampled, 1));
        view.apply(&progress(1, TrainingRole::Sampled, 1));
        view.apply(&progress(0, TrainingRole::Sampled, 2));
        view.apply(&progress(0, vgg(), 1));
        assert_eq!(lines(&view), [(0, 2, false), (1, 1, false), (0, 1, true)], "one line each, the newest step");
        eta.push(view.eta_seconds().unwrap());
        assert_eq!(scored[0].candidate_id, 0);
        view.apply(&FromEngine::Candidate(scored[0].clone()));
        assert_eq!(lines(&view), [(1, 1, false), (0, 1, true)], "candidate #0 scored: the reference numbered 0 trains on");
        let mut report = scored[1].clone();
        report.candidate_id = 0;
        view.apply(&FromEngine::Reference(protocol::ReferenceReport { name: "VGG-like".into(), report }));
        assert_eq!(lines(&view), [(1, 1, false)]);
    }
    assert!((eta[0] / eta[1] - 2.0).abs() < 1e-9, "two workers train two candidates in the time of one: {eta:?}");
}

#[test]
fn each_reference_is_set_beside_the_cheapest_candidate_within_a_point_or_else_the_most_accurate() {
    use std::rc::Rc;
    use protocol::{CandidateReport, LatencyMeasurement, ReferenceReport};
    use ui::model::headline::matches;
    let (_, events) = tabular_events();
    let first: CandidateReport = events.iter().find_map(|e| if let FromEngine::Candidate(c) = e { Some(c.clone()) } else { None }).unwrap();
    let network = |candidate_id: u32, accuracy: f64, macs: u64, latency_ms: f64| {
        let mut c = first.clone();
        c.candidate_id = candidate_id;
        c.violation = 0.0;
        c.status = RecordStatus::Evaluated;
        c.error = Some(1.0 - accuracy);
        c.details.valid_accuracy = Some(accuracy);
        c.cheap.macs = macs;
        c.cheap.latency_ms = latency_ms;
        c.measured_latency = None;
        c
    };
    let reference = |name: &str, accuracy: f64, macs: u64| Rc::new(ReferenceReport { name: name.into(), report: network(0, accuracy, macs, 10.0) });
    let candidates: Vec<Rc<CandidateReport>> = vec![
        Rc::new(network(1, 0.951, 9_000_000, 8.0)),
        Rc::new(network(2, 0.945, 3_100_000, 3.8)),
        Rc::new(network(3, 0.930, 1_000_000, 1.0)),
        Rc::new(network(4, 0.980, 20_000_000, 30.0)),
    ];
    let lines = matches(&candidates, &[reference("VGG-like", 0.951, 11_800_000), reference("Big", 0.999, 50_000_000)]);
    assert_eq!(lines.len(), 2);
    let vgg = &lines[0];
    assert_eq!((vgg.candidate_id, vgg.comparable, vgg.measured), (2, true, false), "within one point at the fewest MACs: {vgg:?}");
    assert!((vgg.latency_share - 0.38).abs() < 1e-9);
    assert_eq!(vgg.line(), "VGG-like: 95.1 %, 11.8 M MACs — found #2: 94.5 %, 3.1 M MACs (26.3 % of its MACs), 38.0 % of its latency as predicted");
    let big = &lines[1];
    assert_eq!((big.candidate_id, big.comparable), (4, false), "none within a point: the most accurate");
    assert!(big.line().contains("closest found, the most accurate #4: 98.0 %"), "{}", big.line());
    // Measured latencies are compared when both networks have one.
    let mut timed = network(2, 0.945, 3_100_000, 3.8);
    timed.measured_latency = LatencyMeasurement::from_runs(1, vec![2.0; 3]);
    let mut reference_timed = network(0, 0.951, 11_800_000, 10.0);
    reference_timed.measured_latency = LatencyMeasurement::from_runs(1, vec![4.0; 3]);
    let lines = matches(&[Rc::new(timed)], &[Rc::new(ReferenceReport { name: "VGG-like".into(), report: reference_timed })]);
    assert!(lines[0].measured && (lines[0].latency_share - 0.5).abs() < 1e-9 && lines[0].line().ends_with("50.0 % of its latency measured here"));
    // Failed or infeasible candidates never count, and without references there is nothing to say.
    let mut failed = network(5, 0.999, 10, 0.1);
    failed.violation = 1.0;
    assert_eq!(matches(&[Rc::new(failed)], &[reference("VGG-like", 0.951, 11_800_000)]), vec![]);
    assert!(matches(&candidates, &[]).is_empty());
}
