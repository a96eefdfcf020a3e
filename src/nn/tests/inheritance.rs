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

#[test]
fn a_width_change_stops_inheritance_where_shapes_differ() {
    let (pg, parent) = build("16:conv3x3|32:conv1x1|64:conv1x1");
    let child_genotype: Genotype = "16:conv3x3|48:conv1x1|64:conv1x1".parse().expect("genotype");
    let (child, report) =
        Network::inherit(&space(), &child_genotype, &[(&pg, &parent)], &backend::cpu()).expect("inherits");
    let copied = same(&tensors(&child), &tensors(&parent));
    assert!(!under(&copied, "cells.0.").is_empty());
    assert!(under(&copied, "cells.1.").is_empty(), "cell 1 changed width");
    assert!(under(&copied, "cells.2.entry.").is_empty(), "cell 2's entry now reads 48 channels");
    assert!(!under(&copied, "cells.2.layers.0.").is_empty(), "cell 2's layer keeps its shape");
    assert!(!under(&copied, "head.").is_empty());
    assert!(report.inherited_params < report.total_params);
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
    assert!(under(&from_a, "cells.1.entry.").is_empty() && under(&from_b, "cells.1.entry.").is_empty(), "16 -> 64 entry is new");
    assert!(!under(&from_b, "head.").is_empty());
    let fresh = Network::inherit(&space(), &child_genotype, &[], &backend::cpu()).expect("no parents").1;
    assert_eq!((fresh.inherited_params, fresh.total_params), (0, report.total_params));
}
