//! The worker protocol: every message round-trips through the worker's codec and plain JSON,
//! and anything else is refused with an error value, never a panic.

use protocol::{
    AdapterInfo, AdapterLimit, BackendPreference, BackendReport, CheckStep, DeviceCheckRequest, DeviceCheckSummary,
    EngineError, FromEngine, PROTOCOL_VERSION, ProtocolError, RequestError, ToEngine, decode, encode,
};
use protocol::{BackendKind, BackendSpeeds, RunRequest, SpeedRequest, StepSpeed, WebgpuSpeed, check_hello, read_request};
use protocol::saved::SavedStatus;
use protocol::{DatasetChoice, RunEnd};

fn step(first_step_ms: f64, median_step_ms: f64) -> StepSpeed {
    StepSpeed { first_step_ms, median_step_ms, steps: 4 }
}

fn speeds(webgpu: WebgpuSpeed) -> BackendSpeeds {
    BackendSpeeds { network: "8:conv3x3".into(), parameters: 802, batch_size: 64, cpu: step(150.0, 95.0), webgpu }
}

#[test]
fn the_faster_backend_is_chosen_and_the_reason_gives_both_figures() {
    let slow_gpu = speeds(WebgpuSpeed::Measured { speed: step(9_000.0, 1_200.0) });
    assert_eq!(slow_gpu.faster(), BackendKind::Cpu);
    assert_eq!(slow_gpu.reason(), "measured on 8:conv3x3: the CPU trains a step in 95 ms against 1.2 s on WebGPU (12.6× faster; WebGPU's first step, compiling its kernels, took 9.0 s)");
    let fast_gpu = speeds(WebgpuSpeed::Measured { speed: step(900.0, 20.0) });
    assert_eq!(fast_gpu.faster(), BackendKind::Webgpu);
    assert!(fast_gpu.reason().contains("WebGPU trains a step in 20 ms against 95 ms on the CPU"), "{}", fast_gpu.reason());
    for other in [WebgpuSpeed::Unavailable { reason: "no adapter".into() }, WebgpuSpeed::Failed { reason: "lost".into() }] {
        assert_eq!(speeds(other).faster(), BackendKind::Cpu);
    }
    let bad = SpeedRequest { space: RunRequest::default_digits().space, batch_size: 0, seed: 1, webgpu: false };
    assert!(bad.check().unwrap_err().to_string().contains("batch_size"));
}

fn all_to_engine() -> Vec<ToEngine> {
    vec![
        ToEngine::Hello { protocol_version: PROTOCOL_VERSION, backend: BackendPreference::Auto },
        ToEngine::Hello {
            protocol_version: PROTOCOL_VERSION,
            backend: BackendPreference::Cpu { reason: "WebGPU failed: \"shader\" rejected\n".into() },
        },
        ToEngine::CheckDevice(DeviceCheckRequest { steps: 5, seed: u64::MAX }),
        ToEngine::MeasureBackends(SpeedRequest { space: RunRequest::default_digits().space, batch_size: 64, seed: 3, webgpu: true }),
        ToEngine::UseBackend { backend: BackendKind::Cpu, reason: "measured faster".into() },
    ]
}

fn all_from_engine() -> Vec<FromEngine> {
    let adapter = AdapterInfo {
        vendor: "google".into(),
        architecture: "swiftshader".into(),
        device: String::new(),
        description: "SwiftShader Device (Subzero)".into(),
        limits: vec![AdapterLimit { name: "maxBufferSize".into(), value: 1 << 30 }],
        features: vec!["subgroups".into()],
    };
    vec![
        FromEngine::Booted { protocol_version: PROTOCOL_VERSION },
        FromEngine::Ready { backend: BackendReport::Webgpu { adapter } },
        FromEngine::Ready { backend: BackendReport::Cpu { reason: "no adapter".into() } },
        FromEngine::CheckStarted { steps: 20, parameters: 596 },
        FromEngine::CheckStep(CheckStep { step: 1, loss: 1.386_294_4, step_ms: 7_012.5 }),
        FromEngine::CheckFinished(DeviceCheckSummary {
            steps: 20,
            first_loss: 1.39,
            last_loss: 0.61,
            first_step_ms: 7_000.0,
            median_step_ms: 900.25,
        }),
        FromEngine::Error(EngineError { context: "checking the device".into(), message: "busy".into() }),
        FromEngine::Crashed { message: "panicked at device poisoned".into() },
        FromEngine::BackendsMeasured(speeds(WebgpuSpeed::Measured { speed: step(9_000.0, 1_200.0) })),
        FromEngine::BackendsMeasured(speeds(WebgpuSpeed::Unavailable { reason: "no adapter".into() })),
    ]
}

#[test]
fn every_message_round_trips_through_the_codec() {
    for message in all_to_engine() {
        assert_eq!(decode::<ToEngine>(&encode(&message)), Ok(message.clone()));
        assert_eq!(read_request(Some(encode(&message))), Ok(message));
    }
    for message in all_from_engine() {
        assert_eq!(decode::<FromEngine>(&encode(&message)), Ok(message));
    }
}

#[test]
fn every_message_round_trips_through_plain_json() {
    for message in all_to_engine() {
        let json = serde_json::to_string(&message).unwrap();
        assert_eq!(serde_json::from_str::<ToEngine>(&json).unwrap(), message);
    }
    for message in all_from_engine() {
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(serde_json::from_value::<FromEngine>(json).unwrap(), message);
    }
}

#[test]
fn the_wire_form_is_a_versioned_tagged_envelope() {
    let text = encode(&ToEngine::CheckDevice(DeviceCheckRequest { steps: 3, seed: 9 }));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["v"], PROTOCOL_VERSION);
    assert_eq!(value["msg"]["check_device"]["steps"], 3);
    let unit: serde_json::Value = serde_json::from_str(&encode(&FromEngine::RunResumed)).unwrap();
    assert_eq!(unit["msg"], "run_resumed");
}

#[test]
fn saved_tagged_values_keep_their_written_form_and_name_what_is_wrong() {
    let ends = [RunEnd::Completed, RunEnd::Stopped, RunEnd::Failed { message: "out of memory".into() }];
    for end in ends {
        let json = serde_json::to_string(&end).unwrap();
        assert_eq!(serde_json::from_str::<RunEnd>(&json).unwrap(), end);
    }
    assert_eq!(serde_json::to_string(&RunEnd::Failed { message: "m".into() }).unwrap(), r#"{"kind":"failed","message":"m"}"#);
    let finished = SavedStatus::Finished { end: RunEnd::Stopped };
    assert_eq!(serde_json::to_string(&finished).unwrap(), r#"{"state":"finished","end":{"kind":"stopped"}}"#);
    assert_eq!(serde_json::from_str::<SavedStatus>(r#"{"state":"finished","end":{"kind":"stopped"}}"#).unwrap(), finished);
    assert_eq!(serde_json::from_str::<SavedStatus>(r#"{"state":"unfinished"}"#).unwrap(), SavedStatus::Unfinished);
    let choices = [DatasetChoice::Digits, DatasetChoice::Procedural { images: 64 }, DatasetChoice::Files];
    for choice in choices {
        let json = serde_json::to_string(&choice).unwrap();
        assert_eq!(serde_json::from_str::<DatasetChoice>(&json).unwrap(), choice);
    }
    let cases = [
        (serde_json::from_str::<RunEnd>(r#"{"kind":"exploded"}"#).map(drop), "unknown run end \"exploded\": allowed are completed, stopped, failed"),
        (serde_json::from_str::<RunEnd>(r#"{"kind":"failed"}"#).map(drop), "a run end \"failed\" needs \"message\""),
        (serde_json::from_str::<SavedStatus>(r#"{"state":"finished"}"#).map(drop), "a saved state \"finished\" needs \"end\""),
        (serde_json::from_str::<DatasetChoice>(r#"{"kind":"procedural"}"#).map(drop), "a dataset kind \"procedural\" needs \"images\""),
        (serde_json::from_str::<DatasetChoice>(r#"{"kind":"cifar100"}"#).map(drop), "allowed are digits, procedural, nb201, files"),
    ];
    for (result, expected) in cases {
        let message = result.unwrap_err().to_string();
        assert!(message.contains(expected), "{message} should say {expected}");
    }
    // A tag from a file is echoed cut, as every user input is.
    let long = format!(r#"{{"kind":"{}"}}"#, "x".repeat(100_000));
    let message = serde_json::from_str::<RunEnd>(&long).unwrap_err().to_string();
    assert!(message.contains("(100000 characters): allowed are completed"), "{message}");
    assert!(message.len() < 300, "{message}");
}

#[test]
fn other_versions_and_unknown_or_garbled_messages_are_refused_as_values() {
    let future = format!("{{\"v\":{},\"msg\":{{\"hello\":{{}}}}}}", PROTOCOL_VERSION + 1);
    assert_eq!(
        decode::<ToEngine>(&future),
        Err(ProtocolError::VersionMismatch { expected: PROTOCOL_VERSION, found: PROTOCOL_VERSION + 1 })
    );
    assert!(matches!(decode::<ToEngine>("not json"), Err(ProtocolError::Malformed(_))));
    assert!(matches!(decode::<ToEngine>("{\"msg\":{}}"), Err(ProtocolError::Malformed(_))));
    assert!(matches!(
        decode::<ToEngine>(&format!("{{\"v\":{PROTOCOL_VERSION},\"msg\":{{\"format_disk\":{{}}}}}}")),
        Err(ProtocolError::UnknownMessage(_))
    ));
    assert!(matches!(
        decode::<ToEngine>(&format!(
            "{{\"v\":{PROTOCOL_VERSION},\"msg\":{{\"check_device\":{{\"steps\":\"many\",\"seed\":1}}}}}}"
        )),
        Err(ProtocolError::UnknownMessage(_))
    ));
    for garbage in [None, Some(String::new()), Some("[1,2".into()), Some("{\"v\":1,\"msg\":null}".into())] {
        match read_request(garbage) {
            Err(error) => assert_eq!(error.context, "reading a message"),
            other => panic!("expected an error, got {other:?}"),
        }
    }
}

#[test]
fn hello_with_another_version_gets_an_error_reply() {
    assert_eq!(check_hello(PROTOCOL_VERSION), Ok(()));
    match check_hello(PROTOCOL_VERSION + 7) {
        Err(error) => assert!(error.message.contains("reload the page"), "{}", error.message),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn device_check_request_defaults_and_range() {
    let request = DeviceCheckRequest::default();
    assert_eq!((request.steps, request.seed), (20, 7));
    assert_eq!(request.check(), Ok(()));
    assert_eq!(
        DeviceCheckRequest { steps: 1, seed: 0 }.check(),
        Err(RequestError::OutOfRange { field: "steps", value: "1".into(), allowed: "2 to 200".into() })
    );
    assert!(DeviceCheckRequest { steps: 201, seed: 0 }.check().is_err());
    assert!(DeviceCheckRequest { steps: 200, seed: 0 }.check().is_ok());
}

#[test]
fn summary_takes_the_median_after_the_compiling_first_step() {
    let steps: Vec<CheckStep> = [(2.0, 900.0), (1.5, 10.0), (1.2, 30.0), (1.0, 20.0)]
        .iter()
        .enumerate()
        .map(|(index, (loss, ms))| CheckStep { step: index as u32 + 1, loss: *loss, step_ms: *ms })
        .collect();
    let summary = DeviceCheckSummary::from_steps(&steps).unwrap();
    assert_eq!((summary.steps, summary.first_loss, summary.last_loss), (4, 2.0, 1.0));
    assert_eq!((summary.first_step_ms, summary.median_step_ms), (900.0, 20.0));
    assert_eq!(DeviceCheckSummary::from_steps(&steps[..3]).unwrap().median_step_ms, 20.0);
    assert_eq!(DeviceCheckSummary::from_steps(&steps[..1]).unwrap().median_step_ms, 900.0);
    assert_eq!(DeviceCheckSummary::from_steps(&[]), None);
}
