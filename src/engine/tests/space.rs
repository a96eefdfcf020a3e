//! The search space, the cost model and the hardware models.

use engine::cost::{Location, cost, eca_kernel, params};
use engine::hardware::{DeviceProfile, HardwareError, LatencyModel, Roofline, Target};
use engine::rng::{Seed, rng_for};
use engine::space::{
    Cell, Genotype, InputShape, Layer, Op, ParseError, Space, SpaceConfig, SpaceError, Stage, StageSchedule,
};
use proptest::prelude::*;

fn digits_space() -> Space {
    Space::new(SpaceConfig::for_input(InputShape::DIGITS, 10)).expect("default space is valid")
}

fn stage(n: u8) -> Stage {
    match n {
        1 => Stage::One,
        2 => Stage::Two,
        _ => Stage::Three,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sampled_mutated_and_crossed_genotypes_stay_in_the_space(seed in any::<u64>(), s in 1u8..=3) {
        let space = digits_space();
        let stage = stage(s);
        let mut rng = rng_for(Seed(seed), "proptest");
        let a = space.sample(stage, &mut rng);
        let b = space.sample(stage, &mut rng);
        prop_assert!(space.check_contains_at(&a, stage).is_ok(), "{}", a);
        let mut current = a.clone();
        for _ in 0..20 {
            current = space.mutate(&current, stage, &mut rng).genotype;
            prop_assert_eq!(space.check_contains_at(&current, stage), Ok(()), "{}", current);
        }
        let (x, y, _) = space.crossover(&current, &b, &mut rng);
        prop_assert_eq!(space.check_contains_at(&x, stage), Ok(()), "{}", x);
        prop_assert_eq!(space.check_contains_at(&y, stage), Ok(()), "{}", y);
    }

    #[test]
    fn text_and_json_round_trips_keep_the_arch_id(seed in any::<u64>(), s in 1u8..=3) {
        let space = digits_space();
        let mut rng = rng_for(Seed(seed), "roundtrip");
        let g = space.sample(stage(s), &mut rng);
        let g = space.mutate(&g, stage(s), &mut rng).genotype;
        let from_text = Genotype::parse(&g.to_text()).expect("canonical text parses");
        prop_assert_eq!(&from_text, &g);
        prop_assert_eq!(from_text.arch_id(), g.arch_id());
        let json = serde_json::to_string(&g).expect("serialises");
        let from_json: Genotype = serde_json::from_str(&json).expect("parses");
        prop_assert_eq!(from_json.arch_id(), g.arch_id());
        prop_assert_eq!(from_json, g);
    }

    #[test]
    fn latency_grows_with_width_and_depth(seed in any::<u64>()) {
        let space = digits_space();
        let config = space.config();
        let mut rng = rng_for(Seed(seed), "monotone");
        let g = space.sample(Stage::Three, &mut rng);
        for target in Target::ALL {
            let model = Roofline::new(DeviceProfile::builtin(target));
            let base = model.latency_ms(&cost(config, &g));
            let mut wider = g.clone();
            wider.cells[0].width += 8;
            prop_assert!(model.latency_ms(&cost(config, &wider)) > base);
            let mut deeper = g.clone();
            let op = deeper.cells[1].layers[0].op;
            deeper.cells[1].layers.push(Layer::plain(if op == Op::Skip { Op::Conv1x1 } else { op }));
            prop_assert!(model.latency_ms(&cost(config, &deeper)) > base);
        }
    }
}

#[test]
fn text_form_is_short_documented_and_canonical() {
    let g: Genotype = " 16 : conv3x3 , skip , dwconv3x3 + 1 + 0 | 32:conv1x1,eca+0".parse().expect("parses");
    assert_eq!(g.to_text(), "16:conv3x3,skip,dwconv3x3+0+1|32:conv1x1,eca+0");
    assert_eq!(g.cells[0].layers[2], Layer { op: Op::DwConv3x3, skips: vec![0, 1] });
    assert_eq!(g.arch_id().len(), 16);
    assert_ne!(g.arch_id(), "16:conv3x3,skip,dwconv3x3+0+1|32:conv1x1,eca".parse::<Genotype>().expect("parses").arch_id());
    // The documented hash: FNV-1a 64 of the canonical text.
    assert_eq!(g.arch_id(), format!("{:016x}", engine::rng::fnv1a64(g.to_text().as_bytes())));
    let json = serde_json::to_value(&g).expect("json");
    assert_eq!(json["cells"][0]["layers"][2]["op"], "dwconv3x3");
    assert_eq!(json["cells"][1]["layers"][1]["op"], "eca");
}

#[test]
fn parse_errors_name_the_place() {
    assert_eq!(Genotype::parse(""), Err(ParseError::Empty));
    let unknown = Genotype::parse("16:conv3x3|32:conv2x2").expect_err("unknown op");
    assert!(matches!(unknown, ParseError::UnknownOp { cell: 1, layer: 0, .. }));
    assert!(unknown.to_string().contains("conv2x2") && unknown.to_string().contains("se_block"));
    assert!(matches!(Genotype::parse("x:conv3x3"), Err(ParseError::Width { cell: 0, .. })));
    assert!(matches!(Genotype::parse("16:conv3x3,skip+a"), Err(ParseError::Skip { cell: 0, layer: 1, .. })));
    assert!(matches!(Genotype::parse("conv3x3"), Err(ParseError::CellForm { cell: 0, .. })));
}

#[test]
fn check_contains_names_cell_layer_and_rule() {
    let space = digits_space();
    let ok: Genotype = "16:conv3x3|32:dwconv3x3,skip+0|64:cbam".parse().expect("parses");
    assert_eq!(space.check_contains(&ok), Ok(()));
    let not_open = space.check_contains_at(&ok, Stage::One).expect_err("dwconv is stage 2");
    assert_eq!(not_open, SpaceError::OpNotOpen { cell: 1, layer: 0, op: Op::DwConv3x3, op_stage: 2, open: 1 });
    assert!(not_open.to_string().contains("cell 1 layer 0"));
    let cases = [
        ("16:conv3x3|32:conv3x3", "2 cells"),
        ("20:conv3x3|32:conv3x3|64:conv3x3", "cell 0: width 20"),
        ("16:conv3x3|32:conv3x3,conv3x3,conv3x3,conv3x3,conv3x3|64:conv3x3", "cell 1: 5 layers"),
        ("16:conv3x3|32:conv3x3+0|64:conv3x3", "cell 1 layer 0: skip input 0"),
        ("16:conv3x3|32:conv3x3|64:skip,skip,skip,skip+0+1+2", "cell 2 layer 3: 3 skip inputs"),
    ];
    for (text, expected) in cases {
        let g: Genotype = text.parse().expect("parses");
        let error = space.check_contains(&g).expect_err(text).to_string();
        assert!(error.contains(expected), "{text}: {error}");
    }
    let mut unordered = ok.clone();
    unordered.cells[1].layers[1].skips = vec![0, 0];
    assert!(matches!(space.check_contains(&unordered), Err(SpaceError::SkipOrder { cell: 1, layer: 1, .. })));
    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.schedule.disabled = vec![Op::Cbam];
    let without_cbam = Space::new(config).expect("valid");
    assert!(matches!(without_cbam.check_contains(&ok), Err(SpaceError::OpDisabled { cell: 2, layer: 0, op: Op::Cbam })));
}

#[test]
fn space_config_errors_name_field_value_and_range() {
    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.max_layers = 20;
    let error = Space::new(config).expect_err("too deep").to_string();
    assert!(error.contains("max_layers") && error.contains("12"), "{error}");
    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.schedule = StageSchedule { stage2_at: 5, stage3_at: 2, disabled: vec![] };
    assert!(Space::new(config).expect_err("order").to_string().contains("stage3_at"));
    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.schedule.disabled = vec![Op::Conv3x3, Op::Conv1x1, Op::MaxPool3x3, Op::AvgPool3x3, Op::Skip];
    assert!(Space::new(config).expect_err("empty stage").to_string().contains("stage-1"));
}

#[test]
fn progressive_schedule_opens_ops_by_generation() {
    let schedule = StageSchedule { stage2_at: 3, stage3_at: 6, disabled: vec![Op::Eca] };
    assert_eq!(schedule.stage_at(0), Stage::One);
    assert_eq!(schedule.stage_at(3), Stage::Two);
    assert_eq!(schedule.stage_at(9), Stage::Three);
    assert_eq!(schedule.open_ops(Stage::One).len(), 5);
    assert_eq!(schedule.open_ops(Stage::Two).len(), 8);
    assert_eq!(schedule.open_ops(Stage::Three), {
        let mut all = Op::ALL.to_vec();
        all.retain(|op| *op != Op::Eca);
        all
    });
    let space = digits_space();
    let mut rng = rng_for(Seed(3), "stage");
    for _ in 0..200 {
        let g = space.sample(Stage::One, &mut rng);
        assert!(g.cells.iter().flat_map(|c| &c.layers).all(|l| l.op.stage() == Stage::One));
    }
}

#[test]
fn sampling_is_deterministic_by_seed() {
    let space = digits_space();
    let draw = |seed| {
        let mut rng = rng_for(Seed(seed), "space");
        (0..10).map(|_| space.sample(Stage::Three, &mut rng).arch_id()).collect::<Vec<_>>()
    };
    assert_eq!(draw(1), draw(1));
    assert_ne!(draw(1), draw(2));
}

fn one_cell(width: u32, layers: Vec<Layer>) -> (SpaceConfig, Genotype) {
    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.cell_widths = vec![vec![width]];
    (config, Genotype { cells: vec![Cell { width, layers }] })
}

#[test]
fn cost_model_hand_checked_values() {
    // Stem 1->16 on 28x28: 9*16 + 2*16 = 176 params, 28*28*16*9 = 112,896 MACs.
    // Entry 16->16: 9*256 + 32 = 2,336 params, 784*2,304 = 1,806,336 MACs.
    // Head 16->10: 170 params, 160 MACs.
    let (config, g) = one_cell(16, vec![Layer::plain(Op::Conv3x3)]);
    let c = cost(&config, &g);
    assert_eq!(c.layers.len(), 4);
    assert_eq!(c.layers[0].params, 176);
    assert_eq!(c.layers[0].macs, 112_896);
    assert_eq!(c.layers[1].location, Location::Entry { cell: 0 });
    assert_eq!(c.layers[2].params, 2_336);
    assert_eq!(c.layers[2].macs, 1_806_336);
    assert_eq!(c.layers[3].params, 170);
    assert_eq!(c.params, 176 + 2_336 + 2_336 + 170);
    assert_eq!(c.macs, 112_896 + 2 * 1_806_336 + 160);
    assert_eq!(c.buffers, 32 + 32 + 32);
    // conv3x3 layer: live input + output = 2 * 16*28*28 floats.
    assert_eq!(c.layers[2].activation_bytes, 4 * 2 * 12_544);

    let per_op = |op: Op, width: u32| {
        let (config, g) = one_cell(width, vec![Layer::plain(op)]);
        cost(&config, &g).layers[2].clone()
    };
    assert_eq!(per_op(Op::Conv1x1, 32).params, 32 * 32 + 64);
    assert_eq!(per_op(Op::MaxPool3x3, 32).params, 0);
    assert_eq!(per_op(Op::Skip, 32).bytes_moved, 0);
    assert_eq!(per_op(Op::DwConv3x3, 32).params, 9 * 32 + 32 * 32 + 4 * 32);
    assert_eq!(per_op(Op::DwConv5x5, 32).params, 25 * 32 + 32 * 32 + 4 * 32);
    assert_eq!(per_op(Op::DwConv5x5, 32).macs, (25 * 32 + 32 * 32) * 784);
    assert_eq!(per_op(Op::DilConv3x3, 32).params, 9 * 32 + 32 * 32 + 4 * 32);
    // SE, reduction 4: 32->8->32 with biases.
    assert_eq!(per_op(Op::SeBlock, 32).params, 32 * 8 + 8 + 8 * 32 + 32);
    // CBAM: the same MLP plus a 7x7 conv 2->1 with bias.
    assert_eq!(per_op(Op::Cbam, 32).params, 32 * 8 + 8 + 8 * 32 + 32 + 99);
    assert_eq!(per_op(Op::Eca, 32).params, 3);
    assert_eq!([eca_kernel(1), eca_kernel(16), eca_kernel(64), eca_kernel(128), eca_kernel(512)], [1, 3, 3, 5, 5]);

    // Three cells: 28 -> 14 -> 7 and a skip merge.
    let g: Genotype = "16:conv3x3|32:conv3x3,conv1x1+0|64:skip".parse().expect("parses");
    let config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    let c = cost(&config, &g);
    let entry1 = c.layers.iter().find(|l| l.location == Location::Entry { cell: 1 }).expect("entry 1");
    assert_eq!((entry1.output.height, entry1.params, entry1.macs), (14, 9 * 16 * 32 + 64, 196 * 9 * 16 * 32));
    let entry2 = c.layers.iter().find(|l| l.location == Location::Entry { cell: 2 }).expect("entry 2");
    assert_eq!(entry2.output.height, 7);
    let merged = c.layers.iter().find(|l| l.location == Location::Layer { cell: 1, layer: 1 }).expect("layer");
    // live: input node, output, merged input = 3 * 32*14*14 floats; one extra merge kernel.
    assert_eq!(merged.activation_bytes, 4 * 3 * 6_272);
    assert_eq!(merged.kernels, 2);
    assert_eq!(params(&config, &g), c.params);
    assert_eq!(c.params, 176 + 2_336 + 2_336 + (4_608 + 64) + 9_280 + 1_088 + (18_432 + 128) + 650);
}

#[test]
fn builtin_profiles_load_and_bad_profiles_are_refused() {
    for target in Target::ALL {
        let profile = DeviceProfile::builtin(target);
        assert_eq!(profile.name, target.name());
        assert!(!profile.peak_macs_per_s.source.is_empty());
    }
    let mut json: serde_json::Value = serde_json::from_str(include_str!("../../../www/profiles/mobile.json")).expect("JSON");
    json["peak_macs_per_s"]["value"] = serde_json::json!(-1.0);
    let text = json.to_string();
    let error = DeviceProfile::from_json(&text).expect_err("negative peak");
    assert!(matches!(error, HardwareError::Value { ref field, .. } if field == "peak_macs_per_s"), "{error}");
    assert!(matches!(DeviceProfile::from_json("{"), Err(HardwareError::Json(_))));
}

#[test]
fn targets_rank_as_expected_and_energy_is_positive() {
    let space = digits_space();
    let g = space.sample(Stage::Three, &mut rng_for(Seed(11), "targets"));
    let c = cost(space.config(), &g);
    let ms = |t| Roofline::new(DeviceProfile::builtin(t)).latency_ms(&c);
    assert!(ms(Target::Gpu) < ms(Target::Mobile), "gpu {} mobile {}", ms(Target::Gpu), ms(Target::Mobile));
    for t in Target::ALL {
        assert!(Roofline::new(DeviceProfile::builtin(t)).energy_mj(&c) > 0.0);
    }
}
