//! A run driven to its end on the calling thread, as the CLI runs it: the events the worker
//! would post, in the same order, from the run's start to its end.

use protocol::{FromEngine, RunEnd};

use crate::{Advance, Run};

/// Drives `run` to its end, handing every event to `on_event` as it comes (the run's start
/// first, its end last) and returning them all. Nothing pauses or interrupts it; a lost device
/// ends it as failed.
pub fn drive_to_end(run: &mut Run, on_event: impl FnMut(&FromEngine)) -> Vec<FromEngine> {
    let info = run.info().clone();
    drive(info, |elapsed_s| pollster::block_on(run.advance(elapsed_s, async |_| true)), on_event)
}

/// As [`drive_to_end`], with up to `jobs` candidates training at once, each on a thread of its
/// own (see [`crate::parallel`]): the same candidates, scores and front.
#[cfg(not(target_arch = "wasm32"))]
pub fn drive_in_parallel(run: &mut Run, jobs: usize, on_event: impl FnMut(&FromEngine)) -> Vec<FromEngine> {
    if crate::pool::Pool::drives(run) {
        run.train_at_once(jobs as u32);
    }
    let info = run.info().clone();
    let mut parallel = crate::parallel::Parallel::new(run, jobs);
    drive(info, |elapsed_s| parallel.advance(elapsed_s), on_event)
}

/// The events of a run that `advance` drives, given the run's seconds of work so far.
fn drive(info: protocol::RunInfo, mut advance: impl FnMut(f64) -> Advance, mut on_event: impl FnMut(&FromEngine)) -> Vec<FromEngine> {
    let started = web_time::Instant::now();
    let mut events = vec![FromEngine::RunStarted(info)];
    on_event(&events[0]);
    let mut evaluations = 0;
    let end = loop {
        let (more, end) = match advance(started.elapsed().as_secs_f64()) {
            Advance::Scored(more) => (more, None),
            Advance::Finished(more) => (more, Some(RunEnd::Completed)),
            Advance::Interrupted => (Vec::new(), Some(RunEnd::Stopped)),
            Advance::DeviceLost(reason) => (Vec::new(), Some(RunEnd::Failed { message: reason })),
        };
        for event in more {
            evaluations += u32::from(matches!(event, FromEngine::Candidate(_)));
            on_event(&event);
            events.push(event);
        }
        if let Some(end) = end {
            break end;
        }
    };
    let finished = FromEngine::RunFinished { end, evaluations, seconds: started.elapsed().as_secs_f64() };
    on_event(&finished);
    events.push(finished);
    events
}
