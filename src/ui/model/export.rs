//! What the page exports: a candidate's genotype (JSON with its scores, or the canonical text),
//! and all results of a run (JSON, or CSV with one row per candidate); and the genotype files it
//! reads back. Pure text in, text out.
//!
//! ```
//! use ui::model::export::{csv_field, read_genotype};
//! assert_eq!(csv_field("8:conv3x3,skip"), "\"8:conv3x3,skip\"");
//! assert_eq!(csv_field("plain"), "plain");
//! assert_eq!(read_genotype(" 8:conv3x3 | 16:skip ").unwrap().to_text(), "8:conv3x3|16:skip");
//! assert!(read_genotype("8:warp_drive").unwrap_err().contains("warp_drive"));
//! ```

use serde_json::json;

use engine::space::Genotype;
use protocol::results::RunResults;
use protocol::{CandidateReport, ModelFormat, RunInfo, ToEngine};
use crate::model::format::{count, short};
use engine::text::quoted;
use crate::model::run::{RunStatus, RunView};

/// The `format` of an exported genotype.
pub const GENOTYPE_FORMAT: &str = "efficientnas-genotype";
/// The version of the genotype format.
pub const EXPORT_VERSION: u32 = 1;

/// The candidate's genotype as JSON: format, canonical text, arch id, the parsed structure (for
/// the architecture space; NAS-Bench-201 cells have only their text), the space's input and
/// classes, and its scores.
pub fn genotype_json(candidate: &CandidateReport, info: &RunInfo) -> String {
    let structure = Genotype::parse(&candidate.text).ok().filter(|_| !info.tabular);
    let objectives: serde_json::Map<String, serde_json::Value> = info
        .objectives
        .iter()
        .zip(&candidate.objectives)
        .map(|(objective, value)| (objective.name().to_string(), json!(value)))
        .collect();
    let document = json!({
        "format": GENOTYPE_FORMAT,
        "version": EXPORT_VERSION,
        "text": candidate.text,
        "arch_id": candidate.arch_id,
        "genotype": structure,
        "input": info.space.as_ref().map(|s| s.input),
        "classes": info.space.as_ref().map(|s| s.classes),
        "dataset": info.dataset,
        "scores": {
            "objectives": objectives,
            "error": candidate.error,
            "violation": candidate.violation,
            "status": candidate.status,
            "cheap": candidate.cheap,
            "measured_latency": candidate.measured_latency,
            "details": candidate.details,
        },
    });
    pretty(&document)
}

/// Reads a genotype from an exported JSON file (its `text`) or from canonical text, or says
/// what is wrong.
pub fn read_genotype(input: &str) -> Result<Genotype, String> {
    let input = input.trim();
    if input.starts_with("{") {
        let document: serde_json::Value =
            serde_json::from_str(input).map_err(|e| format!("the file is not valid JSON: {e}"))?;
        if document.get("format").and_then(|f| f.as_str()) != Some(GENOTYPE_FORMAT) {
            return Err(format!("the JSON is not an exported genotype (its \"format\" must be \"{GENOTYPE_FORMAT}\")"));
        }
        let text = document
            .get("text")
            .and_then(|t| t.as_str())
            .ok_or("the exported genotype has no \"text\" field")?;
        return Genotype::parse(text).map_err(|e| format!("its text {} cannot be read: {e}", quoted(text)));
    }
    Genotype::parse(input).map_err(|e| format!("the genotype text cannot be read: {e}"))
}

/// Every result of the run as JSON (format `efficientnas-run`, see [`RunResults`]): what the
/// worker said at the start, every candidate report, generation summary and reference, and how
/// it ended. `cli search --out` writes the same format, and the page imports it.
pub fn run_json(run: &RunView) -> String {
    let results = RunResults {
        seconds: run.seconds,
        info: run.info.clone(),
        candidates: run.candidates.iter().map(|c| c.as_ref().clone()).collect(),
        generations: run.generations.iter().map(|g| g.as_ref().clone()).collect(),
        references: run.references.iter().map(|r| r.as_ref().clone()).collect(),
        end: match &run.status {
            RunStatus::Finished(end) => Some(end.clone()),
            _ => None,
        },
        ..RunResults::new(run.status.key())
    };
    results.to_json()
}

/// A CSV field, quoted when it holds a comma, quote or line break (quotes doubled).
pub fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

fn number(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or(String::new(), |v| v.to_string())
}

/// One row per candidate: number, generation, arch id, text, status, feasibility, each
/// objective by name, accuracy, measured latency (median and IQR), params, MACs, predicted
/// latency and energy, inherited parameters, training steps and time. Empty cells where a value
/// does not apply.
pub fn run_csv(run: &RunView) -> String {
    let objectives = run.objectives();
    let mut header: Vec<String> = ["candidate", "generation", "arch_id", "genotype", "status", "reason", "feasible", "violation"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(objectives.iter().map(|o| format!("objective_{}", o.name())));
    header.extend(
        [
            "valid_accuracy",
            "measured_latency_ms",
            "measured_latency_iqr_ms",
            "params",
            "macs",
            "predicted_latency_ms",
            "energy_mj",
            "inherited_params",
            "train_steps",
            "train_ms",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    let mut lines = vec![header.join(",")];
    for c in &run.candidates {
        let (status, reason) = match &c.status {
            engine::search::RecordStatus::Failed { reason } => ("failed", reason.as_str()),
            other => (record_status_name(other), ""),
        };
        let mut row = vec![
            c.candidate_id.to_string(),
            c.generation.to_string(),
            c.arch_id.clone(),
            csv_field(&c.text),
            status.to_string(),
            csv_field(reason),
            c.feasible().to_string(),
            number(Some(c.violation)),
        ];
        row.extend((0..objectives.len()).map(|k| number(c.objectives.get(k).copied())));
        row.extend([
            number(c.details.valid_accuracy),
            number(c.measured_latency.as_ref().map(|m| m.median_ms)),
            number(c.measured_latency.as_ref().map(|m| m.iqr_ms)),
            c.cheap.params.to_string(),
            c.cheap.macs.to_string(),
            number(Some(c.cheap.latency_ms)),
            number(Some(c.cheap.energy_mj)),
            c.inherited_params.to_string(),
            number(c.details.train_steps),
            number(c.details.train_ms),
        ]);
        lines.push(row.join(","));
    }
    lines.join("\n") + "\n"
}

fn record_status_name(status: &engine::search::RecordStatus) -> &'static str {
    use engine::search::RecordStatus;
    match status {
        RecordStatus::Evaluated => "evaluated",
        RecordStatus::CheapOnly => "cheap_only",
        RecordStatus::ConstraintViolated => "constraint_violated",
        RecordStatus::Rung => "rung",
        RecordStatus::Failed { .. } => "failed",
    }
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The name of a trained network's download: run, arch id, the format's extension (`.bpk`
/// for Burn's burnpack, `.onnx`).
pub fn model_file_name(run_id: &str, arch_id: &str, format: ModelFormat) -> String {
    file_name(&format!("{run_id}-{arch_id}"), format.extension())
}

/// What a downloaded network is worth, said beside its download buttons: validation accuracy,
/// latency (measured on this device when it was, else predicted for the run's target) and
/// parameters.
pub fn take_away(c: &CandidateReport, info: &RunInfo) -> String {
    let accuracy = c.error.map_or("accuracy not measured".to_string(), |e| format!("{:.1} % validation accuracy", (1.0 - e) * 100.0));
    let latency = match &c.measured_latency {
        Some(m) => format!("{} ms measured on this device", short(m.median_ms)),
        None => format!("{} ms predicted ({})", short(c.cheap.latency_ms), info.target.name()),
    };
    format!("{accuracy} · {latency} · {} parameters", count(c.cheap.params as f64))
}

/// A file name for an export: `stem` made safe (letters, digits, `-`, `_`, `.`) plus `extension`.
pub fn file_name(stem: &str, extension: &str) -> String {
    let safe: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    format!("{safe}.{extension}")
}

/// What the user asked to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// The run's results as JSON.
    RunJson,
    /// The run's results as CSV.
    RunCsv,
    /// The selected candidate's genotype as JSON with its scores.
    GenotypeJson,
    /// The selected candidate's canonical genotype text.
    GenotypeText,
    /// A trained network as a file in `format` (asked of the engine, which keeps them): the
    /// selected candidate's, or with `reference` that of the run's reference number `reference`.
    Model {
        /// The file format.
        format: ModelFormat,
        /// A reference architecture instead of the selected candidate.
        reference: Option<usize>,
    },
}

/// What to ask the engine for when `what` is a trained network ([`Export::Model`]): the
/// selected candidate's (number `selected`) or the reference's, of this run; `None` otherwise
/// or when there is none.
pub fn model_request(run: &RunView, selected: Option<usize>, what: Export) -> Option<ToEngine> {
    let Export::Model { format, reference } = what else { return None };
    let chosen = match reference {
        Some(r) => &run.references.get(r)?.report,
        None => run.candidates.get(selected?)?.as_ref(),
    };
    Some(ToEngine::ExportWeights { run_id: run.info.as_ref()?.run_id.clone(), arch_id: chosen.arch_id.clone(), format })
}

/// A file to hand to the browser.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportFile {
    /// Its name.
    pub name: String,
    /// Its media type.
    pub mime: &'static str,
    /// Its contents.
    pub text: String,
}

/// The file for `what`, from the run and its candidate number `selected`; `None` when there
/// is nothing to export (no run, or no candidate selected for a genotype) or when the engine
/// holds it ([`Export::Model`]).
pub fn export_file(run: &RunView, selected: Option<usize>, what: Export) -> Option<ExportFile> {
    let info = run.info.as_ref()?;
    let candidate = selected.and_then(|i| run.candidates.get(i));
    let run_id = &info.run_id;
    let file = match what {
        Export::RunJson => ExportFile { name: file_name(run_id, "json"), mime: "application/json", text: run_json(run) },
        Export::RunCsv => ExportFile { name: file_name(run_id, "csv"), mime: "text/csv", text: run_csv(run) },
        Export::GenotypeJson => {
            let c = candidate?;
            let name = file_name(&format!("{run_id}-candidate-{}", c.candidate_id), "genotype.json");
            ExportFile { name, mime: "application/json", text: genotype_json(c, info) }
        }
        Export::GenotypeText => {
            let c = candidate?;
            let name = file_name(&format!("{run_id}-candidate-{}", c.candidate_id), "genotype.txt");
            ExportFile { name, mime: "text/plain", text: format!("{}\n", c.text) }
        }
        Export::Model { .. } => return None,
    };
    Some(file)
}
