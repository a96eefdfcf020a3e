//! A run driven to its end on the calling thread, as the CLI runs it: the events the worker
//! would post, in the same order, from the run's start to its end.

use protocol::{FromEngine, RunEnd};

use crate::{Advance, Run};

/// Drives `run` to its end, handing every event to `on_event` as it comes (the run's start
/// first, its end last) and returning them all. Nothing pauses or interrupts it; a lost device
/// ends it as failed.
pub fn drive_to_end(run: &mut Run, mut on_event: impl FnMut(&FromEngine)) -> Vec<FromEngine> {
    let started = web_time::Instant::now();
    let mut events = vec![FromEngine::RunStarted(run.info().clone())];
    on_event(&events[0]);
    let mut evaluations = 0;
    let end = loop {
        let (more, end) = match pollster::block_on(run.advance(started.elapsed().as_secs_f64(), async |_| true)) {
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
