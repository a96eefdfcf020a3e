//! The engine worker's entry point (loaded by Trunk's worker loader shim).

// Static constructors (Burn's kernel registries) run once, here. Without this explicit call the
// linker wraps every export in a call to all of them, so each call from JavaScript into the
// module (every event, every callback) re-ran thousands of registrations.
#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    fn __wasm_call_ctors();
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        // SAFETY: called once, first, before any other code of this module runs.
        unsafe { __wasm_call_ctors() };
        worker::start();
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        eprintln!("the engine worker runs in a browser's Web Worker: build it with `trunk build` (see README.md)");
        std::process::exit(2);
    }
}
