//! Weight inheritance: a child starts from its parents' tensors exactly where position, op and
//! shapes match, and from fresh weights elsewhere.

use std::collections::BTreeMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::Tensor;
use engine::space::{Genotype, InputShape, Space, SpaceConfig};
use nn::backend;
use nn::candidate::Network;

/// Every float tensor (BN running statistics included) by path.
#[derive(Default)]
struct Tensors {
    path: Vec<String>,
    values: BTreeMap<String, Vec<f32>>,
}

impl ModuleVisitor for Tensors {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let values = param.val().into_data().try_to_vec::<f32>().expect("f32");
        self.values.insert(self.path.join("."), values);
    }
}

fn tensors(model: &Network) -> BTreeMap<String, Vec<f32>> {
    let mut visitor = Tensors::default();
    model.visit(&mut visitor);
    visitor.values
}

fn space() -> Space {
    Space::new(SpaceConfig::for_input(InputShape::DIGITS, 10)).expect("valid")
}

/// Shifts every tensor (BN statistics too), so a parent differs from any fresh initialisation
/// as a trained one would.
struct Shift;

impl ModuleMapper for Shift {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|tensor| tensor.add_scalar(0.5))
    }
}

/// A parent with "trained" weights.
fn build(text: &str) -> (Genotype, Network) {
    let genotype: Genotype = text.parse().expect("genotype");
    let model = Network::new(&space(), &genotype, &backend::cpu()).expect("in the space");
    (genotype, model.map(&mut Shift))
}

/// Paths of `child` equal to the same path of `parent`.
fn same(child: &BTreeMap<String, Vec<f32>>, parent: &BTreeMap<String, Vec<f32>>) -> Vec<String> {
    child.iter().filter(|(path, v)| parent.get(*path) == Some(v)).map(|(path, _)| path.clone()).collect()
}

fn under<'a>(paths: &'a [String], prefix: &str) -> Vec<&'a String> {
    paths.iter().filter(|p| p.starts_with(prefix)).collect()
}

#[test]
fn matching_modules_are_copied_exactly_and_the_rest_is_fresh() {
    let (pg, parent) = build("16:conv3x3,dwconv3x3|32:conv1x1|64:eca");
    let child_genotype: Genotype = "16:conv3x3,conv3x3|32:conv1x1,skip+0|64:eca".parse().expect("genotype");
    let (child, report) =
        Network::inherit(&space(), &child_genotype, &[(&pg, &parent)], &backend::cpu()).expect("inherits");
    let (c, p) = (tensors(&child), tensors(&parent));
    let copied = same(&c, &p);
    for prefix in ["stem.", "cells.0.entry.", "cells.0.layers.0.", "cells.1.entry.", "cells.1.layers.0.", "cells.2.entry.", "cells.2.layers.0.", "head."] {
        let in_child: Vec<&String> = c.keys().filter(|k| k.starts_with(prefix)).collect();
        assert!(!in_child.is_empty() || prefix == "cells.2.layers.0.", "{prefix} has tensors");
        assert_eq!(under(&copied, prefix), in_child, "{prefix} copied whole, BN statistics included");
    }
    assert!(c.keys().any(|k| k.ends_with("running_var")));
    assert!(under(&copied, "cells.0.layers.1.").is_empty(), "the changed op starts fresh");
    // Everything but the new conv3x3 (9*16*16 + 2*16 parameters) was inherited.
    assert_eq!(report.total_params - report.inherited_params, 9 * 16 * 16 + 32);
    assert_eq!(report.inherited_modules, 8);
}

/// The values of `tensor` (shape `dims`) inside `ranges` (one per dimension), flattened.
fn part(values: &[f32], dims: &[usize], ranges: &[std::ops::Range<usize>]) -> Vec<f32> {
    let mut out = Vec::new();
    let strides: Vec<usize> = (0..dims.len()).map(|d| dims[d + 1..].iter().product()).collect();
    let total: usize = dims.iter().product();
    for flat in 0..total {
        let index: Vec<usize> = (0..dims.len()).map(|d| (flat / strides[d]) % dims[d]).collect();
        if index.iter().zip(ranges).all(|(i, r)| r.contains(i)) {
            out.push(values[flat]);
        }
    }
    out
}

#[test]
fn a_width_change_copies_the_leading_channels_and_leaves_the_rest_fresh() {
    let (pg, parent) = build("16:conv3x3|32:conv1x1|64:conv1x1");
    let child_genotype: Genotype = "16:conv3x3|48:conv1x1|64:conv1x1".parse().expect("genotype");
    let device = backend::cpu();
    // BatchNorm starts from constants (scale 1, shift 0, mean 0, variance 1): a fresh copy shows them.
    let fresh = tensors(&Network::new(&space(), &child_genotype, &device).expect("fresh"));
    let (child, report) = Network::inherit(&space(), &child_genotype, &[(&pg, &parent)], &device).expect("inherits");
    let (c, p) = (tensors(&child), tensors(&parent));
    // Cell 1's entry reads 16 channels and writes 48 where the parent's wrote 32.
    let key = "cells.1.entry.conv.weight";
    let child_dims = [48, 16, 3, 3];
    let leading = [0..32, 0..16, 0..3, 0..3];
    assert_eq!(part(&c[key], &child_dims, &leading), p[key], "the leading 32 filters are the parent's");
    // The 16 new filters are freshly initialised: within the initialiser's bound (a fan-in of
    // 144 gives |w| <= 1/12), where every "trained" parent weight was shifted by 0.5.
    let rest = part(&c[key], &child_dims, &[32..48, 0..16, 0..3, 0..3]);
    assert_eq!(rest.len(), 16 * 16 * 9);
    assert!(rest.iter().all(|w| w.abs() <= 1.0 / 12.0 + 1e-6), "the new filters are fresh");
    assert!(p[key].iter().all(|w| w.abs() > 1.0 / 12.0), "and differ from anything the parent has");
    for stat in ["cells.1.entry.bn.running_mean", "cells.1.entry.bn.running_var", "cells.1.entry.bn.gamma"] {
        assert_eq!(c[stat][..32], p[stat][..], "{stat}: the leading 32 channels are the parent's");
        assert_eq!(c[stat][32..], fresh[stat][32..], "{stat}: the rest fresh");
    }
    // Cell 2's entry now reads 48 channels instead of 32: its leading 32 input channels are copied.
    let key = "cells.2.entry.conv.weight";
    assert_eq!(part(&c[key], &[64, 48, 3, 3], &[0..64, 0..32, 0..3, 0..3]), p[key]);
    assert_eq!(c["cells.2.layers.0.block.Conv.conv.weight"], p["cells.2.layers.0.block.Conv.conv.weight"], "same shape: whole");
    assert!(report.inherited_params < report.total_params);
    assert_eq!(report.identity_layers, 0);
    use engine::search::LayerStart::{Copied, Sliced};
    assert_eq!(report.layers, [vec![Copied], vec![Sliced], vec![Copied]], "cell 1's conv1x1 is 48 wide, its parent's 32");
}

#[test]
fn an_inserted_layer_starts_as_the_identity_so_the_child_computes_what_its_parent_did() {
    use burn::tensor::{Distribution, Tensor};
    let (pg, parent) = build("16:conv3x3,skip+0|32:conv1x1|64:eca");
    // A mutation inserted a dwconv3x3 in cell 0 and a conv3x3 before cell 1's layer.
    let child_genotype: Genotype = "16:conv3x3,dwconv3x3,skip+0|32:conv3x3,conv1x1|64:eca".parse().expect("genotype");
    let (child, report) = Network::inherit(&space(), &child_genotype, &[(&pg, &parent)], &backend::cpu()).expect("inherits");
    assert_eq!(report.identity_layers, 2);
    use engine::search::LayerStart::{Copied, Identity};
    assert_eq!(report.layers, [vec![Copied, Identity, Copied], vec![Identity, Copied], vec![Copied]], "how each layer started");
    let x: Tensor<4> = Tensor::random([3, 1, 28, 28], Distribution::Default, &backend::cpu());
    let (before, after) = (parent.forward(x.clone()).into_data(), child.forward(x).into_data());
    before.assert_approx_eq::<f32>(&after, burn::tensor::Tolerance::absolute(1e-5));
}

#[test]
fn batch_norm_reestimation_changes_only_running_statistics() {
    use burn::tensor::{Distribution, Tensor};
    let genotype: Genotype = "16:conv3x3,dwconv3x3|32:conv1x1|64:skip".parse().expect("genotype");
    let device = backend::cpu().autodiff();
    let model = Network::new(&space(), &genotype, &device).expect("model");
    let before = tensors(&model);
    let batches = (0..3).map(|_| Tensor::<4>::random([8, 1, 28, 28], Distribution::Uniform(0.0, 1.0), &device)).collect();
    let after = tensors(&nn::inherit::reestimate_batch_norms(model, batches));
    let changed: Vec<&String> = after.keys().filter(|k| after[*k] != before[*k]).collect();
    assert!(!changed.is_empty(), "the statistics moved");
    assert!(changed.iter().all(|k| k.ends_with("running_mean") || k.ends_with("running_var")), "{changed:?}");
    assert!(changed.iter().any(|k| k.starts_with("stem.")), "{changed:?}");
}

#[test]
fn batch_norm_reestimation_leaves_every_parameter_trainable() {
    use burn::optim::GradientsParams;
    use burn::tensor::{Distribution, Tensor};
    /// The trainable tensors (BatchNorm's running statistics left out) without a gradient.
    struct Missing<'a>(&'a GradientsParams, Vec<String>, Vec<String>);
    impl ModuleVisitor for Missing<'_> {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.1.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.1.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let path = self.1.join(".");
            if !(path.ends_with("running_mean") || path.ends_with("running_var")) && self.0.get::<D>(param.id).is_none() {
                self.2.push(path);
            }
        }
    }
    let genotype: Genotype = "16:conv3x3,se_block|32:dwconv3x3|64:cbam".parse().expect("genotype");
    let device = backend::cpu().autodiff();
    let model = Network::new(&space(), &genotype, &device).expect("model");
    let batches = (0..2).map(|_| Tensor::<4>::random([4, 1, 28, 28], Distribution::Uniform(0.0, 1.0), &device)).collect();
    let model = nn::inherit::reestimate_batch_norms(model, batches);
    let x = Tensor::<4>::random([4, 1, 28, 28], Distribution::Uniform(0.0, 1.0), &device);
    let grads = GradientsParams::from_grads(model.forward(x).sum().backward(), &model);
    let mut missing = Missing(&grads, Vec::new(), Vec::new());
    model.visit(&mut missing);
    assert!(missing.2.is_empty(), "the passes track no gradients, and the network trains after them: {:?}", missing.2);
}

#[test]
fn two_parents_each_give_what_matches() {
    let (ga, a) = build("16:conv3x3|32:conv1x1|64:conv1x1");
    let (gb, b) = build("24:dwconv5x5|64:se_block|128:cbam");
    let child_genotype: Genotype = "16:conv3x3|64:se_block|128:cbam".parse().expect("genotype");
    let (child, report) =
        Network::inherit(&space(), &child_genotype, &[(&ga, &a), (&gb, &b)], &backend::cpu()).expect("inherits");
    let c = tensors(&child);
    let from_a = same(&c, &tensors(&a));
    let from_b = same(&c, &tensors(&b));
    assert!(!under(&from_a, "cells.0.layers.0.").is_empty());
    assert!(!under(&from_b, "cells.1.layers.0.").is_empty());
    assert!(!under(&from_b, "cells.2.").is_empty());
    // The 16 -> 64 entry: B's (24 -> 64) gives its leading input channels and whole BatchNorm.
    assert!(under(&from_b, "cells.1.entry.conv").is_empty(), "the convolution is sliced, not copied whole");
    assert!(!under(&from_b, "cells.1.entry.bn").is_empty(), "64 channels: BatchNorm copied whole");
    assert!(!under(&from_b, "head.").is_empty());
    let fresh = Network::inherit(&space(), &child_genotype, &[], &backend::cpu()).expect("no parents").1;
    assert_eq!((fresh.inherited_params, fresh.total_params), (0, report.total_params));
}

#[test]
fn sliced_and_identity_parameters_are_trainable_leaves() {
    use burn::optim::GradientsParams;
    use burn::tensor::{Distribution, Tensor};
    let (pg, parent) = build("16:conv3x3|32:conv1x1|64:conv1x1");
    let child_genotype: Genotype = "16:conv3x3,conv3x3|48:conv1x1|64:conv1x1".parse().expect("genotype");
    let device = backend::cpu().autodiff();
    let (child, _) = Network::inherit(&space(), &child_genotype, &[(&pg, &parent)], &device).expect("inherits");
    let x: Tensor<4> = Tensor::random([2, 1, 28, 28], Distribution::Default, &device);
    let grads = GradientsParams::from_grads(child.forward(x).sum().backward(), &child);
    let mut missing = Vec::new();
    struct Ids<'a>(&'a GradientsParams, &'a mut Vec<String>, Vec<String>);
    impl ModuleVisitor for Ids<'_> {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.2.push(name.to_string());
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.2.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let path = self.2.join(".");
            if !path.contains("running_") && self.0.get::<D>(param.id).is_none() {
                self.1.push(path);
            }
        }
    }
    child.visit(&mut Ids(&grads, &mut missing, Vec::new()));
    assert!(missing.is_empty(), "every trainable parameter gets a gradient: {missing:?}");
}
