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
    request.training = TrainingSettings { steps: 2, batch_size: 8, latency_runs: 0, references: false, ..TrainingSettings::default() };
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
