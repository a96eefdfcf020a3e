//! Spawns the engine's Web Worker and carries protocol messages to and from it.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use protocol::{FromEngine, ToEngine, decode, encode};

/// Where Trunk's loader shim for the worker bin lands in the built page.
pub const WORKER_LOADER: &str = "./worker_loader.js";

/// Messages arriving within this many milliseconds reach the page together, so a burst (a
/// tabular search scores hundreds of candidates a second) renders a few times, not per message.
pub const BATCH_MS: u32 = 40;

/// A running engine worker; dropping it terminates the worker.
pub struct EngineBridge {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl EngineBridge {
    /// Starts the worker; `on_events` receives, in order and in batches of at most
    /// [`BATCH_MS`], each decoded message, or a description of a message that could not be read
    /// or of a worker that failed to load.
    pub fn spawn(on_events: impl Fn(Vec<Result<FromEngine, String>>) + 'static) -> Result<Self, String> {
        let worker = Worker::new(WORKER_LOADER)
            .map_err(|error| format!("could not start the engine worker: {error:?}"))?;
        let on_events = Rc::new(on_events);
        let queue: Rc<RefCell<Vec<Result<FromEngine, String>>>> = Rc::new(RefCell::new(Vec::new()));
        let enqueue = Rc::new(move |event: Result<FromEngine, String>| {
            let first = {
                let mut queue = queue.borrow_mut();
                queue.push(event);
                queue.len() == 1
            };
            if first {
                let (queue, on_events) = (queue.clone(), on_events.clone());
                Timeout::new(BATCH_MS, move || {
                    let batch = std::mem::take(&mut *queue.borrow_mut());
                    on_events(batch);
                })
                .forget();
            }
        });
        let on_message = {
            let enqueue = enqueue.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let decoded = match event.data().as_string() {
                    Some(text) => decode::<FromEngine>(&text)
                        .map_err(|error| format!("the engine sent a message this page cannot read: {error}")),
                    None => Err("the engine sent a message that is not text".to_string()),
                };
                enqueue(decoded);
            })
        };
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            enqueue(Err(format!("the engine worker failed: {}", event.message())));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self { worker, _on_message: on_message, _on_error: on_error })
    }

    /// Sends one message to the engine.
    pub fn send(&self, message: &ToEngine) -> Result<(), String> {
        self.worker
            .post_message(&encode(message).into())
            .map_err(|error| format!("could not send to the engine: {error:?}"))
    }
}

impl EngineBridge {
    /// Sends a message with files beside it (see [`ToEngine::LoadDataset`]): `files` is an
    /// array of `{path, bytes}` objects; the buffers in `transfer` move to the worker uncopied.
    pub fn send_with_files(&self, message: &ToEngine, files: &js_sys::Array, transfer: &js_sys::Array) -> Result<(), String> {
        let parts = js_sys::Array::of2(&encode(message).into(), files);
        self.worker
            .post_message_with_transfer(&parts, transfer)
            .map_err(|error| format!("could not send the files to the engine: {error:?}"))
    }
}

impl Drop for EngineBridge {
    fn drop(&mut self) {
        // Detach the handlers first: events already queued must not reach dropped closures.
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}
