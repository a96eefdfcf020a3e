//! Browser unit tests, run by wasm-bindgen-test in headless Chromium inside a dedicated worker
//! (the same place the engine runs), with WebGPU through SwiftShader:
//! `scripts/test.sh browser` (see README.md).

use nn::backend;
use nn::device_check::{DeviceCheck, DeviceCheckConfig, reference_logits};
use worker::gpu_probe::probe_adapter;
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

fn tiny_candidate_setup() -> (
    engine::space::Space,
    engine::space::Genotype,
    nn::train::TrainData,
) {
    use engine::space::{InputShape, Space, SpaceConfig};
    use nn::data::{Dataset, Split};
    use nn::train::TrainData;

    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.stem_width = 8;
    config.cell_widths = vec![vec![8], vec![16]];
    let space = Space::new(config).expect("valid space");
    let genotype = "8:conv3x3|16:dwconv3x3,se_block+0".parse().expect("genotype");
    // In the browser the worker fetches the digits beside the page; the test carries them.
    let digits = Dataset::digits_from(
        include_bytes!("../../../www/digits/digits-images-idx3-ubyte.gz"),
        include_bytes!("../../../www/digits/digits-labels-idx1-ubyte.gz"),
    )
    .expect("built-in digits");
    (space, genotype, TrainData::new(digits, Split::new(10_000, 0.01, 3)))
}

#[wasm_bindgen_test]
async fn a_candidate_computes_on_webgpu_what_the_cpu_computes() {
    use nn::candidate::Network;

    let gpu = backend::init_webgpu().await.expect("Burn on WebGPU");
    let cpu = backend::cpu();
    let (space, genotype, data) = tiny_candidate_setup();
    // The same weights on both backends: built on WebGPU, read back into a CPU copy.
    let on_gpu = Network::new(&space, &genotype, &gpu).expect("in the space");
    let on_cpu = backend::move_module(on_gpu.clone(), &cpu).await.expect("copied to the CPU");
    let batch: Vec<usize> = data.split.train[..8].to_vec();
    let (images_cpu, _) = data.dataset.batch(&batch, &data.stats, None, &cpu);
    let (images_gpu, _) = data.dataset.batch(&batch, &data.stats, None, &gpu);
    let logits_cpu = on_cpu.forward(images_cpu).into_data_async().await.expect("CPU logits");
    let logits_gpu = on_gpu.forward(images_gpu).into_data_async().await.expect("WebGPU logits");
    let (c, g) = (logits_cpu.try_to_vec::<f32>().expect("f32"), logits_gpu.try_to_vec::<f32>().expect("f32"));
    let worst = c.iter().zip(&g).map(|(c, g)| (c - g).abs() / c.abs().max(1.0)).fold(0.0f32, f32::max);
    assert!(worst <= 1e-3, "forward pass differs by {worst} (relative)");
}

#[wasm_bindgen_test]
async fn a_candidate_trains_on_webgpu() {
    use nn::candidate::Network;
    use nn::train::{Budget, TrainConfig, Trainer};

    let gpu = backend::init_webgpu().await.expect("Burn on WebGPU");
    gpu.seed(7);
    let (space, genotype, data) = tiny_candidate_setup();
    // Sixteen training images, one batch: every step sees them again, so the loss must fall
    // whatever the initial weights.
    let data = nn::train::TrainData {
        split: nn::data::Split { train: data.split.train[..16].to_vec(), valid: data.split.valid[..16].to_vec() },
        ..data
    };
    // Built on WebGPU with autodiff, trained through the step-wise trainer the worker drives.
    let model = Network::new(&space, &genotype, &gpu.clone().autodiff()).expect("in the space");
    let train = TrainConfig::new()
        .with_optimizer(nn::train::OptimizerKind::Adam)
        .with_learning_rate(0.01)
        .with_budget(Budget::Steps(12))
        .with_batch_size(16)
        .with_augment(false)
        .with_warmup_steps(0);
    let mut trainer = Trainer::new(model, train, &data);
    let mut losses = Vec::new();
    while !trainer.finished() {
        losses.push(trainer.step(&data).await.expect("a step on WebGPU").loss);
    }
    let first = losses[..3].iter().sum::<f32>() / 3.0;
    let last = losses[9..].iter().sum::<f32>() / 3.0;
    assert!(last < first, "loss should fall on WebGPU: {losses:?}");
}
