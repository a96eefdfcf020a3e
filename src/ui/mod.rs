//! The page: pure state and plot geometry in [`model`], Yew components in [`components`], and
//! the [`bridge`] that spawns and talks to the engine worker. Nothing here imports Burn.

pub mod bridge;
pub mod components;
pub mod model;
