//! Blocks and candidates on Burn's CPU backend: shapes, gradient flow into every parameter, and
//! parameter counts equal to the engine's cost model for sampled genotypes of every stage.

use burn::module::{Module, ModuleVisitor, Param};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use burn::tensor::{Distribution, Int, Tensor, TensorData};
use engine::cost::cost;
use engine::rng::{Seed, rng_for};
use engine::space::{Genotype, InputShape, Op, Space, SpaceConfig, Stage};
use nn::backend;
use nn::blocks::Block;
use nn::candidate::Network;
use proptest::prelude::*;

/// Walks a model's trainable tensors (BN running statistics left out) and lists those without
/// a gradient.
struct MissingGradients<'a> {
    grads: &'a GradientsParams,
    path: Vec<String>,
    seen: usize,
    missing: Vec<String>,
}

impl ModuleVisitor for MissingGradients<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let path = self.path.join(".");
        if path.ends_with("running_mean") || path.ends_with("running_var") {
            return;
        }
        self.seen += 1;
        if self.grads.get::<D>(param.id).is_none() {
            self.missing.push(path);
        }
    }
}

#[test]
fn every_block_keeps_the_shape() {
    let device = backend::cpu();
    for op in Op::ALL {
        for channels in [1usize, 16, 24] {
            let block = Block::new(op, channels, &device);
            let x: Tensor<4> = Tensor::random([2, channels, 7, 5], Distribution::Default, &device);
            assert_eq!(block.forward(x).dims(), [2, channels, 7, 5], "{op} with {channels} channels");
        }
    }
}

#[test]
fn gradients_reach_every_parameter_of_every_op() {
    let mut config = SpaceConfig::for_input(InputShape::RGB32, 10);
    config.cell_widths = vec![vec![8], vec![16]];
    config.max_skips = 1;
    let space = Space::new(config).expect("valid space");
    let device = backend::cpu().autodiff();
    let images: Tensor<4> = Tensor::random([4, 3, 32, 32], Distribution::Default, &device);
    let labels: Tensor<1, Int> = Tensor::from_data(TensorData::new(vec![0i64, 3, 5, 9], [4]), &device);
    for op in Op::ALL {
        let genotype: Genotype = format!("8:{op}|16:conv1x1,{op}+0").parse().expect("genotype");
        let model = Network::new(&space, &genotype, &device).expect("in the space");
        let logits = model.forward(images.clone());
        assert_eq!(logits.dims(), [4, 10]);
        let loss = CrossEntropyLossConfig::new().init(&device).forward(logits, labels.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let mut walk = MissingGradients { grads: &grads, path: Vec::new(), seen: 0, missing: Vec::new() };
        model.visit(&mut walk);
        assert!(walk.seen >= 8, "{op}: {} trainable tensors", walk.seen);
        assert!(walk.missing.is_empty(), "{op}: no gradient for {:?}", walk.missing);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn parameter_count_equals_the_cost_model(seed in any::<u64>(), stage in 1u8..=3, rgb in any::<bool>()) {
        let input = if rgb { InputShape::RGB32 } else { InputShape::DIGITS };
        let space = Space::new(SpaceConfig::for_input(input, 10)).expect("valid space");
        let stage = match stage { 1 => Stage::One, 2 => Stage::Two, _ => Stage::Three };
        let genotype = space.sample(stage, &mut rng_for(Seed(seed), "params"));
        let device = backend::cpu();
        let model = Network::new(&space, &genotype, &device).expect("sampled genotypes are in the space");
        let c = cost(space.config(), &genotype);
        prop_assert_eq!(model.num_params() - model.buffers(), c.params as usize, "{}", genotype);
        prop_assert_eq!(model.buffers(), c.buffers as usize, "{}", genotype);
        let images: Tensor<4> = Tensor::random([1, input.channels as usize, 28, 28], Distribution::Default, &device);
        prop_assert_eq!(model.forward(images).dims(), [1, 10]);
    }
}

#[test]
fn a_genotype_outside_the_space_is_refused() {
    let space = Space::new(SpaceConfig::for_input(InputShape::DIGITS, 10)).expect("valid space");
    let genotype: Genotype = "16:conv3x3|32:conv3x3".parse().expect("parses");
    let error = Network::new(&space, &genotype, &backend::cpu()).expect_err("two cells");
    assert!(error.to_string().contains("2 cells"));
}

#[test]
fn a_moved_model_computes_the_same_and_still_learns() {
    let space = Space::new(SpaceConfig::for_input(InputShape::DIGITS, 10)).expect("valid space");
    let genotype: Genotype = "16:conv3x3,cbam+0|32:dwconv5x5|64:eca".parse().expect("genotype");
    let cpu = backend::cpu();
    let model = Network::new(&space, &genotype, &cpu).expect("in the space");
    let images: Tensor<4> = Tensor::random([2, 1, 28, 28], Distribution::Default, &cpu);
    let before: Vec<f32> = model.forward(images.clone()).into_data().try_to_vec().expect("f32");
    let copy = pollster::block_on(backend::move_module(model.clone(), &cpu)).expect("copied");
    let after: Vec<f32> = copy.forward(images.clone()).into_data().try_to_vec().expect("f32");
    assert_eq!(before, after);
    // On an autodiff device (BN in training mode) every parameter still gets its gradient.
    let training = cpu.clone().autodiff();
    let moved = pollster::block_on(backend::move_module(model, &training)).expect("moved");
    let labels: Tensor<1, Int> = Tensor::from_data(TensorData::new(vec![1i64, 7], [2]), &training);
    let loss = CrossEntropyLossConfig::new().init(&training).forward(moved.forward(images.to_device(&training)), labels);
    let grads = GradientsParams::from_grads(loss.backward(), &moved);
    let mut walk = MissingGradients { grads: &grads, path: Vec::new(), seen: 0, missing: Vec::new() };
    moved.visit(&mut walk);
    assert!(walk.seen > 10 && walk.missing.is_empty(), "no gradient for {:?}", walk.missing);
}
