//! Runs with rungs (successive halving inside each generation), natively with real training on
//! the built-in digits: networks stopped early are reported as such and never reach a front; a
//! resumed network continues its own training; a run checkpointed mid-rung or between the cut
//! and the resumes (its paused trainings lost) goes on exactly as the run never stopped; two training
//! threads give the run one gives.

mod common;

use common::run_to_end;
use engine::search::{RecordStatus, Rungs};
use nn::backend;
use protocol::{CandidateReport, FromEngine, RunRequest, TrainingSettings};
use runner::{Advance, Run};

/// Two generations of 6, each new network trained 9 steps (3 to the rung), children inheriting
/// and fine-tuning 3 (1 to the rung), one in three resuming.
fn with_rungs() -> RunRequest {
    let mut request = RunRequest::default_digits();
    request.space.cell_widths = vec![vec![4, 8], vec![8]];
    request.space.max_layers = 2;
    request.search.population = 6;
    request.search.generations = 2;
    request.search.seed = 5;
    request.search.rungs = Some(Rungs { fraction: 1.0 / 3.0, eta: 3 });
    request.training = TrainingSettings {
        steps: 9,
        fine_tune_steps: 3,
        batch_size: 8,
        latency_runs: 0,
        references: false,
        valid_fraction: 0.02,
        ..TrainingSettings::default()
    };
    request
}

fn candidates(events: &[FromEngine]) -> Vec<&CandidateReport> {
    events.iter().filter_map(|e| if let FromEngine::Candidate(c) = e { Some(c) } else { None }).collect()
}

/// What the run's candidates and generations amount to, without the times (nor the steps: a
/// resume that lost its paused training trains them all again).
fn scores(events: &[FromEngine]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            FromEngine::Candidate(c) => Some(format!("{} {} {:?} {:?} {:?}", c.candidate_id, c.text, c.error, c.status, c.resumes)),
            FromEngine::Generation(g) => Some(format!("{} {:?} {} {}", g.generation, g.front, g.hypervolume, g.stopped_early)),
            _ => None,
        })
        .collect()
}

#[test]
fn networks_stopped_early_are_reported_as_such_and_never_reach_a_front() {
    let _device = common::exclusive_device();
    let events = run_to_end(&mut Run::new(&with_rungs(), backend::cpu(), None).expect("starts"));
    let all = candidates(&events);
    let rung: Vec<&&CandidateReport> = all.iter().filter(|c| c.status == RecordStatus::Rung).collect();
    let resumed: Vec<&&CandidateReport> = all.iter().filter(|c| c.resumes.is_some()).collect();
    assert!(rung.len() >= 6 && !resumed.is_empty(), "{} at the rung, {} resumed", rung.len(), resumed.len());
    for c in &resumed {
        let from = all.iter().find(|r| Some(r.candidate_id) == c.resumes).expect("its rung record was reported");
        assert_eq!((from.status.clone(), &from.arch_id), (RecordStatus::Rung, &c.arch_id));
        let (rung_steps, rest) = (from.details.train_steps.expect("trained"), c.details.train_steps.expect("trained"));
        // A resumed network continues: its losses run on from the rung's, and only the rest is counted again.
        assert_eq!(c.losses.len() as f64, rung_steps + rest, "#{}", c.candidate_id);
        assert_eq!(&c.losses[..from.losses.len()], &from.losses[..]);
        assert!(rung_steps < rest, "a third at the rung, the rest resumed: {rung_steps} and {rest}");
    }
    let mut stopped = 0;
    for event in &events {
        if let FromEngine::Generation(g) = event {
            for point in &g.front {
                let c = all.iter().find(|c| c.candidate_id == point.candidate_id).expect("reported");
                assert_eq!(c.status, RecordStatus::Evaluated, "#{} on the front of generation {}", c.candidate_id, g.generation);
            }
            stopped += g.stopped_early;
        }
    }
    assert_eq!(stopped as usize, rung.len() - resumed.len());
}

#[test]
fn a_run_checkpointed_mid_rung_or_between_the_cut_and_the_resumes_goes_on_exactly() {
    let _device = common::exclusive_device();
    let mut request = with_rungs();
    // A restored run has lost its trained networks as well: its children could not inherit.
    request.training.inheritance = false;
    let whole = scores(&run_to_end(&mut Run::new(&request, backend::cpu(), None).expect("starts")));
    // After 3 of generation 0's networks reached the rung; after all 6 did, none resumed yet.
    for at_rung in [3, 6] {
        let mut first = Run::new(&request, backend::cpu(), None).expect("starts");
        let mut before = Vec::new();
        while candidates(&before).iter().filter(|c| c.status == RecordStatus::Rung).count() < at_rung {
            match pollster::block_on(first.advance(0.0, async |_| true)) {
                Advance::Scored(more) => before.extend(more),
                other => panic!("the run ended early: {other:?}"),
            }
        }
        assert!(candidates(&before).iter().all(|c| c.resumes.is_none()));
        let checkpoint = first.checkpoint(1.0).expect("checkpoints");
        drop(first);
        let mut second = Run::resume(&request, &checkpoint, backend::cpu(), None, None).expect("resumes");
        let after = run_to_end(&mut second);
        // A rung trained before the checkpoint lost its pause: its resume trains all 9 steps again
        // (and counts them); one trained after it resumes from the pause, 6 steps.
        let paused_before: Vec<u32> = candidates(&before).iter().map(|c| c.candidate_id).collect();
        for c in candidates(&after).into_iter().filter(|c| c.generation == 0 && c.resumes.is_some()) {
            let steps = if c.resumes.is_some_and(|from| paused_before.contains(&from)) { 9.0 } else { 6.0 };
            assert_eq!(c.details.train_steps, Some(steps), "#{} after {at_rung} rungs", c.candidate_id);
        }
        let mut joined = scores(&before);
        joined.extend(scores(&after));
        assert_eq!(joined, whole, "checkpointed after {at_rung} rungs: the same run");
    }
}

#[test]
fn two_training_threads_give_the_run_one_gives_with_rungs() {
    let _device = common::exclusive_device();
    let request = with_rungs();
    let alone = scores(&runner::blocking::drive_to_end(&mut Run::new(&request, backend::cpu(), None).expect("starts"), |_| {}));
    let mut run = Run::new(&request, backend::cpu(), None).expect("starts");
    assert_eq!(scores(&runner::blocking::drive_in_parallel(&mut run, 2, |_| {})), alone);
}
