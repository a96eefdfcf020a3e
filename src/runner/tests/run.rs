//! The worker's run driver, natively on the CPU backend: real training on the built-in digits,
//! latency measured per candidate, interruption, determinism, and the tabular mode.

mod common;

use common::run_to_end;
use engine::search::RecordStatus;
use engine::tabular::{Nb201Dataset, Nb201Table};
use nn::backend;
use protocol::{CandidateReport, DatasetChoice, FromEngine, RunRequest, TrainingProgress, TrainingRole, TrainingSettings};
use protocol::saved::Checkpoint;
use runner::{Advance, Run, RunError};

/// A run small enough for a test: 200 digits held out for scoring, not the default 1,000, whose
/// forward passes took most of a tiny run's time.
fn tiny() -> RunRequest {
    let mut request = RunRequest::default_digits();
    request.space.cell_widths = vec![vec![4, 8], vec![8]];
    request.space.max_layers = 2;
    request.search.population = 3;
    request.search.generations = 2;
    request.search.seed = 11;
    request.training = TrainingSettings {
        steps: 4,
        fine_tune_steps: 2,
        batch_size: 8,
        latency_runs: 3,
        references: false,
        valid_fraction: 0.02,
        ..TrainingSettings::default()
    };
    request
}

fn candidates(events: &[FromEngine]) -> Vec<&CandidateReport> {
    events.iter().filter_map(|e| if let FromEngine::Candidate(c) = e { Some(c) } else { None }).collect()
}

#[test]
fn a_digits_run_trains_times_and_reports_every_candidate_once() {
    let _device = common::exclusive_device();
    let mut request = tiny();
    request.training.references = true;
    let mut run = Run::new(&request, backend::cpu(), None).unwrap();
    let info = run.info().clone();
    assert_eq!((info.images, info.valid_images, info.tabular), (10_000, 200, false));
    assert_eq!(info.space.as_ref().map(|s| s.classes), Some(10));
    // What trained, in order, as the progress of each network's first step names it.
    let (mut roles, mut events) = (Vec::new(), Vec::new());
    loop {
        let hook = async |p: TrainingProgress| {
            assert!(p.elapsed_ms >= 0.0 && p.seconds_left().is_some_and(|s| s >= 0.0), "{p:?}");
            if p.step == 1 {
                roles.push(p.role);
            }
            true
        };
        match pollster::block_on(run.advance(0.0, hook)) {
            Advance::Scored(more) => events.extend(more),
            Advance::Finished(more) => break events.extend(more),
            other => panic!("nothing interrupts this run: {other:?}"),
        }
    }
    let reference = |name: &str| TrainingRole::Reference { name: name.into() };
    assert_eq!(roles[..6], [TrainingRole::Sampled, TrainingRole::Sampled, TrainingRole::Sampled,
        reference("VGG-like"), reference("ResNet-like"), reference("MobileNet-like")]);
    assert!(roles[6..].contains(&TrainingRole::Child), "generation 1 trains children: {roles:?}");
    let references: Vec<(&str, &CandidateReport)> = events
        .iter()
        .filter_map(|e| if let FromEngine::Reference(r) = e { Some((r.name.as_str(), &r.report)) } else { None })
        .collect();
    let names: Vec<&str> = references.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["VGG-like", "ResNet-like", "MobileNet-like"]);
    // The first candidate comes first; the references once generation 0 is scored.
    let first = |wanted: fn(&FromEngine) -> bool| events.iter().position(wanted).expect("in the events");
    assert!(matches!(events.first(), Some(FromEngine::Candidate(_))), "a candidate is scored first");
    let generation_0 = first(|e| matches!(e, FromEngine::Generation(_)));
    let child = first(|e| matches!(e, FromEngine::Candidate(c) if c.generation == 1));
    assert!((generation_0..child).contains(&first(|e| matches!(e, FromEngine::Reference(_)))));
    for (name, r) in &references {
        assert!(r.error.is_some_and(|e| (0.0..=1.0).contains(&e)), "{name} trained");
        assert!(r.measured_latency.is_some(), "{name} timed");
        assert_eq!(r.objectives.len(), info.objectives.len());
    }
    let scored = candidates(&events);
    assert_eq!(scored.len(), 6, "3 candidates x 2 generations");
    let ids: Vec<u32> = scored.iter().map(|c| c.candidate_id).collect();
    assert_eq!(ids, (0..6).collect::<Vec<_>>(), "each record once, in order");
    for c in &scored {
        assert_eq!(c.status, RecordStatus::Evaluated, "{}", c.text);
        assert!(c.error.is_some_and(|e| (0.0..=1.0).contains(&e)));
        assert!(!c.losses.is_empty() && c.losses.iter().all(|l| l.is_finite()));
        let measured = c.measured_latency.as_ref().expect("timed on this device");
        assert_eq!(measured.runs_ms.len(), 3);
        assert!(measured.median_ms > 0.0);
    }
    let inherited: Vec<&&CandidateReport> = scored.iter().filter(|c| c.inherited_params > 0).collect();
    assert!(inherited.iter().all(|c| c.generation == 1 && c.losses.len() == 2), "children fine-tune for 2 steps");
    let generations = events.iter().filter(|e| matches!(e, FromEngine::Generation(_))).count();
    assert_eq!(generations, 2);
    assert_eq!(run.progress(0.0), 1.0);
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let _device = common::exclusive_device();
    let texts = |events: &[FromEngine]| -> Vec<(String, Option<f64>)> {
        candidates(events).iter().map(|c| (c.text.clone(), c.error)).collect()
    };
    let mut request = tiny();
    request.training.latency_runs = 0;
    let first = run_to_end(&mut Run::new(&request, backend::cpu(), None).unwrap());
    let second = run_to_end(&mut Run::new(&request, backend::cpu(), None).unwrap());
    assert_eq!(texts(&first), texts(&second));
    assert!(candidates(&first).iter().all(|c| c.measured_latency.is_none()), "0 timed runs: no measurement");
}

#[test]
fn the_hook_hears_every_step_and_can_interrupt_within_one() {
    let _device = common::exclusive_device();
    let mut run = Run::new(&tiny(), backend::cpu(), None).unwrap();
    let mut heard = Vec::new();
    let advance = pollster::block_on(run.advance(0.0, async |progress| {
        heard.push((progress.candidate_id, progress.step, progress.steps));
        progress.step < 2
    }));
    assert_eq!(advance, Advance::Interrupted);
    assert_eq!(heard, vec![(0, 1, 4), (0, 2, 4)]);
    // Nothing was recorded: the same candidate comes back and trains to the end.
    match pollster::block_on(run.advance(0.0, async |_| true)) {
        Advance::Scored(events) => assert_eq!(candidates(&events)[0].candidate_id, 0),
        other => panic!("expected a scored candidate, got {other:?}"),
    }
}

#[test]
fn bad_requests_are_refused_with_the_field() {
    let _device = common::exclusive_device();
    let mut request = tiny();
    request.training.batch_size = 0;
    let error = Run::new(&request, backend::cpu(), None).err().unwrap();
    assert!(error.to_string().contains("batch_size"), "{error}");
    let mut request = tiny();
    request.search.population = 1;
    assert!(Run::new(&request, backend::cpu(), None).err().unwrap().to_string().contains("population"));
    let mut request = tiny();
    request.dataset = DatasetChoice::Nb201 { dataset: Nb201Dataset::Cifar10 };
    assert_eq!(Run::new(&request, backend::cpu(), None).err(), Some(RunError::NoTable));
}

#[test]
fn a_procedural_run_uses_rgb_input() {
    let _device = common::exclusive_device();
    let mut request = tiny();
    request.dataset = DatasetChoice::Procedural { images: 200 };
    request.search.generations = 1;
    request.search.population = 2;
    let mut run = Run::new(&request, backend::cpu(), None).unwrap();
    assert_eq!(run.info().space.as_ref().map(|s| s.input.channels), Some(3));
    assert_eq!(run.info().images, 200);
    let events = run_to_end(&mut run);
    assert_eq!(candidates(&events).len(), 2);
}

#[test]
fn a_tabular_run_reports_every_record_including_cache_hits() {
    let _device = common::exclusive_device();
    let table = Nb201Table::from_json(&std::fs::read_to_string("../../www/nb201/nb201_12ep.json").unwrap()).unwrap();
    let mut request = RunRequest::default_digits();
    request.dataset = DatasetChoice::Nb201 { dataset: Nb201Dataset::Cifar10 };
    request.search.population = 20;
    request.search.generations = 25;
    let mut run = Run::new(&request, backend::cpu(), Some(table)).unwrap();
    assert!(run.info().tabular && run.info().space.is_none());
    let events = run_to_end(&mut run);
    let scored = candidates(&events);
    assert_eq!(scored.len(), 500);
    assert!(scored.windows(2).all(|w| w[1].candidate_id == w[0].candidate_id + 1));
    assert!(scored.iter().all(|c| c.details.test_accuracy.is_some() || c.status != RecordStatus::Evaluated));
    assert_eq!(events.iter().filter(|e| matches!(e, FromEngine::Generation(_))).count(), 25);
}

/// Advances until at least `count` candidates are reported; returns their events.
fn run_until(run: &mut Run, count: usize) -> Vec<FromEngine> {
    let mut events = Vec::new();
    while candidates(&events).len() < count {
        match pollster::block_on(run.advance(0.0, async |_| true)) {
            Advance::Scored(more) => events.extend(more),
            other => panic!("the run ended early: {other:?}"),
        }
    }
    events
}

#[test]
fn a_run_resumed_from_its_checkpoint_goes_on_exactly() {
    let _device = common::exclusive_device();
    let mut request = tiny();
    request.training.latency_runs = 0;
    request.training.inheritance = false;
    request.training.references = true;
    let whole = run_to_end(&mut Run::new(&request, backend::cpu(), None).unwrap());

    let mut first = Run::new(&request, backend::cpu(), None).unwrap();
    let before = run_until(&mut first, 4);
    assert!(first.checkpoint_due(&before), "a trained candidate calls for a checkpoint");
    let scored = candidates(&before).len() as u32;
    let checkpoint = first.checkpoint(12.5).unwrap();
    assert_eq!((checkpoint.candidates, checkpoint.generations, checkpoint.references, checkpoint.seconds), (scored, 1, 3, 12.5));
    let stored: Checkpoint = serde_json::from_str(&serde_json::to_string(&checkpoint).unwrap()).unwrap();
    drop(first);

    let mut second = Run::resume(&request, &stored, backend::cpu(), None, None).unwrap();
    let after = run_to_end(&mut second);
    assert!(!after.iter().any(|e| matches!(e, FromEngine::Reference(_))), "references are not trained again");
    let resumed_ids: Vec<u32> = candidates(&after).iter().map(|c| c.candidate_id).collect();
    assert_eq!(resumed_ids, (scored..6).collect::<Vec<_>>(), "only the candidates after the checkpoint are reported again");
    let texts = |events: Vec<&CandidateReport>| -> Vec<(String, Option<f64>)> {
        events.iter().map(|c| (c.text.clone(), c.error)).collect()
    };
    let mut joined = texts(candidates(&before));
    joined.extend(texts(candidates(&after)));
    assert_eq!(joined, texts(candidates(&whole)), "same candidates and scores as the run never interrupted");
}

#[test]
fn a_checkpoint_of_another_run_or_a_garbled_one_is_refused() {
    let _device = common::exclusive_device();
    let mut request = tiny();
    request.training.latency_runs = 0;
    let mut run = Run::new(&request, backend::cpu(), None).unwrap();
    run_until(&mut run, 1);
    let checkpoint = run.checkpoint(1.0).unwrap();
    let mut other = request.clone();
    other.search.seed = 12;
    let error = Run::resume(&other, &checkpoint, backend::cpu(), None, None).err().unwrap();
    assert!(matches!(&error, RunError::Checkpoint(m) if m.contains("other search settings")), "{error}");
    let garbled = Checkpoint { snapshot: "{\"config\":".into(), ..checkpoint.clone() };
    assert!(matches!(Run::resume(&request, &garbled, backend::cpu(), None, None), Err(RunError::Checkpoint(_))));
    let miscounted = Checkpoint { candidates: 3, ..checkpoint };
    let error = Run::resume(&request, &miscounted, backend::cpu(), None, None).err().unwrap();
    assert!(error.to_string().contains("says 3 candidates"), "{error}");
}

#[test]
fn a_run_that_trains_nothing_reports_every_generation_after_its_candidates() {
    let mut request = tiny();
    request.search.objectives = vec![engine::search::Objective::Latency, engine::search::Objective::Params];
    request.training.references = true;
    let mut run = Run::new(&request, backend::cpu(), None).unwrap();
    let events = run_to_end(&mut run);
    assert!(!events.iter().any(|e| matches!(e, FromEngine::Reference(_))), "nothing trains, references included");
    let mut seen = Vec::new();
    for event in &events {
        match event {
            FromEngine::Candidate(c) => {
                assert_eq!(seen.len() as u32, c.generation, "candidate {} of generation {} after {} summaries", c.candidate_id, c.generation, seen.len());
            }
            FromEngine::Generation(g) => seen.push(g.generation),
            _ => {}
        }
    }
    assert_eq!(seen, (0..request.search.generations).collect::<Vec<_>>());
}

/// `checkpoint` with its snapshot changed by `change`.
fn tampered(checkpoint: &Checkpoint, change: impl FnOnce(&mut serde_json::Value)) -> Checkpoint {
    let mut snapshot: serde_json::Value = serde_json::from_str(&checkpoint.snapshot).unwrap();
    change(&mut snapshot);
    Checkpoint { snapshot: snapshot.to_string(), ..checkpoint.clone() }
}

#[test]
fn a_corrupted_checkpoint_is_refused_with_what_is_wrong() {
    let _device = common::exclusive_device();
    let mut request = tiny();
    request.training.latency_runs = 0;
    let mut run = Run::new(&request, backend::cpu(), None).unwrap();
    run_until(&mut run, 3);
    let checkpoint = run.checkpoint(1.0).unwrap();
    let refused = |bad: &Checkpoint| match Run::resume(&request, bad, backend::cpu(), None, None) {
        Err(RunError::Checkpoint(message)) => message,
        Err(other) => panic!("a corrupted checkpoint must be refused as one: {other}"),
        Ok(_) => panic!("a corrupted checkpoint must be refused"),
    };
    let truncated = Checkpoint { snapshot: checkpoint.snapshot[..checkpoint.snapshot.len() / 2].to_string(), ..checkpoint.clone() };
    assert!(refused(&truncated).contains("EOF"), "{}", refused(&truncated));
    let cases: Vec<(Box<dyn FnOnce(&mut serde_json::Value)>, &str)> = vec![
        (Box::new(|s| s["strategy"]["state"]["contestants"] = serde_json::json!([99])), "contestant 99 is outside the population"),
        (Box::new(|s| s["cache"] = serde_json::json!({ "someone": 40 })), "the cache sends someone to record 40 of 3"),
        (Box::new(|s| s["records"][1]["candidate_id"] = serde_json::json!(7)), "record 1 says it is candidate 7"),
        (Box::new(|s| s["records"][0]["fitness"]["objectives"] = serde_json::json!([0.5])), "record 0 has 1 objective values; the run has 3"),
        (Box::new(|s| s["records"][2]["solution"]["cells"][0]["width"] = serde_json::json!(5)), "record 2"),
        (Box::new(|s| s["config"]["population"] = serde_json::json!(1)), "population = 1 is invalid"),
        (Box::new(|s| s["strategy"]["kind"] = serde_json::json!("random")), "missing field"),
        (Box::new(|s| s["config"]["strategy"] = serde_json::json!("random")), "is not that of Random"),
        (Box::new(|s| s["evaluations"] = serde_json::json!(99)), "99 evaluations but 3 records"),
    ];
    for (change, expected) in cases {
        let message = refused(&tampered(&checkpoint, change));
        assert!(message.contains(expected), "expected {expected:?} in {message:?}");
    }
    // The checkpoint itself still resumes: nothing above touched it.
    assert!(Run::resume(&request, &checkpoint, backend::cpu(), None, None).is_ok());
}

#[test]
fn a_tabular_checkpoint_with_an_unknown_op_code_is_refused() {
    let table = Nb201Table::from_json(&std::fs::read_to_string("../../www/nb201/nb201_12ep.json").unwrap()).unwrap();
    let mut request = RunRequest::default_digits();
    request.dataset = DatasetChoice::Nb201 { dataset: Nb201Dataset::Cifar10 };
    request.search.generations = 3;
    let mut run = Run::new(&request, backend::cpu(), Some(table.clone())).unwrap();
    run_until(&mut run, 10);
    let checkpoint = run.checkpoint(1.0).unwrap();
    let bad = tampered(&checkpoint, |s| s["records"][0]["solution"] = serde_json::json!([4, 2, 1, 2, 1, 9]));
    let message = match Run::resume(&request, &bad, backend::cpu(), Some(table.clone()), None) {
        Err(RunError::Checkpoint(message)) => message,
        Err(other) => panic!("op code 9 must be refused as a bad checkpoint: {other}"),
        Ok(_) => panic!("op code 9 must be refused"),
    };
    assert!(message.contains("421219"), "{message}");
    assert!(Run::resume(&request, &checkpoint, backend::cpu(), Some(table), None).is_ok());
}

#[test]
fn an_imported_genotype_is_trained_alone_and_bad_ones_are_refused() {
    let _device = common::exclusive_device();
    let mut request = tiny();
    request.training.references = true;
    request.genotype = Some("4:conv3x3,skip+0 | 8:conv1x1".into());
    let mut run = Run::new(&request, backend::cpu(), None).unwrap();
    assert_eq!((run.info().generations, run.info().population), (1, 1));
    let events = run_to_end(&mut run);
    assert_eq!(events.len(), 1, "one candidate, no references, no search: {events:?}");
    let scored = candidates(&events);
    assert_eq!(scored[0].text, "4:conv3x3,skip+0|8:conv1x1");
    assert_eq!(scored[0].origin, vec![engine::problem::Origin::Imported]);
    assert!(scored[0].error.is_some() && scored[0].measured_latency.is_some(), "trained and timed");
    assert!(matches!(pollster::block_on(run.advance(0.0, async |_| true)), Advance::Finished(e) if e.is_empty()));

    for (text, expected) in [("4:conv3x3|16:skip", "not in this space"), ("4:warp", "warp"), ("", "imported genotype")] {
        request.genotype = Some(text.into());
        let error = Run::new(&request, backend::cpu(), None).err().unwrap();
        assert!(error.to_string().contains(expected), "{text:?}: {error}");
    }
    request.genotype = Some("4:conv3x3|8:skip".into());
    request.dataset = DatasetChoice::Nb201 { dataset: Nb201Dataset::Cifar10 };
    let error = Run::new(&request, backend::cpu(), None).err().unwrap();
    assert!(error.to_string().contains("NAS-Bench-201"), "{error}");
}

#[test]
fn the_latency_objective_is_measured_here_when_asked_and_predicted_otherwise() {
    let _device = common::exclusive_device();
    use engine::search::{LatencySource, Objective};
    for source in [LatencySource::Measured, LatencySource::Predicted] {
        let mut request = tiny();
        request.search.latency = source;
        let mut run = Run::new(&request, backend::cpu(), None).unwrap();
        assert_eq!(run.info().latency, source);
        let at = run.info().objectives.iter().position(|o| *o == Objective::Latency).unwrap();
        let events = run_to_end(&mut run);
        for c in candidates(&events).iter().filter(|c| c.status == RecordStatus::Evaluated) {
            let expected = match source {
                LatencySource::Measured => c.measured_latency.as_ref().unwrap().median_ms,
                LatencySource::Predicted => c.cheap.latency_ms,
            };
            assert_eq!(c.objectives[at], expected, "{source:?}: {}", c.text);
            assert_eq!(c.details.measured_latency_ms, c.measured_latency.as_ref().map(|m| m.median_ms));
        }
    }
}

/// What a run's candidates, references and generations amount to, without the times.
fn scores(events: &[FromEngine]) -> (Vec<String>, Vec<String>, Vec<String>) {
    let candidate = |c: &CandidateReport| {
        format!("{} {} {:?} {:?} {:?} {} {:?}", c.candidate_id, c.text, c.error, c.objectives, c.status, c.inherited_params, c.losses)
    };
    let mut references: Vec<String> = events
        .iter()
        .filter_map(|e| if let FromEngine::Reference(r) = e { Some(format!("{} {}", r.name, candidate(&r.report))) } else { None })
        .collect();
    references.sort();
    let generations = events
        .iter()
        .filter_map(|e| match e {
            FromEngine::Generation(g) => Some(format!("{} {:?} {} {} {:?}", g.generation, g.front, g.hypervolume, g.evaluated, g.compute.train_steps)),
            _ => None,
        })
        .collect();
    (candidates(events).into_iter().map(candidate).collect(), references, generations)
}

/// A tiny search of 3 generations of 4 with the references, whose children inherit, and what
/// it amounts to trained by one worker.
fn inheriting_search() -> (RunRequest, (Vec<String>, Vec<String>, Vec<String>)) {
    let mut request = tiny();
    request.search.population = 4;
    request.search.generations = 3;
    request.training.references = true;
    let alone = scores(&runner::blocking::drive_to_end(&mut Run::new(&request, backend::cpu(), None).unwrap(), |_| {}));
    assert_eq!((alone.0.len(), alone.1.len(), alone.2.len()), (12, 3, 3));
    assert!(alone.0.iter().any(|c| !c.contains(" 0 [")), "children inherit: {alone:?}");
    (request, alone)
}

#[test]
fn two_or_three_training_threads_give_the_run_one_gives() {
    let _device = common::exclusive_device();
    let (request, alone) = inheriting_search();
    for jobs in [2, 3] {
        let mut run = Run::new(&request, backend::cpu(), None).unwrap();
        let events = runner::blocking::drive_in_parallel(&mut run, jobs, |_| {});
        assert_eq!(scores(&events), alone, "{jobs} threads");
        assert!(candidates(&events).iter().all(|c| c.measured_latency.is_some()), "every candidate timed");
    }
}

#[test]
fn a_run_checkpointed_with_two_candidates_training_resumes_as_the_run_never_stopped() {
    let _device = common::exclusive_device();
    let mut request = tiny();
    request.search.population = 4;
    request.training.latency_runs = 0;
    request.training.inheritance = false;
    let whole = scores(&runner::blocking::drive_to_end(&mut Run::new(&request, backend::cpu(), None).unwrap(), |_| {}));

    let mut first = Run::new(&request, backend::cpu(), None).unwrap();
    let mut parallel = runner::parallel::Parallel::new(&mut first, 2);
    let mut before = Vec::new();
    while parallel.training() != 2 || candidates(&before).is_empty() {
        match parallel.advance(0.0) {
            Advance::Scored(more) => before.extend(more),
            other => panic!("the run is not over yet: {other:?}"),
        }
    }
    let checkpoint = parallel.run().checkpoint(3.0).unwrap();
    assert_eq!(checkpoint.candidates as usize, candidates(&before).len());
    drop(parallel);
    drop(first);

    let mut second = Run::resume(&request, &checkpoint, backend::cpu(), None, None).unwrap();
    let after = runner::blocking::drive_in_parallel(&mut second, 2, |_| {});
    let (mut joined, after) = (scores(&before), scores(&after));
    joined.0.extend(after.0);
    joined.2.extend(after.2);
    assert_eq!(joined, whole, "the candidates training at the checkpoint are trained again, numbered as before");
}

/// A job carried to a trainer that shares no memory with the run, as the page's trainer
/// workers receive it (the order and its parents' weights as bytes), trained there and carried
/// back the same way.
fn trained_elsewhere(lead: &Run, trainer: &Run, order: runner::pool::Order) -> runner::pool::Scored {
    let (carried, records) = pollster::block_on(order.work.into_order()).unwrap();
    let (evaluator, lead_evaluator) = (trainer.evaluator().unwrap(), lead.evaluator().unwrap());
    let work = evaluator.job_from(carried.clone(), records).unwrap();
    let trained = pollster::block_on(trainer.train(work, (order.role, 0.0), &mut async |_| true)).unwrap();
    let (evaluated, record) = pollster::block_on(evaluator.parts_of(trained)).unwrap();
    let trained = lead_evaluator.trained_from(&carried.candidate, evaluated, record).unwrap();
    let measured = pollster::block_on(lead.timer().unwrap().time(&trained));
    runner::pool::Scored::new(trained, measured)
}

/// Drives `request` with a pool of `jobs` trainers elsewhere; `pick(k, out)` says which of the
/// `out` jobs waiting finishes `k`-th, and the trainer of a job for which `dies` answers true
/// dies under it.
fn pooled(request: &RunRequest, jobs: usize, pick: impl Fn(usize, usize) -> usize, mut dies: impl FnMut(&runner::pool::Order) -> bool) -> Vec<FromEngine> {
    let mut lead = Run::new(request, backend::cpu(), None).unwrap();
    let trainer = Run::new(request, backend::cpu(), None).unwrap();
    let mut pool = runner::pool::Pool::new(jobs);
    let (mut events, mut waiting, mut k) = (Vec::new(), Vec::new(), 0);
    loop {
        events.extend(pool.commit(&mut lead, 0.0));
        let (orders, cancelled) = pool.hand_out(&mut lead, 0.0);
        waiting.retain(|o: &runner::pool::Order| !cancelled.contains(&o.job));
        waiting.extend(orders);
        if waiting.is_empty() {
            events.extend(pool.finished(&mut lead).expect("nothing is out"));
            return events;
        }
        assert!(waiting.len() <= jobs);
        let order = waiting.remove(pick(k, waiting.len()));
        k += 1;
        if dies(&order) {
            waiting.extend(pool.crashed(&lead, order.job, "the worker died"));
            continue;
        }
        let job = order.job;
        let scored = trained_elsewhere(&lead, &trainer, order);
        pool.take(job, Some(scored));
    }
}

#[test]
fn a_pool_of_trainers_sharing_no_memory_gives_the_run_one_worker_gives() {
    let _device = common::exclusive_device();
    let (request, alone) = inheriting_search();
    // The last out finishes first; then the first out; then the middle one.
    let orders: [(usize, fn(usize, usize) -> usize); 3] = [(3, |_, out| out - 1), (2, |_, _| 0), (3, |k, out| (k * 7) % out)];
    for (jobs, pick) in orders {
        let events = pooled(&request, jobs, pick, |_| false);
        assert_eq!(scores(&events), alone, "{jobs} trainers");
        assert!(candidates(&events).iter().all(|c| c.measured_latency.is_some()), "every candidate timed");
    }
    // A trainer that dies under a job hands it back: trained again elsewhere, the same run.
    let mut died = Vec::new();
    let events = pooled(&request, 2, |_, out| out - 1, |order| {
        let first = order.work.candidate().candidate_id == 2 && !died.contains(&order.work.candidate().arch_id);
        died.push(order.work.candidate().arch_id.clone());
        first
    });
    assert_eq!(scores(&events), alone, "the job a trainer died under is trained again");
}

#[test]
fn a_job_whose_trainer_dies_twice_fails_its_candidate_and_the_run_goes_on() {
    let _device = common::exclusive_device();
    let request = tiny();
    let events = pooled(&request, 2, |_, _| 0, |order| order.work.candidate().candidate_id == 1 && order.role == TrainingRole::Sampled);
    let reports = candidates(&events);
    assert_eq!(reports.len() as u32, request.search.population * request.search.generations);
    let failed: Vec<_> = reports.iter().filter(|c| matches!(c.status, RecordStatus::Failed { .. })).collect();
    assert_eq!(failed.len(), 1, "{reports:?}");
    assert_eq!(failed[0].candidate_id, 1);
    let RecordStatus::Failed { reason } = &failed[0].status else { unreachable!("filtered above") };
    assert_eq!(reason, "training stopped twice: the worker died");
    assert!(matches!(events.last(), Some(FromEngine::Generation(_))), "the run ended normally");
}
