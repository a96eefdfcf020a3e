//! The engine worker's entry point (loaded by Trunk's worker loader shim).

fn main() {
    #[cfg(target_arch = "wasm32")]
    efficientnas::worker::start();
    #[cfg(not(target_arch = "wasm32"))]
    {
        eprintln!("the engine worker runs in a browser's Web Worker: build it with `trunk build` (see README.md)");
        std::process::exit(2);
    }
}
