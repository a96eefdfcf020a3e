//! Trained networks written as ONNX: `cli search --export-onnx DIR` writes the final front's,
//! `cli export-onnx --genotype TEXT` trains one genotype through the same runner (the page's
//! "train this genotype" run) and writes it.

use engine::space::{Genotype, SpaceConfig};
use protocol::{CandidateReport, FromEngine, ModelFormat};
use runner::Run;

use super::search::{request, run_request};
use super::{Args, CliError};

const EXPORT_HELP: &str = "\
usage: cli export-onnx --genotype TEXT [--out FILE] [options]

Trains the genotype (the page's text format, e.g. \"16:conv3x3,skip+0|32:dwconv3x3\") as the
page trains an imported genotype, then writes it as ONNX (opset 17; input \"pixels\" [N, C, H, W]
scaled to [0, 1], normalised inside the graph; output \"logits\" [N, classes]).
The space is the genotype's own: one width per cell as the genotype says.
  --out FILE        the model (default target/cli/ARCH_ID.onnx)
  --input digits|rgb32   --data PATH (as for cli search)   --seed N   --target mobile|edge|gpu
  --steps N   --batch-size N   --recipe adam|sgd_crops   --learning-rate X   --latency-runs N   --device cpu|gpu|auto";

const OPTIONS: [&str; 12] =
    ["genotype", "out", "input", "data", "seed", "target", "steps", "batch-size", "recipe", "learning-rate", "latency-runs", "device"];

/// The space that holds exactly `genotype`'s widths, with every op open and room for its
/// layers and skips; the rest as in `base`.
fn space_for(genotype: &Genotype, base: &SpaceConfig) -> SpaceConfig {
    let layers = genotype.cells.iter().map(|c| c.layers.len() as u32);
    let skips = genotype.cells.iter().flat_map(|c| c.layers.iter().map(|l| l.skips.len() as u32));
    let mut space = base.clone();
    space.cell_widths = genotype.cells.iter().map(|c| vec![c.width]).collect();
    space.min_layers = layers.clone().min().unwrap_or(1).min(base.min_layers);
    space.max_layers = layers.max().unwrap_or(1).max(base.max_layers);
    space.max_skips = skips.max().unwrap_or(0).max(base.max_skips);
    space.schedule.stage2_at = 0;
    space.schedule.stage3_at = 0;
    space.schedule.disabled.clear();
    space
}

/// `cli export-onnx`.
pub fn export_onnx(raw: &[String]) -> Result<(), CliError> {
    let args = Args::parse(raw, &OPTIONS, &["help"])?;
    if args.switch("help") {
        println!("{EXPORT_HELP}");
        return Ok(());
    }
    let text = args.value("genotype").ok_or_else(|| CliError::Usage(format!("--genotype TEXT is needed\n\n{EXPORT_HELP}")))?;
    let genotype = Genotype::parse(text).map_err(|e| CliError::Usage(format!("--genotype {text:?}: {e}")))?;
    let mut request = request(&args)?;
    request.space = space_for(&genotype, &request.space);
    request.genotype = Some(genotype.to_string());
    request.training.references = false;
    let (run, events) = run_request(&args, &request)?;
    let report = events
        .iter()
        .find_map(|e| if let FromEngine::Candidate(c) = e { Some(c) } else { None })
        .ok_or_else(|| CliError::Run("the genotype was not trained".into()))?;
    if let engine::search::RecordStatus::Failed { reason } = &report.status {
        return Err(CliError::Run(format!("training {text:?} failed: {reason}")));
    }
    let default_out = format!("target/cli/{}.onnx", report.arch_id);
    write(&run, report, args.value("out").unwrap_or(&default_out))
}

/// Writes the trained network of `report` to `path`, saying so.
fn write(run: &Run, report: &CandidateReport, path: &str) -> Result<(), CliError> {
    let bytes = pollster::block_on(run.export(&report.arch_id, ModelFormat::Onnx)).map_err(CliError::Run)?;
    super::write_bytes(path, &bytes)?;
    let accuracy = report.error.map_or("—".to_string(), |e| format!("{:.2} %", (1.0 - e) * 100.0));
    println!("wrote {path} ({} bytes): {} (validation accuracy {accuracy})", bytes.len(), report.text);
    Ok(())
}

/// Writes every network of the run's final front to `dir/ARCH_ID.onnx`.
pub fn write_front(run: &Run, events: &[FromEngine], dir: &str) -> Result<(), CliError> {
    let front = events.iter().rev().find_map(|e| if let FromEngine::Generation(g) = e { Some(&g.front) } else { None });
    let Some(front) = front.filter(|f| !f.is_empty()) else {
        return Err(CliError::Run("the run has no front to export (no generation completed)".into()));
    };
    for point in front {
        let report = events
            .iter()
            .find_map(|e| if let FromEngine::Candidate(c) = e { Some(c).filter(|c| c.arch_id == point.arch_id) } else { None })
            .ok_or_else(|| CliError::Run(format!("front member {} has no report", point.arch_id)))?;
        write(run, report, &format!("{dir}/{}.onnx", point.arch_id))?;
    }
    Ok(())
}
