//! The run as the page holds it: the front kept up to date as candidates arrive equals the
//! front recomputed from scratch, after a reload's truncation too; the line that says what is
//! training, and why.

use engine::moo::dominates;
use engine::search::{Objective, RecordStatus};
use engine::tabular::{Nb201Dataset, Nb201Table};
use protocol::{DatasetChoice, FromEngine, RunRequest, TrainingProgress, TrainingRole};
use runner::Run;
use ui::model::run::{RunView, training_line};

/// The feasible, non-failed candidates no other one dominates, the first of each `arch_id`.
fn front_from_scratch(view: &RunView) -> Vec<usize> {
    let c = &view.candidates;
    let usable: Vec<usize> = (0..c.len()).filter(|&i| c[i].feasible() && !matches!(c[i].status, RecordStatus::Failed { .. })).collect();
    let mut front: Vec<usize> = Vec::new();
    for &i in &usable {
        let dominated = usable.iter().any(|&j| j != i && dominates(&c[j].objectives, &c[i].objectives));
        if !dominated && !front.iter().any(|&k| c[k].arch_id == c[i].arch_id) {
            front.push(i);
        }
    }
    front
}

/// The events of a 500-evaluation NAS-Bench-201 search on three objectives, its start first.
fn tabular_events() -> (protocol::RunInfo, Vec<FromEngine>) {
    let table = Nb201Table::from_json(&std::fs::read_to_string("../../www/nb201/nb201_12ep.json").unwrap()).unwrap();
    let mut request = RunRequest::default_digits();
    request.dataset = DatasetChoice::Nb201 { dataset: Nb201Dataset::Cifar10 };
    request.search.objectives = vec![Objective::Error, Objective::Params, Objective::Macs];
    (request.search.population, request.search.generations) = (20, 25);
    let mut run = Run::new(&request, nn::backend::cpu(), Some(table)).unwrap();
    let info = run.info().clone();
    (info, runner::blocking::drive_to_end(&mut run, |_| {}))
}

#[test]
fn the_front_kept_as_candidates_arrive_is_the_front_recomputed() {
    let (info, events) = tabular_events();
    let mut view = RunView::default();
    for (n, event) in events.iter().enumerate() {
        view.apply(event);
        if n % 37 == 0 {
            assert_eq!(view.front(), front_from_scratch(&view), "after {} candidates", view.candidates.len());
        }
    }
    assert_eq!(view.candidates.len(), 500);
    assert!(view.front().len() > 1);
    assert_eq!(view.front(), front_from_scratch(&view));
    // A reload continues from a checkpoint: the page keeps what was saved before it.
    view.apply(&FromEngine::RunContinued { run_id: info.run_id.clone(), candidates: 120, generations: 6, references: 0 });
    assert_eq!(view.candidates.len(), 120);
    assert_eq!(view.front(), front_from_scratch(&view));
}

#[test]
fn the_training_line_says_what_trains_why_and_for_how_long() {
    let progress = |role: TrainingRole, step: u32| TrainingProgress {
        candidate_id: 4,
        text: "8:conv3x3".into(),
        step,
        steps: 120,
        loss: 1.25,
        role,
        elapsed_ms: 2_000.0 * f64::from(step),
        run_elapsed_s: 30.0,
    };
    let reference = training_line(&progress(TrainingRole::Reference { name: "VGG-like".into() }, 30));
    assert_eq!(reference, "Training the reference VGG-like (hand-designed, the same steps as a new candidate): 8:conv3x3 — step 30 of 120, loss 1.25, about 3 min 00 s left for it");
    assert!(training_line(&progress(TrainingRole::Sampled, 1)).starts_with("Training #4, sampled at random: "));
    assert!(training_line(&progress(TrainingRole::Child, 119)).ends_with("about 2 s left for it"));
    assert!(training_line(&progress(TrainingRole::Imported, 0)).ends_with("loss 1.25"), "no estimate before a step");
}
