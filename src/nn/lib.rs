//! Burn code: models, training and the choice of backend. No browser code lives here, and
//! tensors never leave this module: callers get plain reports.

pub mod backend;
pub mod blocks;
pub mod calibrate;
pub mod candidate;
pub mod data;
pub mod latency;
pub mod onnx;
pub mod speed;
pub mod workload;
pub mod device_check;
pub mod evaluate;
pub mod inherit;
pub mod train;
pub mod weights;
