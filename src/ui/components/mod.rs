//! Yew components: each takes props and callbacks and draws; decisions live in the model.

pub mod app;
pub mod candidate_detail;
pub mod candidate_table;
pub mod config_panel;
pub mod dataset_files;
pub mod device_panel;
pub mod import_genotype;
pub mod loss_chart;
pub mod pareto_plot;
pub mod run_view;
pub mod saved_runs;
pub mod search_panel;
pub mod status_bar;
