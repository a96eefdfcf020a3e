//! The user's dataset files as the worker reads them, and a run trained on them (CPU backend).

mod common;

use common::run_to_end;
use nn::backend;
use protocol::{DatasetChoice, FileFormat, FromEngine, LoadDataset, RunRequest, TrainingSettings};
use runner::files::{read_dataset, summary};
use runner::{Run, RunError};

fn load(format: FileFormat) -> LoadDataset {
    LoadDataset { format, name: "mine".into(), side: 32 }
}

/// `count` CIFAR-10 records with labels cycling 0..9 and pixels that depend on the label.
fn cifar(count: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(count * 3073);
    for i in 0..count {
        let label = (i % 10) as u8;
        bytes.push(label);
        bytes.extend((0..3072).map(|p| ((p as u8) ^ (label * 25)).wrapping_add(i as u8)));
    }
    bytes
}

fn idx_images(count: u32, side: u32) -> Vec<u8> {
    let mut bytes = vec![0, 0, 8, 3];
    for v in [count, side, side] {
        bytes.extend(v.to_be_bytes());
    }
    bytes.extend((0..count * side * side).map(|i| (i % 251) as u8));
    bytes
}

fn idx_labels(count: u32) -> Vec<u8> {
    let mut bytes = vec![0, 0, 8, 1];
    bytes.extend(count.to_be_bytes());
    bytes.extend((0..count).map(|i| (i % 10) as u8));
    bytes
}

#[test]
fn an_idx_pair_is_told_apart_by_magic_numbers_in_either_order() {
    for files in [
        vec![("a.idx".to_string(), idx_labels(20)), ("b.idx".to_string(), idx_images(20, 12))],
        vec![("b.idx".to_string(), idx_images(20, 12)), ("a.idx".to_string(), idx_labels(20))],
    ] {
        let dataset = read_dataset(&load(FileFormat::Idx), &files).unwrap();
        let s = summary(&dataset);
        assert_eq!((s.images, s.classes, s.shape.channels, s.shape.height), (20, 10, 1, 12));
    }
    let three = vec![("a".to_string(), idx_labels(2)), ("b".to_string(), idx_images(2, 4)), ("c".to_string(), vec![1])];
    let error = read_dataset(&load(FileFormat::Idx), &three).unwrap_err();
    assert!(error.contains("exactly 2 files") && error.contains("3 chosen"), "{error}");
}

#[test]
fn garbled_files_are_refused_naming_the_file_and_the_problem() {
    let cases = [
        (FileFormat::Cifar10, vec![("data_batch_1.bin".to_string(), vec![7u8; 5000])], "data_batch_1.bin: truncated"),
        (FileFormat::Cifar10, vec![("labels.bin".to_string(), { let mut b = cifar(2); b[0] = 42; b })], "label 42"),
        (FileFormat::Idx, vec![("x".to_string(), vec![1, 2, 3]), ("y".to_string(), idx_labels(3))], "x: truncated"),
        (FileFormat::ImageFolder, vec![("cat/1.png".to_string(), b"not a png".to_vec()), ("dog/1.png".to_string(), vec![])], "cat/1.png"),
        (FileFormat::ImageFolder, vec![("only/1.png".to_string(), vec![1])], "at least 2"),
        (FileFormat::Cifar10, vec![], "no files"),
    ];
    for (format, files, expected) in cases {
        let error = read_dataset(&load(format), &files).unwrap_err();
        assert!(error.contains(expected), "{format:?}: {error}");
    }
}

#[test]
fn a_run_trains_on_the_users_files_and_needs_them_loaded() {
    let _device = common::exclusive_device();
    let dataset = read_dataset(&load(FileFormat::Cifar10), &[("data_batch_1.bin".to_string(), cifar(60))]).unwrap();
    let mut request = RunRequest::default_digits();
    request.dataset = DatasetChoice::Files;
    request.space.cell_widths = vec![vec![4], vec![8]];
    request.space.max_layers = 1;
    request.search.population = 2;
    request.search.generations = 1;
    request.training = TrainingSettings { steps: 2, batch_size: 8, latency_runs: 0, valid_fraction: 0.02, ..TrainingSettings::default() };
    assert!(matches!(Run::new(&request, backend::cpu(), None), Err(RunError::NoFiles)));
    let mut run = Run::with_dataset(&request, backend::cpu(), dataset).unwrap();
    let info = run.info().clone();
    assert_eq!((info.dataset.as_str(), info.images, info.space.as_ref().map(|s| s.input.channels)), ("mine", 60, Some(3)));
    let events = run_to_end(&mut run);
    let trained = events.iter().filter(|e| matches!(e, FromEngine::Candidate(c) if c.error.is_some())).count();
    assert_eq!(trained, 2, "both candidates trained on the user's images");
}
