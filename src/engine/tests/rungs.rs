//! Successive halving inside each generation: every new network trains to the rung first, the
//! batch is cut by non-dominated rank on its rung results, one in `eta` resumes from its own
//! rung, and a network stopped early never enters the front or its hypervolume; the run is
//! seeded and restores exactly from a snapshot taken mid-rung or mid-resume.

use std::collections::BTreeMap;

use engine::hardware::Target;
use engine::search::{
    ArchSpace, Candidate, Details, Fidelity, Objective, Outcome, RecordStatus, Rungs, Search, SearchConfig,
};
use engine::space::{Genotype, InputShape, SpaceConfig, StageSchedule};

fn space() -> ArchSpace {
    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.schedule = StageSchedule { stage2_at: 2, stage3_at: 4, disabled: vec![] };
    ArchSpace::new(config, Target::Mobile).expect("valid space")
}

const RUNGS: Rungs = Rungs { fraction: 0.25, eta: 3 };

fn config(objectives: Vec<Objective>) -> SearchConfig {
    SearchConfig { population: 8, generations: 4, seed: 3, objectives, rungs: Some(RUNGS), ..SearchConfig::default() }
}

/// A stand-in for training: a full error from the genotype's text; at the rung, an error far
/// *better* than any full one (so a rung record that leaked onto the front would dominate it),
/// in the same order as the full errors.
fn outcome(candidate: &Candidate<Genotype>) -> Outcome {
    let h = engine::rng::fnv1a64(candidate.solution.to_text().as_bytes());
    let full = 0.05 + (h % 1000) as f64 / 2000.0;
    let (error, steps) = match candidate.fidelity {
        Fidelity::Rung { .. } => (full / 100.0, 25.0),
        Fidelity::Resume { .. } => (full, 75.0),
        Fidelity::Full => (full, 100.0),
    };
    Outcome::Evaluated { error, details: Details { train_steps: Some(steps), ..Details::default() } }
}

fn run(search: &mut Search<ArchSpace>) -> Vec<Candidate<Genotype>> {
    let mut handed = Vec::new();
    while let Some(candidate) = search.next_candidate() {
        search.record(&candidate.arch_id, outcome(&candidate)).expect("pending candidate");
        handed.push(candidate);
    }
    handed
}

#[test]
fn every_network_reaches_the_rung_before_one_in_eta_resumes_from_its_own_rung() {
    let mut search = Search::new(space(), config(vec![Objective::Error]).check().expect("valid"));
    let handed = run(&mut search);
    let records = search.records();
    for generation in 0..4 {
        let of = |f: fn(&Fidelity) -> bool| handed.iter().filter(|c| c.generation == generation && f(&c.fidelity)).cloned().collect::<Vec<_>>();
        let rung = of(|f| matches!(f, Fidelity::Rung { fraction } if *fraction == 0.25));
        let resumed = of(|f| matches!(f, Fidelity::Resume { .. }));
        assert!(!rung.is_empty(), "generation {generation} trains new networks");
        assert!(of(|f| *f == Fidelity::Full).is_empty(), "nothing trains its whole budget at once");
        assert_eq!(resumed.len(), rung.len().div_ceil(3), "generation {generation}: one in three resumes");
        // The cut comes after the whole batch reached the rung.
        let last_rung = handed.iter().rposition(|c| c.generation == generation && matches!(c.fidelity, Fidelity::Rung { .. }));
        let first_resume = handed.iter().position(|c| c.generation == generation && matches!(c.fidelity, Fidelity::Resume { .. }));
        assert!(last_rung < first_resume);
        // Single objective: the survivors are the best at the rung, and each resumes its own rung.
        let mut rung_errors: Vec<f64> = rung.iter().map(|c| records[c.candidate_id as usize].error.expect("trained")).collect();
        rung_errors.sort_by(f64::total_cmp);
        for candidate in &resumed {
            let Fidelity::Resume { from, fraction } = candidate.fidelity else { unreachable!() };
            assert_eq!(fraction, 0.25);
            let from = &records[from as usize];
            assert_eq!((&from.arch_id, &from.status), (&candidate.arch_id, &RecordStatus::Rung));
            assert!(from.error.expect("rung error") <= rung_errors[resumed.len() - 1]);
            assert_eq!(records[candidate.candidate_id as usize].resumes, Some(from.candidate_id));
        }
        let report = &search.reports()[generation as usize];
        assert_eq!(report.stopped_early as usize, rung.len() - resumed.len());
    }
    // Compute counts what was trained: 25 steps to every rung, 75 more for each resumed.
    let rungs = handed.iter().filter(|c| matches!(c.fidelity, Fidelity::Rung { .. })).count() as u64;
    let resumes = handed.iter().filter(|c| matches!(c.fidelity, Fidelity::Resume { .. })).count() as u64;
    assert_eq!(search.compute().train_steps, 25 * rungs + 75 * resumes);
}

#[test]
fn a_network_stopped_early_never_enters_the_front_or_its_hypervolume() {
    let mut search = Search::new(space(), config(vec![Objective::Error, Objective::Params]).check().expect("valid"));
    run(&mut search);
    let records = search.records();
    assert!(records.iter().any(|r| r.status == RecordStatus::Rung && !records.iter().any(|s| s.resumes == Some(r.candidate_id))));
    for report in search.reports() {
        for point in &report.front {
            let record = &records[point.candidate_id as usize];
            assert_eq!(record.status, RecordStatus::Evaluated, "{} on the front of generation {}", record.arch_id, report.generation);
            assert!(point.objectives[0] >= 0.05, "a rung's error on the front");
        }
        assert!(report.hypervolume > 0.0);
    }
    assert!(search.front().iter().all(|r| r.status == RecordStatus::Evaluated && r.error.is_some_and(|e| e >= 0.05)));
}

#[test]
fn a_run_with_rungs_is_seeded_and_restores_exactly_mid_rung_and_mid_resume() {
    let valid = config(vec![Objective::Error, Objective::Latency, Objective::Params]).check().expect("valid");
    let mut whole = Search::new(space(), valid.clone());
    let handed = run(&mut whole);
    let mut again = Search::new(space(), valid.clone());
    assert_eq!(run(&mut again), handed, "same seed, same run");
    // Stop after the 3rd record (mid-rung of generation 0) and after the 10th (resuming).
    for stop_after in [3, 10] {
        let mut first = Search::new(space(), valid.clone());
        let mut seen = Vec::new();
        while first.records().len() < stop_after {
            let candidate = first.next_candidate().expect("still running");
            first.record(&candidate.arch_id, outcome(&candidate)).expect("pending");
            seen.push(candidate);
        }
        let pending = first.next_candidate().expect("a pending candidate");
        let json = serde_json::to_string(&first.snapshot()).expect("serialises");
        let mut restored = Search::restore(space(), serde_json::from_str(&json).expect("deserialises")).expect("checks");
        assert_eq!(restored.next_candidate(), Some(pending), "after {stop_after} records");
        seen.extend(run(&mut restored));
        assert_eq!(seen, handed, "after {stop_after} records");
        assert_eq!(restored.records(), whole.records());
        assert_eq!(restored.reports(), whole.reports());
    }
}

#[test]
fn a_snapshot_whose_rungs_do_not_add_up_is_refused() {
    let valid = config(vec![Objective::Error]).check().expect("valid");
    let mut search = Search::new(space(), valid);
    for _ in 0..2 {
        let candidate = search.next_candidate().expect("running");
        search.record(&candidate.arch_id, outcome(&candidate)).expect("pending");
    }
    let mut json: serde_json::Value = serde_json::to_value(search.snapshot()).expect("serialises");
    json["batch_rungs"][0] = serde_json::json!(1);
    let error = Search::restore(space(), serde_json::from_value(json).expect("reads")).expect_err("record 1 is another network's rung");
    assert!(error.contains("batch slot 0 names record 1"), "{error}");
}

#[test]
fn rungs_outside_their_ranges_are_refused_by_name() {
    let cases = [(Rungs { fraction: 1.0, eta: 3 }, "rungs.fraction = 1"), (Rungs { fraction: 0.3, eta: 1 }, "rungs.eta = 1 is invalid; allowed: 2 to 8")];
    for (rungs, expected) in cases {
        let message = SearchConfig { rungs: Some(rungs), ..SearchConfig::default() }.check().expect_err(expected).to_string();
        assert!(message.contains(expected), "{message}");
    }
    // Without the error objective nothing trains: rungs change nothing.
    let cheap = SearchConfig { objectives: vec![Objective::Params, Objective::Latency], ..config(vec![]) };
    let mut search = Search::new(space(), cheap.check().expect("valid"));
    assert!(search.next_candidate().is_none());
    let statuses: BTreeMap<String, usize> = search.records().iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(format!("{:?}", r.status)).or_default() += 1;
        m
    });
    assert_eq!(statuses.keys().collect::<Vec<_>>(), vec!["CheapOnly"]);
}
