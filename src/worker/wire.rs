//! What the engine worker leading a run and its trainer workers say to each other (instances
//! of this same module, so the format is private to it): JSON text, with weight records as
//! byte arrays beside it that move between the workers uncopied.

use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use engine::memory::MemoryLimits;
use nn::evaluate::{Evaluated, JobOrder};
use protocol::{RunRequest, TrainingProgress, TrainingRole};

/// The name the lead gives its trainer workers, by which one knows it is a trainer.
pub(crate) const TRAINER_NAME: &str = "trainer";

/// From the lead to a trainer.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum ToTrainer {
    /// Train the run's candidates as `request` says, within `limits`.
    Setup { request: Box<RunRequest>, limits: Option<MemoryLimits> },
    /// Train job `job`; its parents' weight records come beside, in order.
    Train { job: u64, order: Box<JobOrder>, role: TrainingRole, run_elapsed_s: f64 },
    /// Stop at the next step boundary and say so with `Held`, until `Release`.
    Hold { round: u64 },
    /// Go on after a hold.
    Release,
    /// Drop job `job`: the run no longer wants it.
    Cancel { job: u64 },
}

/// From a trainer to the lead.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum FromTrainer {
    /// Loaded and listening: it can be set up (messages sent before are lost).
    Booted,
    /// Set up: it takes jobs.
    Ready,
    /// The training of a job, now.
    Progress(TrainingProgress),
    /// Held at a step boundary (or idle) for hold `round`.
    Held { round: u64 },
    /// Job `job` trained; the network's weight record comes beside when training succeeded.
    Trained { job: u64, evaluated: Box<Evaluated> },
    /// Job `job` was cancelled and dropped.
    Dropped { job: u64 },
    /// The trainer cannot go on (set-up failed, a panic, bytes it could not read): why.
    Broken { message: String },
}

/// `text` and `records` as one message, and the buffers to transfer with it.
pub(crate) fn message(text: String, records: Vec<Vec<u8>>) -> (JsValue, js_sys::Array) {
    let arrays = js_sys::Array::new();
    let transfer = js_sys::Array::new();
    for record in records {
        let array = js_sys::Uint8Array::from(record.as_slice());
        transfer.push(&array.buffer());
        arrays.push(&array);
    }
    (js_sys::Array::of2(&text.into(), &arrays).into(), transfer)
}

/// A message's text and the records beside it; `None` when it is not one of [`message`]'s.
pub(crate) fn read_message(data: &JsValue) -> Option<(String, Vec<Vec<u8>>)> {
    if !js_sys::Array::is_array(data) {
        return None;
    }
    let parts = js_sys::Array::from(data);
    let text = parts.get(0).as_string()?;
    let records = js_sys::Array::from(&parts.get(1)).iter().filter_map(|a| a.dyn_into::<js_sys::Uint8Array>().ok()).map(|a| a.to_vec()).collect();
    Some((text, records))
}
