//! The page's reducer and follow-ups, natively.

use protocol::{
    AdapterInfo, BackendPreference, BackendReport, BackendSpeeds, StepSpeed, WebgpuSpeed, CheckStep, DeviceCheckSummary, EngineError, FromEngine,
    PROTOCOL_VERSION,
};
use ui::model::state::{Action, AppState, EngineStatus, FilesStatus, FollowUp, follow_up, reduce};

fn ready(backend: BackendReport) -> AppState {
    let booted = reduce(&AppState::default(), Action::Engine(vec![FromEngine::Booted { protocol_version: PROTOCOL_VERSION }]));
    let state = reduce(&booted, Action::Engine(vec![FromEngine::Ready { backend }]));
    // The engine's first report starts a timing (tests/backends.rs); here it is over: WebGPU,
    // when there is one, the faster, so the backend reported goes on searching.
    if !state.backends.timing {
        return state;
    }
    let step = |median_step_ms| StepSpeed { first_step_ms: median_step_ms, median_step_ms, steps: 5 };
    let webgpu = match state.backends.adapter {
        Some(_) => WebgpuSpeed::Measured { speed: step(10.0) },
        None => WebgpuSpeed::Unavailable { reason: "no adapter".into() },
    };
    let speeds = BackendSpeeds { network: "8:conv3x3".into(), parameters: 802, batch_size: 64, cpu: step(100.0), webgpu };
    reduce(&state, Action::Engine(vec![FromEngine::BackendsMeasured(speeds)]))
}

fn webgpu() -> BackendReport {
    BackendReport::Webgpu { adapter: AdapterInfo::default() }
}

#[test]
fn boot_is_answered_with_an_auto_hello() {
    let state = AppState::default();
    let booted = FromEngine::Booted { protocol_version: PROTOCOL_VERSION };
    assert_eq!(follow_up(&state, &booted), Some(FollowUp::SendHello(BackendPreference::Auto)));
    let after = reduce(&state, Action::Engine(vec![booted.clone()]));
    assert_eq!(after.pending, Some((1, FollowUp::SendHello(BackendPreference::Auto))));
    let again = reduce(&after, Action::Engine(vec![booted]));
    assert_eq!(again.pending.map(|(number, _)| number), Some(2), "each follow-up gets a new number");
}

#[test]
fn check_button_needs_a_ready_engine_valid_fields_and_no_running_check() {
    assert!(!AppState::default().can_check());
    let state = ready(webgpu());
    assert!(state.can_check());
    let bad = reduce(&state, Action::StepsEdited("1".into()));
    assert!(!bad.can_check());
    assert!(bad.check_request().unwrap_err().contains("allowed 2 to 200"));
    let words = reduce(&state, Action::SeedEdited("seven".into()));
    assert!(words.check_request().unwrap_err().contains("seed must be a whole number"));
    let running = reduce(&state, Action::CheckRequested);
    assert!(running.check.running);
    assert!(!running.can_check());
    let ignored = reduce(&bad, Action::CheckRequested);
    assert!(!ignored.check.running);
}

#[test]
fn a_check_accumulates_steps_and_finishes() {
    let mut state = reduce(&ready(webgpu()), Action::CheckRequested);
    state = reduce(&state, Action::Engine(vec![FromEngine::CheckStarted { steps: 2, parameters: 596 }]));
    for (step, loss) in [(1, 1.4f32), (2, 1.1)] {
        state = reduce(&state, Action::Engine(vec![FromEngine::CheckStep(CheckStep { step, loss, step_ms: 5.0 })]));
    }
    assert_eq!(state.check.steps.len(), 2);
    let summary = DeviceCheckSummary { steps: 2, first_loss: 1.4, last_loss: 1.1, first_step_ms: 5.0, median_step_ms: 5.0 };
    state = reduce(&state, Action::Engine(vec![FromEngine::CheckFinished(summary.clone())]));
    assert!(!state.check.running);
    assert_eq!(state.check.summary, Some(summary));
    assert!(state.can_check());
}

#[test]
fn errors_become_notices_that_can_be_dismissed() {
    let state = reduce(&ready(webgpu()), Action::CheckRequested);
    let failed = reduce(
        &state,
        Action::Engine(vec![FromEngine::Error(EngineError { context: "checking the device".into(), message: "boom".into() })]),
    );
    assert!(!failed.check.running);
    assert_eq!(failed.notices, vec!["Error while checking the device: boom".to_string()]);
    assert!(reduce(&failed, Action::DismissNotice(0)).notices.is_empty());
    assert_eq!(reduce(&failed, Action::DismissNotice(9)).notices.len(), 1);
}

#[test]
fn cpu_fallback_reason_is_shown() {
    assert_eq!(ready(webgpu()).cpu_fallback_reason(), None);
    let state = ready(BackendReport::Cpu { reason: "no adapter".into() });
    assert_eq!(state.cpu_fallback_reason(), Some("no adapter"));
}

#[test]
fn a_webgpu_crash_restarts_on_the_cpu_once() {
    let state = ready(webgpu());
    let crash = FromEngine::Crashed { message: "shader rejected".into() };
    let expected = FollowUp::RestartOnCpu("WebGPU failed: shader rejected".into());
    assert_eq!(follow_up(&state, &crash), Some(expected.clone()));
    let crashed = reduce(&state, Action::Engine(vec![crash.clone()]));
    assert!(matches!(crashed.engine, EngineStatus::Failed(_)));
    let restarting = reduce(&crashed, Action::RestartingOnCpu("WebGPU failed: shader rejected".into()));
    assert_eq!(restarting.engine, EngineStatus::Starting);
    let booted = FromEngine::Booted { protocol_version: PROTOCOL_VERSION };
    assert_eq!(
        follow_up(&restarting, &booted),
        Some(FollowUp::SendHello(BackendPreference::Cpu { reason: "WebGPU failed: shader rejected".into() }))
    );
    let on_cpu = reduce(&restarting, Action::Engine(vec![FromEngine::Ready {
        backend: BackendReport::Cpu { reason: "WebGPU failed: shader rejected".into() },
    }]));
    // The CPU engine may crash too: it is restarted once more, keeping the banner's reason; a
    // third crash with nothing done between is not restarted (it would only loop).
    assert_eq!(follow_up(&on_cpu, &crash), Some(expected.clone()));
    let again = reduce(&reduce(&on_cpu, Action::Engine(vec![crash.clone()])), Action::RestartingOnCpu("WebGPU failed: shader rejected".into()));
    let back = reduce(&again, Action::Engine(vec![FromEngine::Ready { backend: BackendReport::Cpu { reason: "WebGPU failed: shader rejected".into() } }]));
    assert_eq!(back.crash_restarts, 2);
    assert_eq!(follow_up(&back, &crash), None, "no restart loop");
    let stopped = reduce(&back, Action::Engine(vec![crash.clone()]));
    assert!(stopped.notices.last().is_some_and(|n| n.contains("not restarted: reload the page")), "{:?}", stopped.notices);
    // Work done between crashes makes room for another restart.
    let loaded = protocol::DatasetSummary { name: "mine".into(), images: 10, classes: 10, shape: engine::space::InputShape::DIGITS };
    let worked = reduce(&back, Action::Engine(vec![FromEngine::DatasetLoaded(loaded)]));
    assert_eq!(follow_up(&worked, &crash), Some(expected));
}

#[test]
fn a_restart_forgets_the_failed_check_and_the_dying_workers_errors() {
    let mut state = reduce(&ready(webgpu()), Action::CheckRequested);
    state = reduce(&state, Action::Engine(vec![FromEngine::CheckStarted { steps: 3, parameters: 596 }]));
    state = reduce(&state, Action::Engine(vec![FromEngine::CheckStep(CheckStep { step: 1, loss: 0.0, step_ms: 9.0 })]));
    state = reduce(&state, Action::Engine(vec![FromEngine::Crashed { message: "panicked at a.rs:1:2:\nlost".into() }]));
    state = reduce(&state, Action::WorkerFailed("the engine worker failed: unreachable".into()));
    assert_eq!(state.notices.len(), 1, "the trap after the panic adds nothing: {:?}", state.notices);
    let restarting = reduce(&state, Action::RestartingOnCpu("WebGPU failed: lost".into()));
    assert_eq!(restarting.check, Default::default());
}

#[test]
fn crash_summaries_drop_the_location_and_stay_short() {
    use ui::model::state::{MAX_SUMMARY_CHARS, crash_summary};
    assert_eq!(crash_summary("panicked at src/x.rs:42:17:\nwgpu error: invalid\n - detail"), "wgpu error: invalid\n - detail");
    assert_eq!(crash_summary("out of memory"), "out of memory");
    assert_eq!(crash_summary(&"x".repeat(1000)).chars().count(), MAX_SUMMARY_CHARS + 1);
    let state = ready(webgpu());
    let crash = FromEngine::Crashed { message: "panicked at a.rs:1:2:\nshader rejected".into() };
    assert_eq!(follow_up(&state, &crash), Some(FollowUp::RestartOnCpu("WebGPU failed: shader rejected".into())));
}

#[test]
fn a_crash_on_the_cpu_restarts_the_engine_and_refuses_the_files_being_read() {
    let state = ready(BackendReport::Cpu { reason: "no adapter".into() });
    let crash = FromEngine::Crashed { message: "panicked at nn/data.rs:1:2:\nattempt to multiply with overflow".into() };
    assert_eq!(follow_up(&state, &crash), Some(FollowUp::RestartOnCpu("no adapter".into())), "the CPU banner keeps its reason");
    let reading = reduce(&state, Action::FilesChosen { files: 2, bytes: 32 });
    let crashed = reduce(&reading, Action::Engine(vec![crash]));
    let FilesStatus::Refused(said) = &crashed.files.status else { panic!("{:?}", crashed.files.status) };
    assert_eq!(said, "reading these files stopped the engine (attempt to multiply with overflow); choose other files");
    assert!(crashed.notices.last().is_some_and(|n| n.ends_with("A fresh engine was started.")), "{:?}", crashed.notices);
}

#[test]
fn worker_failures_stop_the_engine_with_a_notice() {
    let state = reduce(&ready(webgpu()), Action::WorkerFailed("the engine worker failed: 404".into()));
    assert_eq!(state.engine, EngineStatus::Failed("the engine worker failed: 404".into()));
    assert_eq!(state.notices.len(), 1);
    assert!(!state.can_check());
}

#[test]
fn only_the_first_crash_counts() {
    let state = ready(webgpu());
    let crash = FromEngine::Crashed { message: "poisoned".into() };
    let crashed = reduce(&state, Action::Engine(vec![crash.clone()]));
    assert_eq!(follow_up(&crashed, &crash), None);
    let again = reduce(&crashed, Action::Engine(vec![crash]));
    assert_eq!(again.notices.len(), 1);
    assert_eq!(again.pending, crashed.pending, "no second restart");
}

#[test]
fn notices_are_bounded_deduplicated_and_cut() {
    use ui::model::state::{MAX_NOTICE_CHARS, MAX_NOTICES};
    let error = |message: String| Action::Engine(vec![FromEngine::Error(EngineError { context: "x".into(), message })]);
    let mut state = ready(webgpu());
    for _ in 0..3 {
        state = reduce(&state, error("same".into()));
    }
    assert_eq!(state.notices.len(), 1, "a repeated notice is shown once");
    for index in 0..10 {
        state = reduce(&state, error(format!("error {index}")));
    }
    assert_eq!(state.notices.len(), MAX_NOTICES);
    assert_eq!(state.notices.last().map(String::as_str), Some("Error while x: error 9"));
    state = reduce(&state, error("é".repeat(5 * MAX_NOTICE_CHARS)));
    let newest = state.notices.last().unwrap();
    assert_eq!(newest.chars().count(), MAX_NOTICE_CHARS + 1);
    assert!(newest.ends_with('…'));
}

mod saved_runs {
    use engine::tabular::{Nb201Dataset, Nb201Table};
    use nn::backend;
    use protocol::{DatasetChoice, FromEngine, RunEnd, RunRequest};
    use protocol::saved::{Checkpoint, SavedRun};
    use ui::model::run::RunStatus;
    use ui::model::saved::SavedUse;
    use ui::model::state::{Action, AppState, reduce};
    use runner::{Advance, Run};

    /// A real tabular run's events and its saved record (unfinished, checkpointed after 5
    /// candidates and one generation).
    fn saved_run(run_id: &str, started_ms: f64) -> (SavedRun, Vec<FromEngine>) {
        let table = Nb201Table::from_json(&std::fs::read_to_string("../../www/nb201/nb201_12ep.json").unwrap()).unwrap();
        let mut request = RunRequest::default_digits();
        request.run_id = run_id.into();
        request.dataset = DatasetChoice::Nb201 { dataset: Nb201Dataset::Cifar10 };
        request.search.population = 4;
        request.search.generations = 3;
        let mut run = Run::new(&request, backend::cpu(), Some(table)).unwrap();
        let mut events = Vec::new();
        while let Advance::Scored(more) = pollster::block_on(run.advance(0.0, async |_| true)) {
            events.extend(more);
        }
        let mut saved = SavedRun::started(request, run.info().clone(), started_ms);
        saved.checkpointed(&Checkpoint { candidates: 5, generations: 1, references: 0, seconds: 2.0, snapshot: "{}".into() });
        (saved, events)
    }

    fn listed(state: &AppState, runs: &[SavedRun]) -> AppState {
        reduce(state, Action::SavedListed(runs.iter().cloned().map(Ok).collect()))
    }

    /// A ready page that listed an unfinished run (`run-2`, newer) and a finished one (`run-1`),
    /// with the unfinished run's events.
    fn listed_two() -> (AppState, SavedRun, SavedRun, Vec<FromEngine>) {
        let (unfinished, events) = saved_run("run-2", 2000.0);
        let (mut finished, _) = saved_run("run-1", 1000.0);
        finished.finished(RunEnd::Completed, 12, 3.0);
        let state = listed(&super::ready(super::webgpu()), &[unfinished.clone(), finished.clone()]);
        (state, unfinished, finished, events)
    }

    #[test]
    fn an_unfinished_run_is_offered_resumed_and_continues_from_its_checkpoint() {
        let (state, unfinished, _, events) = listed_two();
        assert_eq!(state.saved.len(), 2);
        assert_eq!(state.resume_offer.as_ref().map(|e| e.run_id.as_str()), Some("run-2"));
        assert_eq!(state.saved[0].uses, vec![SavedUse::Resume, SavedUse::Delete]);
        assert_eq!(state.saved[1].uses, vec![SavedUse::Open, SavedUse::Overlay, SavedUse::Delete]);
        assert!(state.can_resume());

        let resuming = reduce(&state, Action::SavedOpened { run: Box::new(unfinished.clone()), events: events.clone(), resume: true });
        assert_eq!(resuming.run.status, RunStatus::Starting);
        assert!(!resuming.can_search() && !resuming.can_resume(), "nothing else starts while it resumes");
        assert!(resuming.resume_offer.is_none());
        let again = listed(&resuming, std::slice::from_ref(&unfinished));
        assert!(again.saved.is_empty() && again.resume_offer.is_none(), "the run in progress is neither listed nor offered");

        let other = reduce(&resuming, Action::Engine(vec![FromEngine::RunContinued { run_id: "run-9".into(), candidates: 0, generations: 0, references: 0 }]));
        assert_eq!(other.run.status, RunStatus::Starting, "another run's continuation is not this one");
        let going = reduce(&resuming, Action::Engine(vec![FromEngine::RunContinued { run_id: "run-2".into(), candidates: 5, generations: 1, references: 0 }]));
        assert_eq!(going.run.status, RunStatus::Running);
        assert_eq!((going.run.candidates.len(), going.run.generations.len()), (5, 1), "only what the checkpoint holds is kept");
    }

    #[test]
    fn a_run_whose_resume_failed_is_not_offered_again() {
        let (state, unfinished, _, events) = listed_two();
        let resuming = reduce(&state, Action::SavedOpened { run: Box::new(unfinished.clone()), events, resume: true });
        let refused = RunEnd::Failed { message: "the saved checkpoint cannot be used: contestant 99".into() };
        let failed = reduce(&resuming, Action::Engine(vec![FromEngine::RunFinished { end: refused, evaluations: 0, seconds: 0.0 }]));
        let again = listed(&failed, std::slice::from_ref(&unfinished));
        assert!(again.resume_offer.is_none(), "the banner does not offer what just failed");
        assert_eq!(again.saved[0].uses, vec![SavedUse::Resume, SavedUse::Delete], "it can still be tried from the list");
    }

    #[test]
    fn a_run_another_tab_drives_is_neither_offered_nor_resumable_until_that_tab_lets_it_go() {
        let (state, unfinished, _, _) = listed_two();
        let elsewhere = reduce(&state, Action::HeldRuns(Some(vec!["run-2".into()])));
        assert!(elsewhere.saved[0].elsewhere && elsewhere.saved[0].uses.is_empty(), "{:?}", elsewhere.saved[0]);
        assert_eq!(elsewhere.saved[1].uses, vec![SavedUse::Open, SavedUse::Overlay, SavedUse::Delete], "a finished run is no tab's");
        assert!(elsewhere.resume_offer.is_none(), "not offered while another tab drives it");
        let relisted = listed(&elsewhere, std::slice::from_ref(&unfinished));
        assert!(relisted.saved[0].elsewhere && relisted.resume_offer.is_none(), "listing again keeps what is known");
        let released = reduce(&elsewhere, Action::HeldRuns(Some(Vec::new())));
        assert_eq!(released.saved[0].uses, vec![SavedUse::Resume, SavedUse::Delete]);
        assert_eq!(released.resume_offer.as_ref().map(|e| e.run_id.as_str()), Some("run-2"), "offered once the other tab closed");
        let unknown = reduce(&elsewhere, Action::HeldRuns(None));
        assert!(!unknown.saved[0].elsewhere, "where the browser cannot tell, the run is resumable");
    }

    #[test]
    fn a_finished_run_opens_read_only_and_entries_can_be_deleted_or_the_offer_dismissed() {
        let (state, unfinished, finished, events) = listed_two();
        let opened = reduce(&state, Action::SavedOpened { run: Box::new(finished.clone()), events: events.clone(), resume: false });
        assert_eq!(opened.run.status, RunStatus::Finished(RunEnd::Completed));
        assert_eq!(opened.run.candidates.len(), 12);
        assert_eq!(opened.run.seconds, Some(3.0));
        assert!(opened.can_search(), "a reopened run is read-only and holds nothing up");

        let dismissed = reduce(&state, Action::ResumeOfferDismissed);
        assert!(dismissed.resume_offer.is_none());
        assert!(listed(&dismissed, std::slice::from_ref(&unfinished)).resume_offer.is_none(), "a dismissed offer stays dismissed");
        let deleted = reduce(&state, Action::SavedDeleted("run-2".into()));
        assert_eq!(deleted.saved.len(), 1);
        assert!(deleted.resume_offer.is_none());
    }
}

#[test]
fn a_run_whose_gpu_fails_continues_from_its_checkpoint_on_the_cpu() {
    use protocol::{RunInfo, RunRequest};
    use ui::model::run::RunStatus;
    let request = RunRequest::default_digits();
    let info = RunInfo {
        run_id: "run-7".into(),
        dataset: "digits".into(),
        images: 10,
        valid_images: 1,
        objectives: request.search.objectives.clone(),
        generations: 2,
        population: 2,
        tabular: false,
        space: Some(request.space.clone()),
        target: request.search.target,
        latency: request.search.latency,
        time_budget_s: None,
        this_device: false,
        workers: 1,
    };
    let running = reduce(&ready(webgpu()), Action::Engine(vec![FromEngine::RunStarted(info.clone())]));
    let crashed = reduce(&running, Action::Engine(vec![FromEngine::Crashed { message: "device lost".into() }]));
    assert!(matches!(crashed.pending, Some((_, FollowUp::RestartOnCpu(_)))));
    assert_eq!(crashed.run.status, RunStatus::Starting, "the run is not over: it waits for the CPU engine");
    assert_eq!(crashed.resume_after_restart.as_deref(), Some("run-7"));
    let restarting = reduce(&crashed, Action::RestartingOnCpu("WebGPU failed: device lost".into()));
    let booted = reduce(&restarting, Action::Engine(vec![FromEngine::Booted { protocol_version: PROTOCOL_VERSION }]));
    let cpu = BackendReport::Cpu { reason: "WebGPU failed: device lost".into() };
    let back = reduce(&booted, Action::Engine(vec![FromEngine::Ready { backend: cpu }]));
    assert_eq!(back.pending.as_ref().map(|(_, f)| f.clone()), Some(FollowUp::ResumeRun("run-7".into())));
    assert!(back.resume_after_restart.is_none(), "asked once");
    let going = reduce(
        &back,
        Action::Engine(vec![FromEngine::RunContinued { run_id: "run-7".into(), candidates: 0, generations: 0, references: 0 }]),
    );
    assert_eq!(going.run.status, RunStatus::Running);

    // Resumed after the crash, it stops the engine again before scoring anything: the engine is
    // restarted, the run is not resumed a second time.
    let again = reduce(&going, Action::Engine(vec![FromEngine::Crashed { message: "out of memory".into() }]));
    assert!(matches!(again.pending, Some((_, FollowUp::RestartOnCpu(_)))));
    let RunStatus::Finished(protocol::RunEnd::Failed { message }) = &again.run.status else { panic!("{:?}", again.run.status) };
    assert!(message.contains("stopped the engine twice"), "{message}");
    assert!(again.resume_after_restart.is_none());
    // Had it scored a candidate first, it would have gone on again from its new checkpoint.
    let table = engine::tabular::Nb201Table::from_json(&std::fs::read_to_string("../../www/nb201/nb201_12ep.json").unwrap()).unwrap();
    let mut tabular = RunRequest::default_digits();
    tabular.dataset = protocol::DatasetChoice::Nb201 { dataset: engine::tabular::Nb201Dataset::Cifar10 };
    let mut lookup = runner::Run::new(&tabular, nn::backend::cpu(), Some(table)).unwrap();
    let runner::Advance::Scored(events) = pollster::block_on(lookup.advance(0.0, async |_| true)) else { panic!("a candidate") };
    let candidate = events.into_iter().find(|e| matches!(e, FromEngine::Candidate(_))).expect("a candidate");
    let scored = reduce(&going, Action::Engine(vec![candidate]));
    let later = reduce(&scored, Action::Engine(vec![FromEngine::Crashed { message: "out of memory".into() }]));
    assert_eq!(later.resume_after_restart.as_deref(), Some("run-7"));
}

#[test]
fn an_imported_genotype_is_checked_against_the_form_before_it_can_be_trained() {
    use ui::model::form::DatasetKind;
    use ui::model::run::RunStatus;
    let state = ready(webgpu());
    assert!(!state.can_train_imported());
    assert!(state.import_request(1.0).unwrap_err().contains("paste a genotype"));
    let cases = [
        ("8:conv3x3|16:skip|32:eca", None),
        ("{\"format\": \"efficientnas-genotype\", \"text\": \"8:conv3x3|16:skip|32:eca\"}", None),
        ("8:conv3x3|16:skip", Some("not in the search space")),
        ("8:conv7x7|16:skip|32:eca", Some("conv7x7")),
    ];
    for (text, problem) in cases {
        let edited = reduce(&state, Action::ImportEdited(text.into()));
        match problem {
            None => {
                let request = edited.import_request(42.0).unwrap();
                assert_eq!(request.genotype.as_deref(), Some("8:conv3x3|16:skip|32:eca"));
                assert_eq!(request.run_id, "run-42-imported");
                assert!(edited.can_train_imported());
                let started = reduce(&edited, Action::ImportedTrainingRequested);
                assert_eq!(started.run.status, RunStatus::Starting);
                assert!(!started.can_train_imported() && !started.can_search(), "one run at a time");
            }
            Some(expected) => {
                let error = edited.import_request(42.0).unwrap_err();
                assert!(error.contains(expected), "{text}: {error}");
                assert!(!edited.can_train_imported());
            }
        }
    }
    let tabular = reduce(
        &reduce(&state, Action::ImportEdited("8:conv3x3|16:skip|32:eca".into())),
        Action::DatasetChosen(DatasetKind::Nb201(engine::tabular::Nb201Dataset::Cifar10)),
    );
    assert!(tabular.import_request(1.0).unwrap_err().contains("NAS-Bench-201"));
}

#[test]
fn a_space_too_wide_for_the_adapters_buffers_is_refused_at_search_with_the_figures() {
    use protocol::AdapterLimit;
    use ui::model::form::Field;
    let limit = |name: &str, value: u64| AdapterLimit { name: name.into(), value };
    let adapter = AdapterInfo { limits: vec![limit("maxBufferSize", 1 << 30), limit("maxStorageBufferBindingSize", 1 << 30)], ..AdapterInfo::default() };
    let state = ready(BackendReport::Webgpu { adapter });
    assert_eq!(state.memory_problem(), None, "the default space fits");
    assert!(state.can_search());
    let wide = reduce(&state, Action::FormEdited(Field::CellWidths, "1024 | 1024".into()));
    let wide = reduce(&wide, Action::FormEdited(Field::BatchSize, "1024".into()));
    let problem = wide.memory_problem().expect("too wide for 1 GiB buffers");
    assert!(problem.contains("largest tensor 3.1 GiB: cell 1's entry output, 1024 × 1024 × 28 × 28 values of 4 bytes"), "{problem}");
    assert!(problem.contains("this WebGPU adapter (maxStorageBufferBindingSize 1 GiB) allows at most 1 GiB per tensor"), "{problem}");
    assert!(!wide.can_search(), "Search waits until it fits");
    let smaller = reduce(&wide, Action::FormEdited(Field::BatchSize, "64".into()));
    assert_eq!(smaller.memory_problem(), None);
    let cpu = ready(BackendReport::Cpu { reason: "no adapter".into() });
    let cpu_wide = reduce(&reduce(&cpu, Action::FormEdited(Field::CellWidths, "1024 | 1024".into())), Action::FormEdited(Field::BatchSize, "1024".into()));
    let problem = cpu_wide.memory_problem().expect("beyond wasm32");
    assert!(problem.contains("the CPU backend in WebAssembly"), "{problem}");
}

#[test]
fn without_web_locks_a_fresh_word_from_another_tab_marks_its_run_as_driven_elsewhere() {
    use ui::model::saved::{OWNER_STALE_MS, OwnerBeat, driven_elsewhere};
    let beat = |run_id: &str, tab: &str, at_ms: f64| OwnerBeat { run_id: run_id.into(), tab: tab.into(), at_ms };
    let beats = [beat("run-1", "other", 10_000.0), beat("run-2", "me", 10_000.0), beat("run-3", "other", 10_000.0 - OWNER_STALE_MS - 1.0)];
    assert_eq!(driven_elsewhere(&beats, "me", 10_500.0), vec!["run-1".to_string()], "not this tab's own run, not a stale word");
    assert!(driven_elsewhere(&beats, "me", 10_000.0 + OWNER_STALE_MS + 1.0).is_empty(), "a closed tab's word goes stale");
}

fn cpu() -> BackendReport {
    BackendReport::Cpu { reason: "no adapter".into() }
}

/// A profile of every block of `space` at 0.01 ms.
fn profile(space: &engine::space::SpaceConfig) -> engine::hardware::LatencyTable {
    let blocks = engine::hardware::space_blocks(space).into_iter().map(|block| engine::hardware::BlockTime { block, ms: 0.01 }).collect();
    engine::hardware::LatencyTable { blocks, measured: engine::hardware::Measured { backend: "CPU backend".into(), seconds: 2.5, ..Default::default() }, ..Default::default() }
}

#[test]
fn choosing_this_device_calibrates_once_keeps_the_profile_and_searches_with_it() {
    use ui::model::form::{Field, TargetChoice};
    let state = ready(cpu());
    assert!(state.calibration_status().is_none(), "a board asks for nothing");
    let chosen = reduce(&state, Action::TargetChosen(TargetChoice::ThisDevice));
    let Some((_, FollowUp::Profile { key, space })) = chosen.pending.clone() else { panic!("{:?}", chosen.pending) };
    assert!(key.starts_with("cpu|"), "{key}");
    assert!(!chosen.can_search(), "not before the profile is there");
    let refused = chosen.run_request(1.0).expect_err("no profile yet");
    assert!(refused[&Field::Target].contains("not calibrated for this space yet"), "{refused:?}");
    // Nothing kept: the engine calibrates, and the form shows how far it has come.
    let total = engine::hardware::space_blocks(&space).len() as u32 + protocol::CALIBRATION_NETWORKS;
    let sent = reduce(&chosen, Action::ProfileRead { key: key.clone(), kept: None, blocks: total });
    assert!(sent.calibration.running() && !sent.can_search());
    let progress = protocol::CalibrationProgress { done: 20, total, elapsed_s: 2.0 };
    let going = reduce(&sent, Action::Engine(vec![FromEngine::Calibrating(progress)]));
    let status = going.calibration_status().unwrap();
    assert!(status.starts_with(&format!("Calibrating this device: 20 of {total} timed, about")), "{status}");
    let table = profile(&space);
    let done = reduce(&going, Action::Engine(vec![FromEngine::Calibrated { profile: Box::new(table.clone()) }]));
    assert_eq!(done.pending.as_ref().map(|(_, f)| f.clone()), Some(FollowUp::KeepProfile { key: key.clone(), profile: Box::new(table.clone()) }));
    assert!(done.can_search(), "calibrated: Search is open");
    assert_eq!(done.run_request(1.0).unwrap().latency_table, Some(table.clone()), "the search carries the profile");
    assert!(done.calibration_status().unwrap().contains("energy stays the mobile profile's"));
    // Nothing is asked again for the same space and backend.
    let again = reduce(&done, Action::TargetChosen(TargetChoice::ThisDevice));
    assert_eq!(again.pending, done.pending);
    // A board drops it from the search.
    let board = reduce(&done, Action::TargetChosen(TargetChoice::Board(engine::hardware::Target::Edge)));
    assert_eq!(board.run_request(1.0).unwrap().latency_table, None);
}

#[test]
fn a_profile_kept_from_an_earlier_visit_is_used_without_calibrating() {
    use ui::model::form::TargetChoice;
    let chosen = reduce(&ready(cpu()), Action::TargetChosen(TargetChoice::ThisDevice));
    let Some((_, FollowUp::Profile { key, space })) = chosen.pending.clone() else { panic!("{:?}", chosen.pending) };
    let kept = reduce(&chosen, Action::ProfileRead { key, kept: Some(Box::new(profile(&space))), blocks: 0 });
    assert!(!kept.calibration.running() && kept.can_search());
    assert!(kept.calibration_status().unwrap().contains("kept from an earlier visit"), "{:?}", kept.calibration_status());
    // Another space needs another profile.
    let wider = reduce(&kept, Action::FormEdited(ui::model::form::Field::CellWidths, "8,16 | 16,32 | 32,64".into()));
    assert!(wider.profile().is_none() && matches!(wider.pending, Some((_, FollowUp::Profile { .. }))));
    // A failed calibration says why and is not retried by itself.
    let Some((_, FollowUp::Profile { key, .. })) = wider.pending.clone() else { unreachable!() };
    let sent = reduce(&wider, Action::ProfileRead { key, kept: None, blocks: 10 });
    let error = FromEngine::Error(EngineError::new("calibrating this device", "the GPU went away"));
    let failed = reduce(&sent, Action::Engine(vec![error]));
    assert!(failed.calibration_status().unwrap().contains("could not be calibrated: the GPU went away"));
    assert_eq!(failed.pending, sent.pending);
}

#[test]
fn a_lesson_link_can_ask_for_this_device() {
    let state = reduce(&AppState::default(), Action::LinkOpened("#v=1&target=this".into()));
    assert!(state.form.this_device);
    assert!(state.lesson_link().contains("target=this"));
    let booted = reduce(&state, Action::Engine(vec![FromEngine::Booted { protocol_version: PROTOCOL_VERSION }]));
    let ready = reduce(&booted, Action::Engine(vec![FromEngine::Ready { backend: cpu() }]));
    // The engine times the backends first; the calibration follows once that is over.
    let timed = if ready.backends.timing {
        let step = protocol::StepSpeed { first_step_ms: 1.0, median_step_ms: 1.0, steps: 5 };
        let speeds = BackendSpeeds { network: "8:conv3x3".into(), parameters: 802, batch_size: 64, cpu: step, webgpu: WebgpuSpeed::Unavailable { reason: "none".into() } };
        reduce(&ready, Action::Engine(vec![FromEngine::BackendsMeasured(speeds)]))
    } else {
        ready
    };
    assert!(matches!(timed.pending, Some((_, FollowUp::Profile { .. }))), "{:?}", timed.pending);
}

#[test]
fn nas_bench_201_needs_no_profile_of_this_device() {
    use ui::model::form::{DatasetKind, TargetChoice};
    let chosen = reduce(&ready(cpu()), Action::TargetChosen(TargetChoice::ThisDevice));
    let tabular = reduce(&chosen, Action::DatasetChosen(DatasetKind::Nb201(engine::tabular::Nb201Dataset::Cifar10)));
    assert!(!tabular.wants_profile());
    assert!(tabular.can_search(), "its cells are looked up: nothing to calibrate");
    assert_eq!(tabular.run_request(1.0).unwrap().latency_table, None);
    assert!(tabular.calibration_status().unwrap().contains("looked up, not built here"));
}
