//! A trainer worker: started by the engine worker leading a run (see [`crate::pool`]), it sets
//! the run up from its request, then trains the jobs it is sent one at a time and sends each
//! back with its network's weights. It holds at a step boundary when asked (while the lead
//! times a network, or the visitor has paused), drops a job the run no longer wants, and says
//! when it cannot go on (its panic hook too), so the lead hands its job to another trainer.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use protocol::{DatasetChoice, TrainingProgress};
use runner::Run;

use crate::fetch::fetch_digits;
use crate::search::PROGRESS_EVERY_MS;
use crate::wake::{Signal, yield_now};
use crate::wire::{FromTrainer, ToTrainer, message, read_message};

/// Set once this instance runs as a trainer: its panic hook then tells the lead.
static TRAINER: AtomicBool = AtomicBool::new(false);

/// Whether this instance is a trainer.
pub(crate) fn is_trainer() -> bool {
    TRAINER.load(Ordering::SeqCst)
}

#[derive(Default)]
struct Trainer {
    /// The run whose jobs it trains, once set up.
    run: Option<Rc<Run>>,
    /// The job training now.
    busy: Option<u64>,
    /// The hold in force, and the last one answered.
    hold: Option<u64>,
    answered: Option<u64>,
    /// Jobs the lead dropped.
    cancelled: BTreeSet<u64>,
    /// Raised when a hold ends or a job is dropped.
    news: Signal,
}

/// Starts this instance as a trainer: listens for the lead's messages.
pub(crate) fn start() {
    TRAINER.store(true, Ordering::SeqCst);
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = Rc::new(RefCell::new(Trainer::default()));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let state = state.clone();
        spawn_local(async move {
            let read = read_message(&event.data()).ok_or_else(|| "a message that is not the lead's".to_string());
            match read.and_then(|(text, records)| serde_json::from_str::<ToTrainer>(&text).map(|m| (m, records)).map_err(|e| e.to_string())) {
                Ok((request, records)) => handle(&state, request, records).await,
                Err(problem) => send(&FromTrainer::Broken { message: format!("the trainer could not read the lead: {problem}") }, Vec::new()),
            }
        });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    send(&FromTrainer::Booted, Vec::new());
}

/// Sends `reply` to the lead, the records moved beside it.
pub(crate) fn send(reply: &FromTrainer, records: Vec<Vec<u8>>) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let text = serde_json::to_string(reply)
        .or_else(|e| serde_json::to_string(&FromTrainer::Broken { message: format!("the trainer could not write its reply: {e}") }))
        .unwrap_or_default();
    let (value, transfer) = message(text, records);
    if let Err(error) = scope.post_message_with_transfer(&value, &transfer) {
        web_sys::console::error_1(&error);
    }
}

async fn handle(state: &Rc<RefCell<Trainer>>, request: ToTrainer, records: Vec<Vec<u8>>) {
    match request {
        ToTrainer::Setup { request, limits } => {
            let dataset = match request.dataset {
                DatasetChoice::Digits => match fetch_digits().await {
                    Ok(digits) => Some(digits),
                    Err(message) => return send(&FromTrainer::Broken { message }, Vec::new()),
                },
                _ => None,
            };
            let built = match dataset {
                Some(dataset) => Run::with_dataset(&request, nn::backend::cpu(), dataset),
                None => Run::new(&request, nn::backend::cpu(), None),
            };
            match built {
                Ok(mut run) => {
                    if let Some(limits) = limits {
                        run.limit_memory(limits);
                    }
                    state.borrow_mut().run = Some(Rc::new(run));
                    send(&FromTrainer::Ready, Vec::new());
                }
                Err(error) => send(&FromTrainer::Broken { message: error.to_string() }, Vec::new()),
            }
        }
        ToTrainer::Train { job, order, role, run_elapsed_s } => train(state, job, *order, (role, run_elapsed_s), records).await,
        ToTrainer::Hold { round } => {
            let idle = {
                let mut state = state.borrow_mut();
                state.hold = Some(round);
                state.busy.is_none()
            };
            if idle {
                answer_hold(state);
            }
        }
        ToTrainer::Release => {
            state.borrow_mut().hold = None;
            state.borrow().news.raise();
        }
        ToTrainer::Cancel { job } => {
            state.borrow_mut().cancelled.insert(job);
            state.borrow().news.raise();
        }
    }
}

/// Says `Held` for the hold in force, once.
fn answer_hold(state: &RefCell<Trainer>) {
    let mut state = state.borrow_mut();
    if let Some(round) = state.hold.filter(|&round| state.answered != Some(round)) {
        state.answered = Some(round);
        send(&FromTrainer::Held { round }, Vec::new());
    }
}

async fn train(state: &Rc<RefCell<Trainer>>, job: u64, order: nn::evaluate::JobOrder, role: (protocol::TrainingRole, f64), records: Vec<Vec<u8>>) {
    let Some(run) = state.borrow().run.clone() else {
        return send(&FromTrainer::Broken { message: "a job came before the run was set up".into() }, Vec::new());
    };
    let Some(evaluator) = run.evaluator() else {
        return send(&FromTrainer::Broken { message: "this run trains nothing".into() }, Vec::new());
    };
    let work = match evaluator.job_from(order, records) {
        Ok(work) => work,
        Err(error) => return send(&FromTrainer::Broken { message: format!("reading the parents' weights: {error}") }, Vec::new()),
    };
    state.borrow_mut().busy = Some(job);
    let mut last: Option<web_time::Instant> = None;
    let mut hook = async |progress: TrainingProgress| {
        if last.is_none_or(|at| at.elapsed().as_millis() >= PROGRESS_EVERY_MS) {
            send(&FromTrainer::Progress(progress), Vec::new());
            last = Some(web_time::Instant::now());
        }
        yield_now().await;
        loop {
            if state.borrow().cancelled.contains(&job) {
                return false;
            }
            if state.borrow().hold.is_none() {
                return true;
            }
            answer_hold(state);
            let news = state.borrow().news.clone();
            news.wait().await;
        }
    };
    let trained = run.train(work, role, &mut hook).await;
    let reply = match trained {
        None => (FromTrainer::Dropped { job }, Vec::new()),
        Some(trained) => match evaluator.parts_of(trained).await {
            Ok((evaluated, record)) => (FromTrainer::Trained { job, evaluated: Box::new(evaluated) }, record.into_iter().collect()),
            Err(error) => (FromTrainer::Broken { message: format!("writing the trained weights: {error}") }, Vec::new()),
        },
    };
    state.borrow_mut().busy = None;
    send(&reply.0, reply.1);
    answer_hold(state);
}
