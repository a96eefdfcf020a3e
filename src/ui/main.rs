//! The page's entry point: renders the Yew app.

fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        console_error_panic_hook::set_once();
        yew::Renderer::<ui::components::app::App>::new().render();
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        eprintln!("the app runs in a browser: build it with `trunk build` (see README.md)");
        std::process::exit(2);
    }
}
