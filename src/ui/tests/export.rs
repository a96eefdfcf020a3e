//! Exports of a real (tiny) run: the CSV parses back to one full row per candidate, the JSON
//! round-trips every report, and an exported genotype reads back as the same architecture.

#[path = "../../runner/tests/common/mod.rs"]
mod common;

use common::run_to_end;
use engine::space::Genotype;
use nn::backend;
use protocol::{CandidateReport, FromEngine, RunRequest, TrainingSettings};
use ui::model::export::{csv_field, file_name, genotype_json, read_genotype, run_csv, run_json};
use protocol::results::RunResults;
use ui::model::run::RunView;
use ui::model::state::{Action, AppState, reduce};
use runner::Run;

/// A finished two-candidate digits run as the page holds it.
fn finished_run() -> RunView {
    let _device = common::exclusive_device();
    let mut request = RunRequest::default_digits();
    request.space.cell_widths = vec![vec![4], vec![8]];
    request.space.max_layers = 2;
    request.search.population = 2;
    request.search.generations = 1;
    request.training = TrainingSettings { steps: 2, batch_size: 8, latency_runs: 2, valid_fraction: 0.02, ..TrainingSettings::default() };
    let mut run = Run::new(&request, backend::cpu(), None).unwrap();
    let mut view = RunView::default();
    view.apply(&FromEngine::RunStarted(run.info().clone()));
    for event in run_to_end(&mut run) {
        view.apply(&event);
    }
    view.apply(&FromEngine::RunFinished { end: protocol::RunEnd::Completed, evaluations: 2, seconds: 1.5 });
    view
}

/// Splits CSV text into rows of fields (quoted fields may hold commas, quotes and line breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field, mut quoted) = (Vec::new(), Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    rows
}

#[test]
fn the_csv_has_one_full_row_per_candidate_with_named_objective_columns() {
    let run = finished_run();
    let rows = parse_csv(&run_csv(&run));
    let header = &rows[0];
    assert_eq!(rows.len(), 1 + run.candidates.len());
    for objective in run.objectives() {
        assert!(header.contains(&format!("objective_{}", objective.name())), "{header:?}");
    }
    let column = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    for (row, candidate) in rows[1..].iter().zip(&run.candidates) {
        assert_eq!(row.len(), header.len(), "{row:?}");
        assert_eq!(row[column("genotype")], candidate.text, "a genotype with commas survives quoting");
        assert_eq!(row[column("arch_id")], candidate.arch_id);
        let measured: f64 = row[column("measured_latency_ms")].parse().unwrap();
        assert_eq!(Some(measured), candidate.measured_latency.as_ref().map(|m| m.median_ms));
        let error: f64 = row[column("objective_error")].parse().unwrap();
        assert_eq!(Some(error), candidate.error);
    }
}

#[test]
fn the_run_json_round_trips_every_report() {
    let run = finished_run();
    let document: serde_json::Value = serde_json::from_str(&run_json(&run)).unwrap();
    assert_eq!(document["format"], "efficientnas-run");
    assert_eq!(document["status"], "completed");
    assert_eq!(document["seconds"], 1.5);
    let candidates: Vec<CandidateReport> = serde_json::from_value(document["candidates"].clone()).unwrap();
    assert_eq!(candidates, run.candidates.iter().map(|c| (**c).clone()).collect::<Vec<_>>());
    assert_eq!(document["generations"].as_array().map(Vec::len), Some(1));
    assert_eq!(document["info"]["run_id"], run.info.as_ref().unwrap().run_id);
    let results = RunResults::read(&run_json(&run)).unwrap();
    assert_eq!((results.candidates.len(), results.ended()), (run.candidates.len(), protocol::RunEnd::Completed));
}

#[test]
fn exported_run_results_open_again_read_only_and_bad_files_get_a_notice() {
    let run = finished_run();
    let state = reduce(&AppState::default(), Action::RunImported(Ok(run_json(&run))));
    assert_eq!(state.run.candidates, run.candidates, "every candidate comes back");
    assert_eq!(state.run.generations, run.generations);
    assert_eq!(state.run.status.key(), "completed");
    assert!(state.notices.is_empty(), "{:?}", state.notices);
    for (text, problem) in [
        ("{", "not valid JSON"),
        ("{\"format\": \"efficientnas-genotype\"}", "its \"format\" must be \"efficientnas-run\""),
        ("{\"format\": \"efficientnas-run\", \"version\": 9}", "version 9; this page reads version 1"),
    ] {
        let refused = reduce(&state, Action::RunImported(Ok(text.into())));
        assert_eq!(refused.run.candidates, run.candidates, "a bad file loses nothing shown");
        assert!(refused.notices.last().is_some_and(|n| n.contains(problem)), "{problem}: {:?}", refused.notices);
    }
}

#[test]
fn an_exported_genotype_reads_back_as_the_same_architecture() {
    let run = finished_run();
    let candidate = &run.candidates[0];
    let exported = genotype_json(candidate, run.info.as_ref().unwrap());
    let document: serde_json::Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(document["arch_id"], candidate.arch_id);
    assert_eq!(document["scores"]["objectives"]["error"].as_f64(), candidate.error);
    let original = Genotype::parse(&candidate.text).unwrap();
    assert_eq!(serde_json::from_value::<Genotype>(document["genotype"].clone()).unwrap(), original);
    assert_eq!(read_genotype(&exported).unwrap(), original);
    assert_eq!(read_genotype(&candidate.text).unwrap(), original, "the canonical text imports too");
    assert_eq!(original.arch_id(), candidate.arch_id);
}

#[test]
fn bad_genotype_files_are_refused_with_what_is_wrong() {
    let cases = [
        ("{\"format\": \"something-else\", \"text\": \"8:skip\"}", "not an exported genotype"),
        ("{\"format\": \"efficientnas-genotype\"}", "no \"text\" field"),
        ("{\"format\": \"efficientnas-genotype\", \"text\": \"8:conv9x9\"}", "conv9x9"),
        ("{\"format\": ", "not valid JSON"),
        ("", "cannot be read"),
        ("eight:conv3x3", "eight"),
    ];
    for (input, expected) in cases {
        let error = read_genotype(input).unwrap_err();
        assert!(error.contains(expected), "{input:?}: {error}");
    }
    // A megabyte of garbage is quoted by its first characters and its length, not echoed.
    let huge = format!("16:{}", "conv3x3".repeat(150_000));
    let json = format!("{{\"format\": \"efficientnas-genotype\", \"text\": \"{huge}\"}}");
    for input in [huge.clone(), json] {
        let error = read_genotype(&input).unwrap_err();
        assert!(error.len() < 400 && error.contains("(1050000 characters)"), "{} characters: {}", error.len(), &error[..error.len().min(400)]);
    }
}

#[test]
fn csv_fields_and_file_names_are_made_safe() {
    assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    assert_eq!(file_name("run-1/../x y", "csv"), "run-1_.._x_y.csv");
}

#[test]
fn export_files_are_named_by_run_and_candidate() {
    use ui::model::export::{Export, export_file};
    let run = finished_run();
    let run_id = run.info.as_ref().unwrap().run_id.clone();
    let csv = export_file(&run, None, Export::RunCsv).unwrap();
    assert_eq!((csv.name, csv.mime), (format!("{run_id}.csv"), "text/csv"));
    assert!(export_file(&run, None, Export::GenotypeJson).is_none(), "no candidate selected");
    let text = export_file(&run, Some(1), Export::GenotypeText).unwrap();
    assert_eq!(text.name, format!("{run_id}-candidate-1.genotype.txt"));
    assert_eq!(text.text.trim(), run.candidates[1].text);
    assert!(export_file(&RunView::default(), None, Export::RunJson).is_none(), "no run, nothing to export");
}

#[test]
fn trained_networks_download_under_their_format_with_what_they_scored() {
    use protocol::ModelFormat;
    use ui::model::export::{Export, export_file, model_file_name, take_away};
    let run = finished_run();
    let info = run.info.as_ref().unwrap();
    assert_eq!(model_file_name("run 1", "00ff", ModelFormat::Onnx), "run_1-00ff.onnx");
    assert_eq!(model_file_name("run-1", "00ff", ModelFormat::Burnpack), "run-1-00ff.bpk");
    let onnx = Export::Model { format: ModelFormat::Onnx, reference: None };
    assert!(export_file(&run, Some(0), onnx).is_none(), "the engine holds the weights: the page asks it");
    let asked = ui::model::export::model_request(&run, Some(1), onnx);
    let expected = protocol::ToEngine::ExportWeights { run_id: info.run_id.clone(), arch_id: run.candidates[1].arch_id.clone(), format: ModelFormat::Onnx };
    assert_eq!(asked, Some(expected));
    assert_eq!(ui::model::export::model_request(&run, None, onnx), None, "no candidate selected");
    let reference = |r| Export::Model { format: ModelFormat::Onnx, reference: Some(r) };
    let first = protocol::ToEngine::ExportWeights { run_id: info.run_id.clone(), arch_id: run.references[0].report.arch_id.clone(), format: ModelFormat::Onnx };
    assert_eq!(ui::model::export::model_request(&run, Some(1), reference(0)), Some(first), "a reference, whatever is selected");
    assert_eq!(ui::model::export::model_request(&run, Some(1), reference(run.references.len())), None, "no such reference");
    assert_eq!(ui::model::export::model_request(&run, Some(1), Export::RunCsv), None, "a file the page writes itself");
    let c = &run.candidates[0];
    let said = take_away(c, info);
    let accuracy = format!("{:.1} % validation accuracy", (1.0 - c.error.unwrap()) * 100.0);
    assert!(said.starts_with(&accuracy), "{said}");
    assert!(said.contains("ms measured on this device"), "the run timed its candidates: {said}");
    assert!(said.ends_with(&format!("{} parameters", ui::model::format::count(c.cheap.params as f64))), "{said}");
    let mut untimed = (**c).clone();
    untimed.measured_latency = None;
    untimed.error = None;
    let said = take_away(&untimed, info);
    assert!(said.starts_with("accuracy not measured") && said.contains(&format!("ms predicted ({})", info.target.name())), "{said}");
}
