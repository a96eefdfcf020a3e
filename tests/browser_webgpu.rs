//! Browser unit tests, run by wasm-bindgen-test in headless Chromium inside a dedicated worker
//! (the same place the engine runs), with WebGPU through SwiftShader:
//! `scripts/test.sh browser` (see README.md).

use efficientnas::nn::backend;
use efficientnas::nn::device_check::{DeviceCheck, DeviceCheckConfig, reference_logits};
use efficientnas::worker::gpu_probe::probe_adapter;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::DedicatedWorkerGlobalScope;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
async fn a_webgpu_adapter_is_found() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let adapter = probe_adapter(&scope).await.expect("a WebGPU adapter");
    assert!(
        !(adapter.vendor.is_empty() && adapter.architecture.is_empty() && adapter.description.is_empty()),
        "the adapter describes itself: {adapter:?}"
    );
    let max_buffer = adapter.limits.iter().find(|limit| limit.name == "maxBufferSize").expect("maxBufferSize");
    assert!(max_buffer.value >= 256 << 20, "{adapter:?}");
}

#[wasm_bindgen_test]
async fn webgpu_computes_what_the_cpu_computes() {
    let gpu = backend::init_webgpu().await.expect("Burn on WebGPU");
    let cpu = backend::cpu();
    let config = DeviceCheckConfig::new().with_steps(2);

    let on_gpu = reference_logits(&config, &gpu).await.expect("logits on WebGPU");
    let on_cpu = reference_logits(&config, &cpu).await.expect("logits on the CPU");
    assert_eq!(on_gpu.len(), on_cpu.len());
    let worst = on_gpu.iter().zip(&on_cpu).map(|(g, c)| (g - c).abs()).fold(0.0f32, f32::max);
    assert!(worst <= 1e-4, "forward pass differs by {worst}");

    // One training step (forward, backward, Adam update) and the loss after it.
    let mut gpu_check = DeviceCheck::new(&config, &gpu);
    let mut cpu_check = DeviceCheck::new(&config, &cpu);
    for _ in 0..2 {
        let g = gpu_check.step().await.expect("step on WebGPU");
        let c = cpu_check.step().await.expect("step on the CPU");
        assert!((g.loss - c.loss).abs() <= 1e-4, "step {}: WebGPU loss {} vs CPU loss {}", g.step, g.loss, c.loss);
    }
}
