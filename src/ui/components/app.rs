//! The page frame: header, configuration, main view and status bar, wired to the engine.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use crate::protocol::ToEngine;
use crate::ui::bridge::EngineBridge;
use crate::ui::components::config_panel::ConfigPanel;
use crate::ui::components::device_panel::DevicePanel;
use crate::ui::components::status_bar::StatusBar;
use crate::ui::model::state::{Action, AppState, FollowUp, reduce};

/// [`AppState`] behind Yew's reducer hook; the logic is [`reduce`].
#[derive(PartialEq)]
struct Store(AppState);

impl Reducible for Store {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(Store(reduce(&self.0, action)))
    }
}

type EngineSlot = Rc<RefCell<Option<EngineBridge>>>;

fn start_engine(slot: &EngineSlot, dispatch: UseReducerDispatcher<Store>) {
    let on_event = {
        let dispatch = dispatch.clone();
        move |event: Result<_, String>| match event {
            Ok(message) => dispatch.dispatch(Action::Engine(message)),
            Err(problem) => dispatch.dispatch(Action::WorkerFailed(problem)),
        }
    };
    // Drop (terminate) the old worker before starting its replacement.
    slot.borrow_mut().take();
    match EngineBridge::spawn(on_event) {
        Ok(bridge) => *slot.borrow_mut() = Some(bridge),
        Err(problem) => dispatch.dispatch(Action::WorkerFailed(problem)),
    }
}

fn send(slot: &EngineSlot, dispatch: &UseReducerDispatcher<Store>, message: &ToEngine) {
    let outcome = match slot.borrow().as_ref() {
        Some(bridge) => bridge.send(message),
        None => Err("the engine is not running".to_string()),
    };
    if let Err(problem) = outcome {
        dispatch.dispatch(Action::WorkerFailed(problem));
    }
}

/// The whole page.
#[component]
pub fn App() -> Html {
    let store = use_reducer(|| Store(AppState::default()));
    let engine: EngineSlot = use_mut_ref(|| None);
    let state = &store.0;

    {
        let engine = engine.clone();
        let dispatch = store.dispatcher();
        use_effect_with((), move |_| {
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
                let hello = ToEngine::Hello { protocol_version: crate::protocol::PROTOCOL_VERSION, backend: backend.clone() };
                send(&engine, &dispatch, &hello);
            }
            Some((_, FollowUp::RestartOnCpu(reason))) => {
                dispatch.dispatch(Action::RestartingOnCpu(reason.clone()));
                start_engine(&engine, dispatch);
            }
            None => {}
        });
    }

    let on_check = {
        let engine = engine.clone();
        let dispatch = store.dispatcher();
        let request = state.check_request();
        Callback::from(move |_: MouseEvent| {
            if let Ok(request) = request.clone() {
                dispatch.dispatch(Action::CheckRequested);
                send(&engine, &dispatch, &ToEngine::CheckDevice(request));
            }
        })
    };
    let on_action = {
        let dispatch = store.dispatcher();
        Callback::from(move |action: Action| dispatch.dispatch(action))
    };

    html! {
        <div class="app">
            <header class="app-header">
                <h1>{ "EfficientNAS Playground" }</h1>
                <p class="tagline">{ "Neural architecture search that trains and times real networks in your browser" }</p>
            </header>
            if let Some(reason) = state.cpu_fallback_reason() {
                <div class="banner banner-cpu" role="alert" data-testid="cpu-banner">
                    <strong>{ "Running on the CPU backend. " }</strong>
                    { format!("WebGPU is not in use: {reason}") }
                </div>
            }
            { notices(state, &on_action) }
            <div class="app-body">
                <ConfigPanel
                    steps_input={state.steps_input.clone()}
                    seed_input={state.seed_input.clone()}
                    problem={state.check_request().err()}
                    on_action={on_action.clone()}
                />
                <main class="main-view">
                    <DevicePanel
                        engine={state.engine.clone()}
                        backend={state.backend.clone()}
                        check={state.check.clone()}
                        can_check={state.can_check()}
                        on_check={on_check}
                    />
                </main>
            </div>
            <StatusBar engine={state.engine.clone()} backend={state.backend.clone()} check={state.check.clone()} />
        </div>
    }
}

fn notices(state: &AppState, on_action: &Callback<Action>) -> Html {
    state
        .notices
        .iter()
        .enumerate()
        .map(|(index, notice)| {
            let on_dismiss = on_action.reform(move |_: MouseEvent| Action::DismissNotice(index));
            html! {
                <div class="banner banner-error" role="alert" data-testid="notice">
                    <span>{ notice.clone() }</span>
                    <button class="dismiss" aria-label="Dismiss" onclick={on_dismiss}>{ "×" }</button>
                </div>
            }
        })
        .collect()
}
