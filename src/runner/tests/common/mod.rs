//! Shared by the native integration tests that drive the worker's run.

use protocol::FromEngine;
use runner::{Advance, Run};

#[allow(dead_code, reason = "a test binary that drives its run with runner::blocking does not use it")]
/// Advances `run` to its end (nothing may interrupt it) and returns every event in order.
pub fn run_to_end(run: &mut Run) -> Vec<FromEngine> {
    let mut events = Vec::new();
    loop {
        match pollster::block_on(run.advance(0.0, async |_| true)) {
            Advance::Scored(more) => events.extend(more),
            Advance::Finished(more) => {
                events.extend(more);
                return events;
            }
            other => panic!("nothing interrupts this run: {other:?}"),
        }
    }
}

/// Holds the CPU device for one test. Burn seeds weight initialisation on the device, which is
/// shared by the whole test process: tests that compare runs for equality must not train while
/// another test does.
pub fn exclusive_device() -> std::sync::MutexGuard<'static, ()> {
    static DEVICE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    DEVICE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
