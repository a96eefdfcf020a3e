//! EfficientNAS Playground: multi-objective neural architecture search that trains and times
//! real CNNs on WebGPU inside the browser. See `README.md` for the layout.

pub mod cli;
pub mod engine;
pub mod nn;
pub mod protocol;
pub mod storage;
pub mod ui;
pub mod worker;
