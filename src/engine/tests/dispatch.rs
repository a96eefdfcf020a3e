//! Several workers at once: a run whose candidates are evaluated by 3 workers finishing in a
//! shuffled order records exactly what the run with one worker records, for every strategy,
//! with constraint violators, cache hits, a compute budget and rungs; a run restored from a snapshot
//! taken with two candidates out continues as the uninterrupted run.

use engine::hardware::Target;
use engine::rng::{EngineRng, Seed, rng_for};
use engine::search::{
    ArchSpace, Candidate, Constraints, Details, Dispatch, EvaluationRecord, Fidelity, GenerationSummary, Outcome, Rungs, Search,
    SearchConfig, StrategyKind,
};
use engine::space::{Genotype, InputShape, SpaceConfig, StageSchedule};
use rand::RngExt;

fn space() -> ArchSpace {
    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.schedule = StageSchedule { stage2_at: 1, stage3_at: 2, disabled: vec![] };
    ArchSpace::new(config, Target::Mobile).expect("valid space")
}

/// A stand-in for training (what these tests check is the order of the run around it): an
/// error and a number of steps from the genotype's text (a rung's error is higher, its steps
/// fewer); every seventh candidate fails.
fn outcome(candidate: &Candidate<Genotype>) -> Outcome {
    let h = engine::rng::fnv1a64(candidate.solution.to_text().as_bytes());
    if h.is_multiple_of(7) {
        return Outcome::Failed { reason: "diverged".into() };
    }
    let (steps, worse) = match candidate.fidelity {
        Fidelity::Full => (10 + h % 50, 0.0),
        Fidelity::Rung { .. } => (5 + h % 20, 0.2),
        Fidelity::Resume { .. } => (10 + h % 30, 0.0),
    };
    let details = Details { train_steps: Some(steps as f64), ..Details::default() };
    Outcome::Evaluated { error: 0.05 + worse + (h % 1000) as f64 / 2500.0, details }
}

fn configs() -> Vec<SearchConfig> {
    let base = SearchConfig { population: 6, generations: 4, seed: 11, ..SearchConfig::default() };
    vec![
        base.clone(),
        SearchConfig { constraints: Constraints { max_params: Some(80_000), ..Constraints::default() }, max_resample: 1, ..base.clone() },
        SearchConfig { max_train_steps: Some(500), ..base.clone() },
        SearchConfig { max_evaluations: Some(9), ..base.clone() },
        SearchConfig { strategy: StrategyKind::Random, ..base.clone() },
        SearchConfig { strategy: StrategyKind::RegularizedEvolution, tournament: 3, ..base.clone() },
        SearchConfig { strategy: StrategyKind::LocalSearch, ..base.clone() },
        SearchConfig { strategy: StrategyKind::PredictorGuided, ..base.clone() },
        SearchConfig { rungs: Some(Rungs { fraction: 0.34, eta: 3 }), ..base },
    ]
}

type Trace = (Vec<EvaluationRecord<Genotype>>, Vec<GenerationSummary>);

fn trace(search: &Search<ArchSpace>) -> Trace {
    (search.records().to_vec(), search.reports().to_vec())
}

fn one_worker(config: &SearchConfig) -> Trace {
    let mut search = Search::new(space(), config.clone().check().expect("valid config"));
    while let Some(candidate) = search.next_candidate() {
        search.record(&candidate.arch_id, outcome(&candidate)).expect("pending");
    }
    trace(&search)
}

/// Drives `search` with `workers` workers, each step finishing one of the candidates out,
/// chosen by `rng`, until the run ends or `until` says to stop. Returns the candidates out and
/// how many results were taken.
fn many_workers(
    search: &mut Search<ArchSpace>,
    workers: usize,
    rng: &mut EngineRng,
    until: impl Fn(&Search<ArchSpace>) -> bool,
) -> (Vec<Candidate<Genotype>>, u32) {
    let mut dispatch: Dispatch<Genotype, u32> = Dispatch::default();
    let mut taken = 0;
    loop {
        dispatch.hand_out(search, workers, 0.0);
        if dispatch.in_flight().is_empty() || until(search) {
            return (dispatch.in_flight().to_vec(), taken);
        }
        assert!(dispatch.in_flight().len() <= workers);
        let pick = rng.random_range(0..dispatch.in_flight().len());
        let done = dispatch.in_flight()[pick].clone();
        assert!(dispatch.complete(&done, outcome(&done), done.candidate_id));
        taken += 1;
        for committed in dispatch.commit(search, 0.0) {
            assert_eq!(committed.extra, committed.candidate.candidate_id);
            committed.recorded.expect("recorded in turn");
        }
    }
}

#[test]
fn three_workers_finishing_in_any_order_record_what_one_worker_records() {
    for config in configs() {
        let alone = one_worker(&config);
        assert!(alone.0.len() >= 6, "{config:?}");
        for seed in [1, 2, 3] {
            let mut search = Search::new(space(), config.clone().check().expect("valid config"));
            let mut rng = rng_for(Seed(seed), "completions");
            let (_, taken) = many_workers(&mut search, 3, &mut rng, |_| false);
            assert_eq!(trace(&search), alone, "{config:?}, order {seed}");
            // Each was handed out once, numbered right; only past a compute budget, which no
            // one can foresee, may results be left over.
            let over = taken - search.evaluations();
            assert!(over == 0 || (config.max_train_steps.is_some() && over < 3), "{over} results not recorded, {config:?}");
        }
    }
}

#[test]
fn a_run_restored_with_two_candidates_out_continues_as_the_uninterrupted_run() {
    let mut configs = configs();
    // Without rungs; with rungs mid-rung, and with some networks resuming.
    let cases = [(configs.remove(0), 8), (configs.last().cloned().expect("the rungs config"), 3), (configs.pop().expect("rungs"), 8)];
    for (config, records) in cases {
        let alone = one_worker(&config);
        let mut search = Search::new(space(), config.clone().check().expect("valid config"));
        let mut rng = rng_for(Seed(5), "completions");
        let (out, _) = many_workers(&mut search, 2, &mut rng, |s| s.records().len() >= records);
        assert_eq!(out.len(), 2, "two candidates out when the snapshot is taken, {config:?}");
        let saved = serde_json::to_string(&search.snapshot()).expect("snapshot");
        let mut resumed = Search::restore(space(), serde_json::from_str(&saved).expect("read back")).expect("restores");
        // What was out is handed out again first, numbered as before.
        resumed.next_candidate();
        assert_eq!(resumed.upcoming(2), out, "{config:?}");
        many_workers(&mut resumed, 2, &mut rng, |_| false);
        assert_eq!(trace(&resumed), alone, "{config:?}");
    }
}

#[test]
fn a_result_for_a_candidate_not_out_is_refused() {
    let config = configs().remove(0);
    let mut search = Search::new(space(), config.check().expect("valid config"));
    let mut dispatch: Dispatch<Genotype, ()> = Dispatch::default();
    let started = dispatch.hand_out(&mut search, 2, 0.0);
    assert_eq!(started.len(), 2);
    assert_eq!(started[1].candidate_id, started[0].candidate_id + 1);
    let mut stranger = started[1].clone();
    stranger.candidate_id += 5;
    assert!(!dispatch.complete(&stranger, outcome(&stranger), ()));
    // The second back first waits for the first.
    assert!(dispatch.complete(&started[1], outcome(&started[1]), ()));
    assert!(dispatch.commit(&mut search, 0.0).is_empty());
    assert!(dispatch.complete(&started[0], outcome(&started[0]), ()));
    let committed: Vec<u32> = dispatch.commit(&mut search, 0.0).iter().map(|c| c.candidate.candidate_id).collect();
    assert_eq!(committed, vec![started[0].candidate_id, started[1].candidate_id]);
}
