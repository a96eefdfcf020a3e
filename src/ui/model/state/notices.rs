//! Notices and crash reports as the page shows them, and the follow-up an engine message calls
//! for.

use protocol::{BackendPreference, BackendReport, FromEngine, PROTOCOL_VERSION, RunRequest};

use super::*;

/// What the page must do after an engine message, beyond updating its state.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowUp {
    /// Answer the worker's boot with this hello.
    SendHello(BackendPreference),
    /// Replace the worker with a fresh one on the CPU backend, for this reason.
    RestartOnCpu(String),
    /// Continue this saved run (after the engine restarted on the CPU).
    ResumeRun(String),
    /// Time both backends with this request, unless a timing for `signature` is kept.
    TimeBackends {
        /// What to time.
        request: protocol::SpeedRequest,
        /// What identifies it (see [`backends::speed_signature`]).
        signature: String,
    },
    /// Search on this backend from now on, for this reason.
    UseBackend(protocol::BackendKind, String),
    /// Start this run (the ablation's next search).
    StartRun(Box<RunRequest>),
    /// Read this device's profile kept under `key`, or have the engine calibrate `space`.
    Profile {
        /// Its key (see `protocol::saved::profile_key`).
        key: String,
        /// The space to calibrate when none is kept.
        space: Box<engine::space::SpaceConfig>,
    },
    /// Keep this device's profile under `key` for later visits.
    KeepProfile {
        /// Its key.
        key: String,
        /// The profile.
        profile: Box<engine::hardware::LatencyTable>,
    },
}

/// Longest crash summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 300;

/// A panic report without its source location (`panicked at file:line:col:`), cut to
/// [`MAX_SUMMARY_CHARS`]: what a banner can show.
pub fn crash_summary(message: &str) -> String {
    let message = match message.strip_prefix("panicked at ").and_then(|rest| rest.split_once('\n')) {
        Some((_, what)) => what.trim(),
        None => message.trim(),
    };
    cut(message, MAX_SUMMARY_CHARS)
}

pub(crate) fn cut(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// Crash restarts allowed in a row, with nothing done between them.
pub const MAX_CRASH_RESTARTS: u32 = 2;

/// Most notices kept; older ones are dropped first.
pub const MAX_NOTICES: usize = 4;
/// Longest notice kept, in characters; longer ones are cut with an ellipsis.
pub const MAX_NOTICE_CHARS: usize = 500;

/// Adds a notice, cut to [`MAX_NOTICE_CHARS`], unless it repeats the newest one; keeps the
/// newest [`MAX_NOTICES`].
pub(crate) fn push_notice(next: &mut AppState, notice: String) {
    let notice = cut(&notice, MAX_NOTICE_CHARS);
    if next.notices.last() == Some(&notice) {
        return;
    }
    next.notices.push(notice);
    let excess = next.notices.len().saturating_sub(MAX_NOTICES);
    next.notices.drain(..excess);
}

/// What the page must do in answer to `message`, given the state before it.
///
/// Only the first crash of an engine counts: a dying wasm instance may report several.
/// A boot is answered with a hello (on the CPU once a crash forced a restart). Whatever crashes,
/// on WebGPU or on the CPU, restarts the engine on the CPU, unless it already restarted
/// [`MAX_CRASH_RESTARTS`] times without getting anything done since (it would only loop).
pub fn follow_up(before: &AppState, message: &FromEngine) -> Option<FollowUp> {
    match message {
        FromEngine::Booted { protocol_version } if *protocol_version == PROTOCOL_VERSION => {
            let preference = match &before.forced_cpu_reason {
                Some(reason) => BackendPreference::Cpu { reason: reason.clone() },
                None => BackendPreference::Auto,
            };
            Some(FollowUp::SendHello(preference))
        }
        FromEngine::Ready { .. } => before.resume_after_restart.clone().map(FollowUp::ResumeRun),
        FromEngine::Crashed { .. } if matches!(before.engine, EngineStatus::Failed(_)) => None,
        FromEngine::Crashed { .. } if before.crash_restarts >= MAX_CRASH_RESTARTS => None,
        FromEngine::Crashed { message } => Some(FollowUp::RestartOnCpu(match (&before.backend, &before.forced_cpu_reason) {
            (Some(BackendReport::Cpu { reason }), _) => reason.clone(),
            (_, Some(reason)) => reason.clone(),
            _ => format!("WebGPU failed: {}", crash_summary(message)),
        })),
        _ => None,
    }
}
