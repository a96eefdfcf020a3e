//! The search form's budgets: a training-step budget reaches the request (and a lesson link),
//! and a wrong one is placed under its field.

use ui::model::form::{Field, RunForm};
use ui::model::link::{Lesson, decode, encode};

#[test]
fn a_training_step_budget_ends_the_search_at_equal_compute() {
    let mut form = RunForm::default();
    assert_eq!(form.to_request().expect("the default form checks").search.max_train_steps, None, "no step limit by default");
    form.set(Field::StepBudget, "5000");
    assert_eq!(form.to_request().expect("checks").search.max_train_steps, Some(5000));
    let lesson = Lesson { form: form.clone(), hidden: Vec::new(), locked: Vec::new() };
    let link = encode(&lesson);
    assert!(link.contains("step_budget=5000"), "{link}");
    assert_eq!(decode(&link).expect("reads back").form.get(Field::StepBudget), "5000");
    for (text, expected) in [("lots", "\"lots\" is not allowed: a positive whole number"), ("0.2", "max_train_steps = 0 is invalid")] {
        form.set(Field::StepBudget, text);
        let errors = form.to_request().expect_err("refused");
        assert!(errors.get(&Field::StepBudget).is_some_and(|e| e.contains(expected)), "{text}: {errors:?}");
    }
    assert!(Field::StepBudget.help().contains("equal compute"));
}

#[test]
fn the_page_starts_with_a_worker_per_core_but_one_within_memory_and_the_field_reaches_the_request() {
    use ui::model::form::default_workers;
    assert_eq!(default_workers(Some(8), Some(8.0)), 7, "one core left to the page");
    assert_eq!(default_workers(Some(16), Some(2.0)), 4, "half of 2 GB holds 4 workers of about 256 MB");
    assert_eq!(default_workers(Some(2), None), 1);
    assert_eq!(default_workers(Some(1), Some(8.0)), 1, "never none");
    assert_eq!(default_workers(None, None), 1, "a browser that says nothing gets one");
    assert_eq!(default_workers(Some(512), Some(f64::NAN)), 64, "at most the range's top");

    let mut form = RunForm::default();
    assert_eq!(form.get(Field::Workers), "1");
    form.set(Field::Workers, "2");
    assert_eq!(form.to_request().map(|r| r.training.workers).ok(), Some(2));
    form.set(Field::Workers, "0");
    let errors = form.to_request().expect_err("0 workers is refused");
    assert!(errors[&Field::Workers].contains("1 to 64"), "{errors:?}");
}

#[test]
fn steps_below_the_floor_are_said_to_give_noise_and_the_default_is_above_it() {
    use ui::model::form::{DatasetKind, Field, RunForm};
    let form = RunForm::default();
    assert_eq!(form.floor_warning(), None, "the default trains above the floor");
    let mut short = form.clone();
    short.set(Field::Steps, "10");
    let warning = short.floor_warning().expect("10 steps of 32 is below the floor");
    assert!(warning.contains(&format!("Below {} steps of 32 images", protocol::floor_steps(32))), "{warning}");
    short.set(Field::BatchSize, "1024");
    assert_eq!(short.floor_warning(), None, "the floor is counted in images");
    short.set(Field::BatchSize, "many");
    assert_eq!(short.floor_warning(), None, "nothing to say while the batch does not parse");
    let mut tabular = form.clone();
    tabular.set(Field::Steps, "1");
    tabular.dataset = DatasetKind::ALL.into_iter().find(|d| d.tabular()).unwrap();
    assert_eq!(tabular.floor_warning(), None);
}

#[test]
fn rungs_reach_the_request_and_the_link_and_a_wrong_count_is_placed_under_the_field() {
    use engine::search::Rungs;
    let mut form = RunForm::default();
    assert_eq!(form.get(Field::Rungs), "off");
    assert_eq!(form.to_request().expect("checks").search.rungs, None, "off by default");
    form.set(Field::Rungs, "3");
    assert_eq!(form.to_request().expect("checks").search.rungs, Some(Rungs { fraction: 1.0 / 3.0, eta: 3 }));
    let link = encode(&Lesson { form: form.clone(), hidden: Vec::new(), locked: Vec::new() });
    assert!(link.contains("rungs=3"), "{link}");
    assert_eq!(decode(&link).expect("reads back").form.to_request().expect("checks").search.rungs.map(|r| r.eta), Some(3));
    assert_eq!(RunForm::from_request(&form.to_request().expect("checks")).get(Field::Rungs), "3");
    for text in ["1", "9", "half"] {
        form.set(Field::Rungs, text);
        let errors = form.to_request().expect_err("refused");
        assert!(errors.get(&Field::Rungs).is_some_and(|e| e.contains("off, or a whole number from 2 to 8")), "{text}: {errors:?}");
    }
    form.dataset = ui::model::form::DatasetKind::ALL.into_iter().find(|d| d.tabular()).expect("a table");
    assert_eq!(form.to_request().expect("a table has no rungs to check").search.rungs, None);
}
