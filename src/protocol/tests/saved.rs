//! Saved runs as plain data: record round trip, versions, event keys and order, and reading
//! events back up to a checkpoint.

use engine::problem::VariationCounts;
use engine::search::GenerationSummary;
use protocol::{FromEngine, PROTOCOL_VERSION, RunEnd, RunInfo, RunRequest};
use protocol::saved::{
    Checkpoint, SavedError, SavedRun, SavedStatus, event_key, event_range, events_to_save, read_events,
};

fn info(request: &RunRequest) -> RunInfo {
    RunInfo {
        run_id: request.run_id.clone(),
        dataset: "digits".into(),
        images: 100,
        valid_images: 10,
        objectives: request.search.objectives.clone(),
        generations: request.search.generations,
        population: request.search.population,
        tabular: false,
        space: Some(request.space.clone()),
        target: request.search.target,
        latency: request.search.latency,
        time_budget_s: None,
        this_device: false,
        workers: 1,
    }
}

fn saved() -> SavedRun {
    let mut request = RunRequest::default_digits();
    request.run_id = "run-1764000000000".into();
    let info = info(&request);
    SavedRun::started(request, info, 1_764_000_000_000.0)
}

fn generation(generation: u32) -> FromEngine {
    let summary: GenerationSummary = serde_json::from_value(serde_json::json!({
        "generation": generation, "evaluated": 1, "hypervolume": 0.5, "front": [], "counts": VariationCounts::default(),
        "violators_not_trained": 0, "cache_hits": 0, "failures": 0, "evaluations_total": 1, "stage": null
    }))
    .unwrap_or_else(|e| panic!("a generation summary for tests: {e}"));
    FromEngine::Generation(summary)
}

#[test]
fn a_saved_run_round_trips_and_tracks_checkpoints_and_its_end() {
    let mut run = saved();
    assert_eq!(run.status, SavedStatus::Unfinished);
    assert_eq!(run.next_event(), 0);
    run.checkpointed(&Checkpoint { candidates: 5, generations: 1, references: 0, seconds: 3.0, snapshot: "{}".into() });
    assert_eq!((run.candidates, run.seconds, run.next_event()), (5, 3.0, 6));
    assert_eq!(SavedRun::from_json(&run.to_json()), Ok(run.clone()));
    run.finished(RunEnd::Stopped, 7, 4.5);
    assert!(!run.status.resumable());
    assert_eq!((run.candidates, run.checkpoint.is_none()), (7, true), "a finished run keeps no snapshot");
}

#[test]
fn records_of_another_version_or_garbled_are_refused_with_a_reason() {
    let mut run = saved();
    run.protocol_version = PROTOCOL_VERSION - 1;
    let error = SavedRun::from_json(&run.to_json()).unwrap_err();
    assert!(matches!(&error, SavedError::OtherVersion { found, .. } if *found == PROTOCOL_VERSION - 1));
    assert!(error.to_string().contains("can only be deleted"), "{error}");
    assert!(matches!(SavedRun::from_json("{\"run_id\": 3"), Err(SavedError::Garbled(_))));
}

#[test]
fn event_keys_sort_in_order_within_the_run_range() {
    let (low, high) = event_range("run-5");
    let keys: Vec<String> = [0, 9, 10, 99_999].iter().map(|&n| event_key("run-5", n)).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
    assert!(keys.iter().all(|k| low <= *k && *k <= high));
    assert!(event_key("run-50", 0) > high || event_key("run-50", 0) < low, "another run's keys fall outside");
}

#[test]
fn only_candidates_and_generations_are_saved_and_read_back_up_to_the_checkpoint() {
    let events = vec![FromEngine::RunResumed, generation(0), FromEngine::RunPaused { evaluations: 1 }, generation(1), generation(2)];
    let mut next = 4;
    let saved = events_to_save("run-5", &mut next, &events);
    assert_eq!(next, 7);
    assert_eq!(saved.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(), vec![event_key("run-5", 4), event_key("run-5", 5), event_key("run-5", 6)]);
    let texts: Vec<String> = saved.into_iter().map(|(_, text)| text).collect();
    assert_eq!(read_events(&texts, None).unwrap().len(), 3);
    let kept = read_events(&texts, Some((0, 2))).unwrap();
    assert_eq!(kept, vec![generation(0), generation(1)], "events after the checkpoint are left out");
    let mut garbled = texts.clone();
    garbled[1] = "{\"v\":1,\"msg\":{}}".into();
    let error = read_events(&garbled, None).unwrap_err();
    assert!(error.contains("saved event 1"), "{error}");
}

#[test]
fn events_saved_before_the_arch_id_rename_still_read() {
    let text = serde_json::json!({ "v": PROTOCOL_VERSION, "msg": { "generation": {
        "generation": 0, "evaluated": 1, "hypervolume": 0.5, "counts": VariationCounts::default(),
        "violators_not_trained": 0, "cache_hits": 0, "failures": 0, "evaluations_total": 1, "stage": null,
        "front": [{ "candidate_id": 0, "id": "00000000000000ab", "text": "16:conv3x3", "objectives": [0.5, 1.0] }] } } })
    .to_string();
    let events = read_events(&[text], None).unwrap();
    let [FromEngine::Generation(summary)] = events.as_slice() else { panic!("one generation: {events:?}") };
    assert_eq!(summary.front[0].arch_id, "00000000000000ab");
}
