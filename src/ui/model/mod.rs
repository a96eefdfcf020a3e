//! Pure UI state, its reducer and plot geometry: no Yew, no browser, tested natively.

pub mod axis;
pub mod diagram;
pub mod export;
pub mod form;
pub mod format;
pub mod headline;
pub mod latency_check;
pub mod link;
pub mod plan;
pub mod plot;
pub mod run;
pub mod saved;
pub mod state;
