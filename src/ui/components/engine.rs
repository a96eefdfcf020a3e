//! The engine worker wired to the page's reducer: the store, starting (and restarting) the
//! worker, sending it messages, and the hook that keeps it in step with the state.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use protocol::{FromEngine, ToEngine};
use crate::bridge::EngineBridge;
use crate::components::saved_runs;
use crate::model::export::model_file_name;
use crate::model::state::{Action, AppState, FollowUp, reduce};

/// [`AppState`] behind Yew's reducer hook; the logic is [`reduce`].
#[derive(PartialEq)]
pub(crate) struct Store(pub(crate) AppState);

impl Reducible for Store {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // The held runs are asked every few seconds; an unchanged answer must not re-render the page.
        if let Action::HeldRuns(held) = &action
            && *held == self.0.held_runs
        {
            return self;
        }
        Rc::new(Store(reduce(&self.0, action)))
    }
}

pub(crate) type EngineSlot = Rc<RefCell<Option<EngineBridge>>>;

pub(crate) fn start_engine(slot: &EngineSlot, dispatch: UseReducerDispatcher<Store>) {
    let on_event = {
        let dispatch = dispatch.clone();
        move |events: Vec<Result<_, String>>| {
            let mut messages = Vec::with_capacity(events.len());
            for event in events {
                match event {
                    // Networks asked for by an export go straight to the browser as a download.
                    Ok(FromEngine::Weights { run_id, arch_id, format, bytes }) => {
                        let name = model_file_name(&run_id, &arch_id, format);
                        if let Err(problem) = crate::download::download_bytes(&name, "application/octet-stream", &bytes) {
                            dispatch.dispatch(Action::ExportFailed(problem));
                        }
                    }
                    Ok(message) => messages.push(message),
                    Err(problem) => {
                        dispatch.dispatch(Action::Engine(std::mem::take(&mut messages)));
                        dispatch.dispatch(Action::WorkerFailed(problem));
                    }
                }
            }
            if !messages.is_empty() {
                dispatch.dispatch(Action::Engine(messages));
            }
        }
    };
    // Drop (terminate) the old worker before starting its replacement.
    slot.borrow_mut().take();
    match EngineBridge::spawn(on_event) {
        Ok(bridge) => *slot.borrow_mut() = Some(bridge),
        Err(problem) => dispatch.dispatch(Action::WorkerFailed(problem)),
    }
}

pub(crate) fn send(slot: &EngineSlot, dispatch: &UseReducerDispatcher<Store>, message: &ToEngine) {
    let outcome = match slot.borrow().as_ref() {
        Some(bridge) => bridge.send(message),
        None => Err("the engine is not running".to_string()),
    };
    if let Err(problem) = outcome {
        dispatch.dispatch(Action::WorkerFailed(problem));
    }
}

/// A click that starts the run `request` describes at that moment (if any): tells the reducer
/// with `action`, then the engine.
pub(crate) fn start_on_click(
    engine: &EngineSlot,
    dispatch: UseReducerDispatcher<Store>,
    action: Action,
    request: impl Fn(f64) -> Option<protocol::RunRequest> + 'static,
) -> Callback<MouseEvent> {
    let engine = engine.clone();
    Callback::from(move |_: MouseEvent| {
        if let Some(request) = request(js_sys::Date::now()) {
            dispatch.dispatch(action.clone());
            send(&engine, &dispatch, &ToEngine::StartRun(Box::new(request)));
        }
    })
}

/// Starts the engine worker with the page (and reads the lesson link), answers the reducer's
/// follow-ups, and keeps the saved runs listed (see [`saved_runs::use_saved_runs`]).
#[hook]
pub(crate) fn use_engine(store: &UseReducerHandle<Store>) -> EngineSlot {
    let engine: EngineSlot = use_mut_ref(|| None);
    let state = &store.0;
    {
        let engine = engine.clone();
        let dispatch = store.dispatcher();
        use_effect_with((), move |_| {
            let fragment = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
            dispatch.dispatch(Action::LinkOpened(fragment));
            dispatch.dispatch(Action::BackendChoiceRemembered(crate::memory::kept_choice()));
            start_engine(&engine, dispatch);
            move || {
                engine.borrow_mut().take();
            }
        });
    }
    {
        let engine = engine.clone();
        let dispatch = store.dispatcher();
        use_effect_with(state.pending.clone(), move |pending| match pending {
            Some((_, FollowUp::SendHello(backend))) => {
                let hello = ToEngine::Hello { protocol_version: protocol::PROTOCOL_VERSION, backend: backend.clone() };
                send(&engine, &dispatch, &hello);
            }
            Some((_, FollowUp::RestartOnCpu(reason))) => {
                dispatch.dispatch(Action::RestartingOnCpu(reason.clone()));
                start_engine(&engine, dispatch);
            }
            Some((_, FollowUp::ResumeRun(run_id))) => {
                send(&engine, &dispatch, &ToEngine::ResumeRun { run_id: run_id.clone() });
            }
            Some((_, FollowUp::TimeBackends { request, signature })) => match crate::memory::kept_speeds(signature) {
                Some(speeds) if !signature.is_empty() => dispatch.dispatch(Action::SpeedsRemembered(speeds)),
                _ => send(&engine, &dispatch, &ToEngine::MeasureBackends(request.clone())),
            },
            Some((_, FollowUp::UseBackend(backend, reason))) => {
                send(&engine, &dispatch, &ToEngine::UseBackend { backend: *backend, reason: reason.clone() });
            }
            Some((_, FollowUp::StartRun(request))) => send(&engine, &dispatch, &ToEngine::StartRun(request.clone())),
            Some((_, FollowUp::Profile { key, space })) => read_or_calibrate(engine.clone(), dispatch, key.clone(), (**space).clone()),
            Some((_, FollowUp::KeepProfile { key, profile })) => keep_profile(dispatch, key.clone(), profile),
            None => {}
        });
    }

    // A fresh timing is kept for the next visit.
    use_effect_with((state.backends.speeds.clone(), state.backends.remembered, state.backends.signature.clone()), |kept| {
        if let (Some(speeds), false, Some(signature)) = kept {
            crate::memory::keep_speeds(signature, speeds);
        }
    });
    saved_runs::use_saved_runs(store);
    engine
}

/// Reads the profile kept under `key`; when none is kept (or it cannot be used), has the
/// engine calibrate `space`.
fn read_or_calibrate(engine: EngineSlot, dispatch: UseReducerDispatcher<Store>, key: String, space: engine::space::SpaceConfig) {
    wasm_bindgen_futures::spawn_local(async move {
        let kept = match storage::Db::open().await {
            Ok(db) => db.profile(&key).await.ok().flatten(),
            Err(_) => None,
        };
        let kept = kept.and_then(|text| engine::hardware::LatencyTable::from_json(&text).ok()).filter(|t| t.covers(&space).is_ok());
        let blocks = protocol::calibration_steps(&space);
        if kept.is_none() {
            let host = web_sys::window().and_then(|w| w.navigator().user_agent().ok()).unwrap_or_default();
            send(&engine, &dispatch, &ToEngine::Calibrate { space, host });
        }
        dispatch.dispatch(Action::ProfileRead { key, kept: kept.map(Box::new), blocks });
    });
}

/// Keeps a fresh profile in IndexedDB for later visits; a failure is only a notice.
fn keep_profile(dispatch: UseReducerDispatcher<Store>, key: String, profile: &engine::hardware::LatencyTable) {
    let text = serde_json::to_string(profile);
    wasm_bindgen_futures::spawn_local(async move {
        let kept = match text {
            Ok(text) => match storage::Db::open().await {
                Ok(db) => db.keep_profile(&key, &text).await,
                Err(problem) => Err(problem),
            },
            Err(error) => Err(error.to_string()),
        };
        if let Err(problem) = kept {
            dispatch.dispatch(Action::StorageFailed(format!("this device's profile is not kept for later visits: {problem}")));
        }
    });
}
