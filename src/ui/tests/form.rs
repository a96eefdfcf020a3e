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
