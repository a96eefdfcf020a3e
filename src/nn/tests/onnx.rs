//! ONNX export: seeded candidates that together hold every op (at several widths, both input
//! shapes, stride-2 cell entries and skip additions) are trained a few steps, so BatchNorm's
//! running statistics are not the fresh 0 and 1 that would hide a swapped mean and variance,
//! then exported. Each is written with inputs (batches of 1 and 7) and Burn's logits for them to
//! `$ONNX_FIXTURES` (default: the target's tmp folder), where `tests/onnx/check.py` (the test
//! command's `onnx` level) checks them with `onnx.checker` and onnxruntime.

use std::collections::BTreeSet;
use std::path::PathBuf;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Tensor, TensorData};
use engine::rng::{Seed, rng_for};
use engine::space::{Genotype, InputShape, Space, SpaceConfig, Stage};
use nn::backend;
use nn::candidate::Network;
use nn::data::{Dataset, Split};
use nn::onnx::{About, onnx_bytes, proto};
use nn::train::{Budget, TrainConfig, TrainData, Trainer};
use rand::RngExt;

fn fixtures() -> PathBuf {
    let dir = std::env::var_os("ONNX_FIXTURES").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("onnx"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("old fixtures removed");
    }
    std::fs::create_dir_all(&dir).expect("fixture folder");
    dir
}

/// Running means and variances of every BatchNorm, by visiting order.
#[derive(Default)]
struct Running(Vec<f32>);

impl ModuleVisitor for Running {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.extend(param.val().into_data().try_to_vec::<f32>().expect("f32"));
    }
}

/// Trains `genotype` three steps, so its BN statistics move, and returns it for inference.
fn trained(space: &Space, genotype: &Genotype, data: &TrainData) -> Network {
    let device = backend::cpu().autodiff();
    device.seed(7);
    let model = Network::new(space, genotype, &device).expect("in the space");
    let config = TrainConfig::new().with_budget(Budget::Steps(3)).with_batch_size(8).with_warmup_steps(0).with_learning_rate(0.05);
    let mut trainer = Trainer::new(model, config, data);
    while !trainer.finished() {
        pollster::block_on(trainer.step(data)).expect("a training step");
    }
    trainer.into_model().expect("trained model").valid()
}

fn f32_file(path: &std::path::Path, values: &[f32]) {
    std::fs::write(path, values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()).expect("fixture written");
}

/// Exports `model` and writes it with inputs and Burn's logits for batches of 1 and 7.
fn write_fixture(dir: &std::path::Path, name: &str, model: &Network, genotype: &Genotype, data: &TrainData) {
    let shape = data.dataset.shape();
    let about = About { arch_id: name.to_string(), genotype: genotype.to_string(), stats: data.stats.clone(), summary: "a test fixture".into() };
    let bytes = pollster::block_on(onnx_bytes(model, shape, &about)).expect("exported");
    std::fs::write(dir.join(format!("{name}.onnx")), &bytes).expect("model written");
    let (c, h, w) = (shape.channels as usize, shape.height as usize, shape.width as usize);
    let mut rng = rng_for(Seed(fnv(name)), "onnx-input");
    let mut batches = Vec::new();
    for batch in [1usize, 7] {
        let pixels: Vec<f32> = (0..batch * c * h * w).map(|_| rng.random_range(0.0..1.0)).collect();
        let normalised: Vec<f32> = pixels
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let (mean, std) = data.stats[(i / (h * w)) % c];
                (p - mean) / std
            })
            .collect();
        let images = Tensor::<4>::from_data(TensorData::new(normalised, [batch, c, h, w]), &backend::cpu());
        let logits = model.forward(images).into_data().try_to_vec::<f32>().expect("f32 logits");
        let stem = format!("{name}.b{batch}");
        f32_file(&dir.join(format!("{stem}.input.f32")), &pixels);
        f32_file(&dir.join(format!("{stem}.expected.f32")), &logits);
        batches.push(serde_json::json!({
            "input": format!("{stem}.input.f32"), "input_shape": [batch, c, h, w],
            "expected": format!("{stem}.expected.f32"), "expected_shape": [batch, data.dataset.classes()],
        }));
    }
    let ops: BTreeSet<&str> = genotype.cells.iter().flat_map(|cell| cell.layers.iter().map(|l| l.op.name())).collect();
    let meta = serde_json::json!({ "model": format!("{name}.onnx"), "genotype": genotype.to_string(), "ops": ops, "batches": batches });
    std::fs::write(dir.join(format!("{name}.json")), meta.to_string()).expect("fixture description");
}

fn fnv(text: &str) -> u64 {
    engine::rng::fnv1a64(text.as_bytes())
}

/// Genotypes sampled from `space` by seed until they hold every op, at least `least` of them.
fn covering(space: &Space, tag: &str, least: usize) -> Vec<Genotype> {
    let mut seen = BTreeSet::new();
    let mut genotypes = Vec::new();
    for seed in 0..500u64 {
        let genotype = space.sample(Stage::Three, &mut rng_for(Seed(seed), tag));
        let new = genotype.cells.iter().flat_map(|c| c.layers.iter().map(|l| l.op)).any(|op| !seen.contains(&op));
        if new || genotypes.len() < least {
            seen.extend(genotype.cells.iter().flat_map(|c| c.layers.iter().map(|l| l.op)));
            genotypes.push(genotype);
        }
        if seen.len() == engine::space::Op::ALL.len() && genotypes.len() >= least {
            break;
        }
    }
    assert_eq!(seen.len(), engine::space::Op::ALL.len(), "the sampled genotypes hold every op");
    genotypes
}

#[test]
fn trained_candidates_export_with_their_inputs_and_burn_logits() {
    let dir = fixtures();
    let digits = Dataset::builtin_digits().expect("built-in digits");
    let digits = TrainData::new(digits, Split::new(2000, 0.1, 3));
    let colour = Dataset::procedural(400, 5);
    let colour = TrainData::new(colour, Split::new(400, 0.1, 3));
    let mut written = 0;
    for (tag, data, genotypes) in [
        ("digits", &digits, covering(&Space::new(SpaceConfig::for_input(InputShape::DIGITS, 10)).expect("space"), "onnx-digits", 4)),
        ("colour", &colour, covering(&Space::new(SpaceConfig::for_input(InputShape::RGB32, 10)).expect("space"), "onnx-colour", 4)),
    ] {
        let space = Space::new(SpaceConfig::for_input(data.dataset.shape(), 10)).expect("space");
        for (i, genotype) in genotypes.iter().enumerate() {
            let model = trained(&space, genotype, data);
            write_fixture(&dir, &format!("{tag}{i}"), &model, genotype, data);
            written += 1;
        }
    }
    // Width 4 gives SE and CBAM a hidden width of 1 and non-square linear layers.
    let mut narrow = SpaceConfig::for_input(InputShape::DIGITS, 10);
    narrow.stem_width = 6;
    narrow.cell_widths = vec![vec![4], vec![12]];
    let narrow_space = Space::new(narrow).expect("narrow space");
    let genotype = Genotype::parse("4:se_block,cbam+0,eca+1|12:maxpool3x3,avgpool3x3+0,skip+1").expect("genotype");
    let model = trained(&narrow_space, &genotype, &digits);
    write_fixture(&dir, "narrow", &model, &genotype, &digits);
    assert!(written >= 8, "{written} fixtures");
}

#[test]
fn batch_norm_statistics_move_in_three_steps() {
    let data = TrainData::new(Dataset::builtin_digits().expect("digits"), Split::new(2000, 0.1, 3));
    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.cell_widths = vec![vec![8]];
    let space = Space::new(config).expect("space");
    let genotype = Genotype::parse("8:conv3x3").expect("genotype");
    let fresh = Network::new(&space, &genotype, &backend::cpu()).expect("model");
    let trained = trained(&space, &genotype, &data);
    let (mut before, mut after) = (Running::default(), Running::default());
    fresh.visit(&mut before);
    trained.visit(&mut after);
    // Visiting order: weights then gamma, beta, mean, variance per BN; the stem's BN (16
    // channels) statistics are among those that must differ from 0 and 1.
    let moved = before.0.iter().zip(&after.0).filter(|(a, b)| (*a - *b).abs() > 1e-3).count();
    assert!(moved > 32, "{moved} values moved");
}

#[test]
fn the_model_file_starts_with_ir_version_8_and_names_opset_17() {
    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.cell_widths = vec![vec![4]];
    let space = Space::new(config).expect("space");
    let genotype = Genotype::parse("4:skip").expect("genotype");
    let model = Network::new(&space, &genotype, &backend::cpu()).expect("model");
    let about = About { arch_id: "a".into(), genotype: genotype.to_string(), stats: vec![(0.5, 0.25)], summary: String::new() };
    let bytes = pollster::block_on(onnx_bytes(&model, InputShape::DIGITS, &about)).expect("exported");
    assert_eq!(&bytes[..2], &[0x08, proto::IR_VERSION as u8], "field 1 (ir_version) comes first");
    let opset = [0x42, 0x04, 0x0a, 0x00, 0x10, proto::OPSET as u8];
    assert!(bytes.windows(opset.len()).any(|w| w == opset), "an opset_import of ai.onnx version 17");
    let wrong = About { stats: vec![(0.5, 0.25); 3], ..about };
    let error = pollster::block_on(onnx_bytes(&model, InputShape::DIGITS, &wrong)).unwrap_err();
    assert!(error.to_string().contains("3 channel statistics for an input of 1 channels"), "{error}");
}
