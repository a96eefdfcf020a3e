//! Nothing to build. Cargo reads a crate's build-dependencies only when it has a build script,
//! and the build-dependencies in Cargo.toml are how this crate unifies the compiler-side crates.
fn main() {}
