//! Yew components: each takes props and callbacks and draws; decisions live in the model.

pub mod app;
pub mod config_panel;
pub mod device_panel;
pub mod loss_chart;
pub mod status_bar;
