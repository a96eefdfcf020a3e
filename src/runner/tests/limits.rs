//! Memory limits before training: a candidate predicted to need more than the device allows
//! is not trained; it fails with the figures, and the run goes on.

mod common;

use common::run_to_end;
use engine::memory::MemoryLimits;
use engine::search::RecordStatus;
use nn::backend;
use protocol::{FromEngine, RunRequest, TrainingSettings};
use runner::Run;

#[test]
fn candidates_beyond_the_devices_memory_are_not_trained_and_say_why() {
    let _device = common::exclusive_device();
    let mut request = RunRequest::default_digits();
    request.space.cell_widths = vec![vec![4], vec![8]];
    request.space.max_layers = 2;
    request.search.population = 2;
    request.search.generations = 1;
    request.training = TrainingSettings { steps: 2, batch_size: 8, latency_runs: 0, valid_fraction: 0.02, references: false, ..TrainingSettings::default() };
    let mut run = Run::new(&request, backend::cpu(), None).unwrap();
    // 8 images × 8 channels × 28 × 28 values × 4 bytes is 200,704 bytes: the stem's output alone.
    run.limit_memory(MemoryLimits { max_tensor_bytes: Some(100_000), max_total_bytes: None, source: "a tiny device".into() });
    let events = run_to_end(&mut run);
    let reports: Vec<_> = events.iter().filter_map(|e| if let FromEngine::Candidate(c) = e { Some(c) } else { None }).collect();
    assert_eq!(reports.len(), 2, "the run goes on past candidates that do not fit");
    for report in reports {
        let RecordStatus::Failed { reason } = &report.status else { panic!("{:?}", report.status) };
        assert!(reason.starts_with("not trained: training it at batch 8 needs about"), "{reason}");
        assert!(reason.contains("largest tensor 196 KiB: the stem's output, 8 × 8 × 28 × 28 values of 4 bytes"), "{reason}");
        assert!(reason.ends_with("but a tiny device allows at most 97.7 KiB per tensor"), "{reason}");
        assert_eq!(report.details.train_steps, None, "nothing was trained");
    }
}

/// A run whose latency limit is on this device: the profile calibrated here predicts every
/// candidate's latency before training, and no candidate over the limit is trained.
#[test]
fn with_this_devices_profile_no_candidate_over_the_latency_limit_trains() {
    let _device = common::exclusive_device();
    let mut request = RunRequest::default_digits();
    request.space.cell_widths = vec![vec![4, 8], vec![8, 16]];
    request.space.max_layers = 2;
    request.search.population = 4;
    request.search.generations = 2;
    request.search.max_resample = 1;
    request.training = TrainingSettings { steps: 2, fine_tune_steps: 1, batch_size: 8, latency_runs: 0, valid_fraction: 0.02, references: false, ..TrainingSettings::default() };
    let quick = nn::calibrate::CalibrationConfig { chains: vec![1, 4], rounds: 3, warmup: 1, shortest_run_ms: 0.0 };
    let table = pollster::block_on(nn::calibrate::calibrate(&request.space, &quick, &backend::cpu(), async |_, _| {})).unwrap();
    let space = engine::search::ArchSpace::with_table(request.space.clone(), request.search.target, table.clone()).unwrap();
    let mut rng = engine::rng::rng_for(engine::rng::Seed(1), "limit");
    let mut latencies: Vec<f64> = (0..51)
        .map(|_| engine::search::SearchSpace::cheap(&space, &space.space().sample(engine::space::Stage::Three, &mut rng)).latency_ms)
        .collect();
    latencies.sort_by(f64::total_cmp);
    let limit = latencies[25];
    request.search.constraints.max_latency_ms = Some(limit);
    request.latency_table = Some(table.clone());
    let events = run_to_end(&mut Run::new(&request, backend::cpu(), None).unwrap());
    let reports: Vec<_> = events.iter().filter_map(|e| if let FromEngine::Candidate(c) = e { Some(c) } else { None }).collect();
    assert!(reports.iter().any(|r| r.details.train_steps.is_some()), "some are trained");
    assert!(reports.iter().any(|r| r.status == RecordStatus::ConstraintViolated), "some break the limit");
    for report in &reports {
        let genotype: engine::space::Genotype = report.text.parse().unwrap();
        assert_eq!(report.cheap.latency_ms, table.predict_ms(&request.space, &genotype).unwrap(), "predicted by the profile");
        if report.cheap.latency_ms > limit {
            assert_eq!(report.status, RecordStatus::ConstraintViolated, "{}", report.text);
            assert_eq!(report.details.train_steps, None, "{} was trained", report.text);
        }
    }
    // A damaged profile is refused with its problem before anything runs.
    let mut damaged = table;
    damaged.blocks[0].ms = -1.0;
    request.latency_table = Some(damaged);
    let refused = Run::new(&request, backend::cpu(), None).err().expect("refused").to_string();
    assert!(refused.contains("the device profile's block 0") && refused.contains("takes -1 ms"), "{refused}");
}
