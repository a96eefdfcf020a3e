//! The page: pure state and plot geometry in [`model`], Yew components in [`components`], the
//! [`bridge`] that spawns and talks to the engine worker, and [`download`] for exports. Nothing
//! here imports Burn.

pub mod bridge;
pub mod components;
pub mod download;
pub mod memory;
pub mod model;
