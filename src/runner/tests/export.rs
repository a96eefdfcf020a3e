//! A finished run's trained networks leave the page as files: a Burn record that loads back
//! into the same architecture, and ONNX (checked by onnxruntime in the test command's `onnx`
//! level) for candidates and references alike.

mod common;

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Distribution, Tensor};
use common::run_to_end;
use engine::space::{Genotype, Space};
use engine::tabular::{Nb201Dataset, Nb201Table};
use nn::backend;
use nn::candidate::Network;
use protocol::{CandidateReport, DatasetChoice, FromEngine, ModelFormat, RunRequest, TrainingSettings};
use runner::Run;

fn tiny(references: bool) -> RunRequest {
    let mut request = RunRequest::default_digits();
    request.space.cell_widths = vec![vec![4, 8], vec![8]];
    request.space.max_layers = 2;
    request.search.population = 3;
    request.search.generations = 1;
    request.search.seed = 11;
    request.training = TrainingSettings { steps: 4, fine_tune_steps: 2, batch_size: 8, latency_runs: 0, valid_fraction: 0.02, references, ..TrainingSettings::default() };
    request
}

fn candidates(events: &[FromEngine]) -> Vec<&CandidateReport> {
    events.iter().filter_map(|e| if let FromEngine::Candidate(c) = e { Some(c) } else { None }).collect()
}

#[test]
fn trained_weights_export_as_a_burn_record_that_loads_back() {
    let _device = common::exclusive_device();
    let mut run = Run::new(&tiny(false), backend::cpu(), None).unwrap();
    let events = run_to_end(&mut run);
    let last = *candidates(&events).last().unwrap();
    let bytes = pollster::block_on(run.export(&last.arch_id, ModelFormat::Burnpack)).unwrap();
    let space = Space::new(run.info().space.clone().unwrap()).unwrap();
    let genotype = Genotype::parse(&last.text).unwrap();
    let device = backend::cpu();
    let fresh = Network::new(&space, &genotype, &device).unwrap();
    let loaded = Network::new(&space, &genotype, &device)
        .unwrap()
        .load_record(ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes)).unwrap());
    let x = Tensor::<4>::random([4, 1, 28, 28], Distribution::Default, &device);
    let (trained, untrained) = (loaded.forward(x.clone()).into_data(), fresh.forward(x).into_data());
    assert_ne!(trained, untrained, "the record holds the trained weights, not fresh ones");
    let error = pollster::block_on(run.export("0000000000000000", ModelFormat::Burnpack)).unwrap_err();
    assert!(error.contains("no longer in memory"), "{error}");
}

#[test]
fn candidates_and_references_export_as_onnx_that_names_them() {
    let _device = common::exclusive_device();
    let mut run = Run::new(&tiny(true), backend::cpu(), None).unwrap();
    let events = run_to_end(&mut run);
    let reference = events.iter().find_map(|e| if let FromEngine::Reference(r) = e { Some(r) } else { None }).expect("a reference");
    let candidate = *candidates(&events).first().unwrap();
    for (report, what) in [(candidate, "candidate"), (&reference.report, "reference")] {
        let bytes = pollster::block_on(run.export(&report.arch_id, ModelFormat::Onnx)).unwrap_or_else(|e| panic!("{what}: {e}"));
        let text = String::from_utf8_lossy(&bytes);
        for wanted in [report.text.as_str(), report.arch_id.as_str(), run.info().run_id.as_str(), "pixels", "logits", "BatchNormalization"] {
            assert!(text.contains(wanted), "the {what}'s ONNX file names {wanted:?}");
        }
    }
    let error = pollster::block_on(run.export("0000000000000000", ModelFormat::Onnx)).unwrap_err();
    assert!(error.contains("no longer in memory"), "{error}");
}

#[test]
fn a_tabular_run_has_no_networks_to_export() {
    let table = Nb201Table::from_json(&std::fs::read_to_string("../../www/nb201/nb201_12ep.json").unwrap()).unwrap();
    let mut request = RunRequest::default_digits();
    request.dataset = DatasetChoice::Nb201 { dataset: Nb201Dataset::Cifar10 };
    request.search.generations = 1;
    let mut run = Run::new(&request, backend::cpu(), Some(table)).unwrap();
    let events = run_to_end(&mut run);
    let first = *candidates(&events).first().unwrap();
    let error = pollster::block_on(run.export(&first.arch_id, ModelFormat::Onnx)).unwrap_err();
    assert!(error.contains("looked up, not trained"), "{error}");
}
