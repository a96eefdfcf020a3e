//! Scoring one architecture: trained (with the between-steps hook) and timed on the run's device,
//! inside the search or outside it (references, an imported genotype).

use burn::module::Module;
use burn::tensor::Device;

use engine::problem::Origin;
use engine::search::{ArchSpace, EvaluationRecord, Outcome, Search, SearchSpace};
use nn::evaluate::{Evaluated, Job, Trained, TrainingEvaluator};
use nn::latency::{LatencyConfig, LatencyMeasurement, measure};
use nn::train::TrainData;
use protocol::{CandidateReport, TrainingProgress, TrainingRole};
use engine::space::Genotype;

use crate::*;

/// Trains and times an architecture outside the search (a reference, or an imported genotype
/// evaluated alone, as `role` says) and scores it with the run's objectives and constraints,
/// numbered `number`; or the [`Advance`] that stopped it (interrupted, or the device lost).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn score_outside(
    search: &Search<ArchSpace>,
    evaluator: &mut TrainingEvaluator,
    data: &TrainData,
    latency: &LatencyConfig,
    device: &Device,
    input: engine::space::InputShape,
    genotype: Genotype,
    number: u32,
    role: TrainingRole,
    run_elapsed_s: f64,
    fail_over: bool,
    between_steps: &mut impl AsyncFnMut(TrainingProgress) -> bool,
) -> Result<CandidateReport, Advance> {
    let candidate = outside_candidate(search, genotype, number);
    let (outcome, extras, backend_failed) =
        train_and_time(&candidate, (role.clone(), run_elapsed_s), evaluator, data, latency, device, input, between_steps)
            .await
            .ok_or(Advance::Interrupted)?;
    if let (true, Outcome::Failed { reason }) = (backend_failed && fail_over, &outcome) {
        return Err(Advance::DeviceLost(reason.clone()));
    }
    Ok(outside_report(search, candidate, &role, outcome, extras))
}

/// An architecture evaluated outside the search, numbered `number`, as a candidate to train.
pub(crate) fn outside_candidate(search: &Search<ArchSpace>, genotype: Genotype, number: u32) -> engine::search::Candidate<Genotype> {
    engine::search::Candidate {
        candidate_id: number,
        generation: 0,
        cheap: search.space().cheap(&genotype),
        arch_id: genotype.arch_id(),
        text: genotype.to_text(),
        solution: genotype,
        parents: Vec::new(),
        fidelity: engine::search::Fidelity::Full,
    }
}

/// The report of `candidate`, evaluated outside the search in `role`, scored with the run's
/// objectives and constraints.
pub(crate) fn outside_report(
    search: &Search<ArchSpace>,
    candidate: engine::search::Candidate<Genotype>,
    role: &TrainingRole,
    outcome: Outcome,
    extras: Extras,
) -> CandidateReport {
    let origin = if matches!(role, TrainingRole::Imported) { Origin::Imported } else { Origin::Reference };
    let (cheap, assessed) = search.assess_outside(&candidate.solution, outcome);
    let record = EvaluationRecord {
        candidate_id: candidate.candidate_id,
        generation: 0,
        arch_id: candidate.arch_id,
        text: candidate.text,
        origin: vec![origin],
        parents: Vec::new(),
        resumes: None,
        cheap,
        fitness: assessed.fitness,
        status: assessed.status,
        error: assessed.error,
        details: assessed.details,
        solution: candidate.solution,
    };
    report(&record, extras)
}

/// Trains `candidate` (the hook hears every step, told the candidate's role and the run's
/// seconds of work when it began; `None` when it interrupts) and times the trained model on
/// `device`: the outcome and what the record does not carry.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn train_and_time(
    candidate: &engine::search::Candidate<Genotype>,
    role: (TrainingRole, f64),
    evaluator: &mut TrainingEvaluator,
    data: &TrainData,
    latency: &LatencyConfig,
    device: &Device,
    input: engine::space::InputShape,
    between_steps: &mut impl AsyncFnMut(TrainingProgress) -> bool,
) -> Option<(Outcome, Extras, bool)> {
    let trained = train(evaluator.job(candidate), role, data, between_steps).await?;
    let measured = time(&trained, input, latency, device).await;
    Some(scored(&candidate.arch_id, evaluator.keep(trained), measured))
}

/// Runs `job`, telling the hook its role and the run's seconds of work when it began; `None`
/// when the hook interrupts it.
pub(crate) async fn train(
    job: Job,
    (role, run_elapsed_s): (TrainingRole, f64),
    data: &TrainData,
    between_steps: &mut impl AsyncFnMut(TrainingProgress) -> bool,
) -> Option<Trained> {
    let (candidate_id, text) = (job.candidate().candidate_id, job.candidate().text.clone());
    let started = web_time::Instant::now();
    let hook = async |step: nn::evaluate::StepProgress| {
        let progress = TrainingProgress {
            candidate_id,
            text: text.clone(),
            step: step.step,
            steps: step.steps,
            loss: step.loss,
            role: role.clone(),
            elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
            run_elapsed_s: run_elapsed_s + started.elapsed().as_secs_f64(),
        };
        between_steps(progress).await
    };
    job.train(data, hook).await.ok()
}

/// How a run times its trained networks: on its device, with its input and its settings.
#[derive(Clone)]
pub struct Timer {
    input: engine::space::InputShape,
    latency: LatencyConfig,
    device: Device,
}

impl Timer {
    /// `trained`'s inference timed (see [`time`]).
    pub async fn time(&self, trained: &Trained) -> Option<Result<LatencyMeasurement, String>> {
        time(trained, self.input, &self.latency, &self.device).await
    }
}

impl Run {
    /// How this run times a trained network; `None` in tabular mode.
    pub fn timer(&self) -> Option<Timer> {
        let Kind::Arch { search, latency, device, .. } = &self.kind else { return None };
        Some(Timer { input: search.space().space().config().input, latency: *latency, device: device.clone() })
    }

    /// The evaluator that trains this run's candidates; `None` in tabular mode.
    pub fn evaluator(&self) -> Option<&TrainingEvaluator> {
        match &self.kind {
            Kind::Arch { evaluator, .. } => Some(evaluator),
            Kind::Tabular { .. } => None,
        }
    }

    /// Trains `work` on this run's data as a job handed out by a [`crate::pool::Pool`] (see
    /// [`train`]); `None` in tabular mode or when the hook interrupts it.
    pub async fn train(&self, work: Job, role: (TrainingRole, f64), between_steps: &mut impl AsyncFnMut(TrainingProgress) -> bool) -> Option<Trained> {
        let Kind::Arch { data, .. } = &self.kind else { return None };
        train(work, role, data, between_steps).await
    }
}

/// The trained network's inference timed on `device`, when the run times candidates and
/// training succeeded; `Err` says why timing failed.
pub(crate) async fn time(
    trained: &Trained,
    input: engine::space::InputShape,
    latency: &LatencyConfig,
    device: &Device,
) -> Option<Result<LatencyMeasurement, String>> {
    let model = trained.model().filter(|_| latency.runs > 0 && matches!(trained.evaluated.outcome, Outcome::Evaluated { .. }))?;
    Some(measure(&model.valid(), input, latency, device).await.map_err(|error| error.to_string()))
}

/// What a trained (and perhaps timed) candidate `arch_id` amounts to: the outcome the search
/// records (the measured latency in its details), the extras, and whether the backend failed.
pub(crate) fn scored(arch_id: &str, evaluated: Evaluated, measured: Option<Result<LatencyMeasurement, String>>) -> (Outcome, Extras, bool) {
    let mut outcome = evaluated.outcome;
    let mut backend_failed = evaluated.backend_failed;
    let mut measured_latency = None;
    match measured {
        Some(Ok(measured)) => {
            // The latency objective reads it when the run measures latency here.
            if let Outcome::Evaluated { details, .. } = &mut outcome {
                details.measured_latency_ms = Some(measured.median_ms);
            }
            measured_latency = Some(measured);
        }
        Some(Err(error)) => {
            outcome = Outcome::Failed { reason: format!("timing its inference: {error}") };
            backend_failed = true;
        }
        None => {}
    }
    let extras = Extras {
        arch_id: arch_id.to_string(),
        losses: evaluated.report.losses,
        measured_latency,
        inherited_params: evaluated.inheritance.inherited_params as u64,
        inherited_layers: evaluated.inheritance.layers,
    };
    (outcome, extras, backend_failed)
}
