//! Search runs: config checks, cheap objectives before expensive ones, constraints, the
//! evaluation cache, budgets, determinism, snapshot/restore and tabular NAS-Bench-201 searches.


use engine::hardware::Target;
use engine::search::{
    ArchSpace, Constraints, Compute, Details, Objective, Outcome, RecordStatus, Search, SearchConfig, StrategyKind, violation,
};
use engine::space::{Genotype, InputShape, SpaceConfig, StageSchedule};
use engine::tabular::{Nb201Dataset, Nb201SearchSpace, Nb201Table};

fn table() -> Nb201Table {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/nb201/nb201_12ep.json")).expect("table");
    Nb201Table::from_json(&text).expect("valid table")
}

fn arch_space() -> ArchSpace {
    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.schedule = StageSchedule { stage2_at: 2, stage3_at: 4, disabled: vec![] };
    ArchSpace::new(config, Target::Mobile).expect("valid space")
}

/// A stand-in for training (what these tests check is the run around it): a deterministic error
/// from the genotype's text.
fn pseudo_error(genotype: &Genotype) -> f64 {
    let h = engine::rng::fnv1a64(genotype.to_text().as_bytes());
    0.05 + (h % 1000) as f64 / 2000.0
}

fn run_arch(search: &mut Search<ArchSpace>) -> Vec<String> {
    let mut order = Vec::new();
    while let Some(candidate) = search.next_candidate() {
        order.push(candidate.arch_id.clone());
        let outcome = Outcome::Evaluated { error: pseudo_error(&candidate.solution), details: Details::default() };
        search.record(&candidate.arch_id, outcome).expect("pending candidate");
    }
    order
}

fn config(population: u32, generations: u32) -> SearchConfig {
    SearchConfig { population, generations, seed: 7, ..SearchConfig::default() }
}

#[test]
fn config_errors_name_field_value_and_range() {
    let cases: Vec<(SearchConfig, &str)> = vec![
        (SearchConfig { objectives: Vec::new(), ..SearchConfig::default() }, "allowed: 1 to 5"),
        (SearchConfig { objectives: vec![Objective::Error, Objective::Error], ..SearchConfig::default() }, "at most once"),
        (SearchConfig { population: 1, ..SearchConfig::default() }, "population = 1 is invalid; allowed: 2 to 1000"),
        (SearchConfig { generations: 0, ..SearchConfig::default() }, "generations = 0"),
        (SearchConfig { time_budget_s: Some(-1.0), ..SearchConfig::default() }, "time_budget_s = -1"),
        (
            SearchConfig { constraints: Constraints { max_latency_ms: Some(0.0), ..Constraints::default() }, ..SearchConfig::default() },
            "constraints.max_latency_ms",
        ),
    ];
    for (config, expected) in cases {
        let message = config.check().expect_err(expected).to_string();
        assert!(message.contains(expected), "{message}");
    }
    let single = SearchConfig { strategy: StrategyKind::RegularizedEvolution, objectives: vec![Objective::Error], ..SearchConfig::default() };
    assert!(single.check().is_ok(), "single-objective baselines are allowed");
}

#[test]
fn nsga2_on_the_error_alone_runs_its_generations_and_keeps_the_best() {
    let single = SearchConfig { objectives: vec![Objective::Error], ..config(6, 4) };
    let mut search = Search::new(arch_space(), single.check().expect("NSGA-II with one objective"));
    run_arch(&mut search);
    assert_eq!(search.reports().len(), 4);
    let best = |generation: usize| search.reports()[generation].front.iter().map(|p| p.objectives[0]).fold(f64::INFINITY, f64::min);
    assert!(best(3) <= best(0), "elitist: the best error never gets worse");
    assert!(search.reports().iter().all(|r| r.front.iter().all(|p| p.objectives.len() == 1)));
}

#[test]
fn same_seed_same_genotypes_and_fronts_different_seed_differs() {
    let run = |seed: u64| {
        let mut search = Search::new(arch_space(), SearchConfig { seed, ..config(10, 5) }.check().expect("valid"));
        let order = run_arch(&mut search);
        let fronts: Vec<Vec<String>> =
            search.reports().iter().map(|r| r.front.iter().map(|p| p.arch_id.clone()).collect()).collect();
        (order, fronts)
    };
    let (a, fa) = run(1);
    let (b, fb) = run(1);
    let (c, _) = run(2);
    assert_eq!(a, b);
    assert_eq!(fa, fb);
    assert_ne!(a, c);
    assert!(a.len() >= 40, "{} candidates trained", a.len());
}

#[test]
fn restored_search_continues_exactly_mid_generation() {
    let valid = config(8, 6).check().expect("valid");
    let mut original = Search::new(arch_space(), valid.clone());
    for _ in 0..21 {
        let candidate = original.next_candidate().expect("still running");
        let outcome = Outcome::Evaluated { error: pseudo_error(&candidate.solution), details: Details::default() };
        original.record(&candidate.arch_id, outcome).expect("pending");
    }
    let pending = original.next_candidate().expect("a pending candidate");
    let json = serde_json::to_string(&original.snapshot()).expect("serialises");
    let mut restored = Search::restore(arch_space(), serde_json::from_str(&json).expect("deserialises")).expect("checks");
    assert_eq!(restored.next_candidate(), Some(pending));
    assert_eq!(run_arch(&mut original), run_arch(&mut restored));
    assert_eq!(original.records(), restored.records());
    assert_eq!(original.reports(), restored.reports());
}

#[test]
fn progressive_stages_open_on_schedule_and_reports_count_the_work() {
    let mut search = Search::new(arch_space(), config(10, 6).check().expect("valid"));
    run_arch(&mut search);
    let reports = search.reports();
    assert_eq!(reports.len(), 6);
    assert_eq!(reports.iter().map(|r| r.stage).collect::<Vec<_>>(), [1, 1, 2, 2, 3, 3].map(Some).to_vec());
    for record in search.records() {
        let stage = search.space().stage_at(record.generation);
        assert!(search.space().space().check_contains_at(&record.solution, stage).is_ok(), "{}", record.text);
    }
    assert_eq!(reports[0].counts.sampled, 10);
    for r in &reports[1..] {
        assert_eq!(r.counts.parents_selected % 2, 0);
        assert!(r.counts.mutations.values().sum::<usize>() > 0);
        assert!(!r.front.is_empty());
        assert!(r.hypervolume > 0.0);
    }
    assert!(reports.windows(2).all(|w| w[1].hypervolume >= w[0].hypervolume), "the archive's hypervolume never falls");
    assert_eq!(search.progress(0.0), 1.0);
}

#[test]
fn constraint_violators_are_never_sent_to_training() {
    let limit = 60_000;
    let constraints = Constraints { max_params: Some(limit), ..Constraints::default() };
    let valid = SearchConfig { constraints, max_resample: 3, ..config(12, 4) }.check().expect("valid");
    let mut search = Search::new(arch_space(), valid);
    while let Some(candidate) = search.next_candidate() {
        assert!(candidate.cheap.params <= limit, "{} has {} params", candidate.text, candidate.cheap.params);
        search
            .record(&candidate.arch_id, Outcome::Evaluated { error: pseudo_error(&candidate.solution), details: Details::default() })
            .expect("pending");
    }
    let violators: Vec<_> =
        search.records().iter().filter(|r| r.status == RecordStatus::ConstraintViolated).collect();
    let resampled: usize = search.reports().iter().map(|r| r.counts.constraint_resamples).sum();
    assert!(resampled > 0, "a tight limit forces resampling");
    for v in &violators {
        assert!(v.fitness.violation > 0.0 && v.error.is_none());
        assert!(violation(&constraints, &v.cheap) > 0.0);
    }
    let kept: usize = search.reports().iter().map(|r| r.counts.violators_kept).sum();
    assert_eq!(kept, violators.len());
    assert_eq!(kept as u32, search.reports().iter().map(|r| r.violators_not_trained).sum::<u32>());
    assert!(search.front().iter().all(|r| r.cheap.params <= limit));
}

#[test]
fn failures_are_recorded_and_the_search_goes_on() {
    let mut search = Search::new(arch_space(), config(6, 3).check().expect("valid"));
    let first = search.next_candidate().expect("candidate");
    assert!(search.record("not-the-pending-id", Outcome::Failed { reason: "x".into() }).is_err());
    assert!(search.record(&first.arch_id, Outcome::Evaluated { error: 1.5, details: Details::default() }).is_err());
    search.record(&first.arch_id, Outcome::Failed { reason: "loss diverged (NaN)".into() }).expect("pending");
    run_arch(&mut search);
    assert_eq!(search.records()[0].status, RecordStatus::Failed { reason: "loss diverged (NaN)".into() });
    assert_eq!(search.reports()[0].failures, 1);
    assert!(search.front().iter().all(|r| r.arch_id != first.arch_id));
}

#[test]
fn budgets_stop_the_run() {
    let mut by_evaluations =
        Search::new(arch_space(), SearchConfig { max_evaluations: Some(15), ..config(10, 50) }.check().expect("valid"));
    assert_eq!(run_arch(&mut by_evaluations).len(), 15);
    assert!(by_evaluations.finished(0.0));

    let mut by_time = Search::new(arch_space(), SearchConfig { time_budget_s: Some(2.0), ..config(10, 50) }.check().expect("valid"));
    assert!(by_time.next_candidate_at(0.5).is_some());
    assert_eq!(by_time.progress(1.0), 0.5);
    assert!(by_time.next_candidate_at(2.0).is_none());

    // Compute as the budget: each candidate here trains 40 steps of 8 images in 0.5 s.
    let mut by_steps = Search::new(arch_space(), SearchConfig { max_train_steps: Some(500), ..config(10, 50) }.check().expect("valid"));
    let mut trained = 0;
    while let Some(candidate) = by_steps.next_candidate() {
        let details = Details { train_steps: Some(40.0), train_samples: Some(320.0), train_ms: Some(500.0), ..Details::default() };
        let outcome = Outcome::Evaluated { error: pseudo_error(&candidate.solution), details };
        by_steps.record(&candidate.arch_id, outcome).expect("pending candidate");
        trained += 1;
    }
    assert_eq!(trained, 13, "stops once 500 steps are spent: 13 candidates of 40");
    assert_eq!(by_steps.compute(), Compute { train_steps: 520, train_samples: 4160, train_seconds: 6.5 });
    assert_eq!(by_steps.progress(0.0), 1.0);
    let first = &by_steps.reports()[0];
    assert_eq!(first.compute.train_steps, 400, "a generation's summary carries the compute spent up to it");
    let restored = Search::restore(arch_space(), serde_json::from_str(&serde_json::to_string(&by_steps.snapshot()).unwrap()).unwrap()).unwrap();
    assert_eq!(restored.compute(), by_steps.compute(), "compute survives a checkpoint");
    let refused = SearchConfig { max_train_steps: Some(0), ..SearchConfig::default() }.check().unwrap_err();
    assert!(refused.to_string().contains("max_train_steps = 0 is invalid"), "{refused}");
}

#[test]
fn cheap_only_objectives_need_no_training() {
    let valid = SearchConfig { objectives: vec![Objective::Latency, Objective::Params, Objective::Energy], ..config(10, 4) }
        .check()
        .expect("valid");
    let mut search = Search::new(arch_space(), valid);
    assert!(search.next_candidate().is_none());
    assert_eq!(search.evaluations(), 0);
    assert_eq!(search.reports().len(), 4);
    assert!(search.records().iter().all(|r| r.status == RecordStatus::CheapOnly));
}

#[test]
fn tabular_search_caches_by_id_and_finds_good_cells() {
    let table = table();
    let space = Nb201SearchSpace::new(Nb201Dataset::Cifar10, Target::Edge);
    let valid = SearchConfig {
        objectives: vec![Objective::Error, Objective::Params],
        population: 20,
        generations: 15,
        ..SearchConfig::default()
    }
    .check()
    .expect("valid");
    let mut search = Search::new(space, valid);
    table.run(&mut search);
    assert_eq!(search.reports().len(), 15);
    let ids: std::collections::BTreeSet<&str> = search.records().iter().map(|r| r.arch_id.as_str()).collect();
    assert_eq!(ids.len(), search.records().len(), "no architecture is evaluated twice");
    let best = search.front().into_iter().map(|r| r.details.valid_accuracy.unwrap_or(0.0)).fold(0.0, f64::max);
    // The table's best 12-epoch CIFAR-10 validation accuracy is about 86%; random cells
    // average far lower.
    assert!(best > 82.0, "best validation accuracy {best}");
}
