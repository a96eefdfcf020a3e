//! Spawns the engine's Web Worker and carries protocol messages to and from it.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::protocol::{FromEngine, ToEngine, decode, encode};

/// Where Trunk's loader shim for the worker bin lands in the built page.
pub const WORKER_LOADER: &str = "./worker_loader.js";

/// A running engine worker; dropping it terminates the worker.
pub struct EngineBridge {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl EngineBridge {
    /// Starts the worker; `on_event` receives each decoded message, or a description of a
    /// message that could not be read or of a worker that failed to load.
    pub fn spawn(on_event: impl Fn(Result<FromEngine, String>) + 'static) -> Result<Self, String> {
        let worker = Worker::new(WORKER_LOADER)
            .map_err(|error| format!("could not start the engine worker: {error:?}"))?;
        let on_event = std::rc::Rc::new(on_event);
        let on_message = {
            let on_event = on_event.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let decoded = match event.data().as_string() {
                    Some(text) => decode::<FromEngine>(&text)
                        .map_err(|error| format!("the engine sent a message this page cannot read: {error}")),
                    None => Err("the engine sent a message that is not text".to_string()),
                };
                on_event(decoded);
            })
        };
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            on_event(Err(format!("the engine worker failed: {}", event.message())));
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

impl Drop for EngineBridge {
    fn drop(&mut self) {
        // Detach the handlers first: events already queued must not reach dropped closures.
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}
