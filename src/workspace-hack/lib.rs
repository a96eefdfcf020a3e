//! Features only, no code: see this crate's Cargo.toml.
