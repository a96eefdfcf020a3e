//! Device profiles: the fits recover known costs from noisy synthetic timings, a profile
//! round-trips through JSON and a damaged one is refused with its problem, and a space
//! predicting with a profile keeps its violators from being handed out for training.

use engine::hardware::{Block, BlockTime, Correction, LatencyTable, Target, blocks, fit_line, space_blocks};
use engine::rng::{Seed, rng_for};
use engine::search::{ArchSpace, Constraints, Objective, RecordStatus, Search, SearchConfig, SearchSpace};
use engine::space::{InputShape, SpaceConfig, Stage};
use rand::RngExt;

fn config() -> SpaceConfig {
    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.cell_widths = vec![vec![8, 16], vec![16, 32]];
    config.max_layers = 3;
    config
}

/// A made-up device: a block costs in proportion to the values it produces, ops by kind.
fn true_ms(block: &Block) -> f64 {
    match *block {
        Block::Stem { channels_out, height, width, .. } => f64::from(channels_out * height * width) * 2e-5,
        Block::Entry { channels_in, channels_out, height, width, stride } => {
            f64::from(channels_in * channels_out * height * width / (stride * stride)) * 1e-6
        }
        Block::Op { op, channels, height, width } => f64::from(channels * height * width) * (1 + op as u32) as f64 * 1e-6,
        Block::Add { channels, height, width } => f64::from(channels * height * width) * 2e-7,
        Block::Head { features, classes, .. } => f64::from(features * classes) * 1e-5,
    }
}

fn table_of(mut ms: impl FnMut(&Block) -> f64) -> LatencyTable {
    let blocks = space_blocks(&config()).iter().map(|block| BlockTime { block: *block, ms: ms(block) }).collect();
    LatencyTable { blocks, overhead_ms: 0.05, ..LatencyTable::default() }
}

#[test]
fn the_fits_recover_known_costs_from_noisy_timings() {
    let mut rng = rng_for(Seed(3), "timing noise");
    let overhead = 0.05;
    let fitted = table_of(|block| {
        // 15 rounds of runs of 1, 2, 4 and 8 blocks, each ±5 % noise; the median per length.
        let points: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0]
            .iter()
            .map(|&n| {
                let mut runs: Vec<f64> = (0..15).map(|_| (overhead + n * true_ms(block)) * rng.random_range(0.95..1.05)).collect();
                runs.sort_by(f64::total_cmp);
                (n, runs[7])
            })
            .collect();
        fit_line(&points).expect("four lengths").0
    });
    let exact = table_of(true_ms);
    for (got, want) in fitted.blocks.iter().zip(&exact.blocks) {
        assert!((got.ms - want.ms).abs() <= 0.1 * want.ms + 0.004, "{:?}: {} against {}", got.block, got.ms, want.ms);
    }
    let space = engine::space::Space::new(config()).expect("space");
    let mut sampler = rng_for(Seed(4), "networks");
    for _ in 0..30 {
        let genotype = space.sample(Stage::Three, &mut sampler);
        let (got, want) = (fitted.predict_ms(&config(), &genotype).unwrap(), exact.predict_ms(&config(), &genotype).unwrap());
        assert!((got / want - 1.0).abs() < 0.05, "{genotype}: {got} against {want}");
    }
    // The network-level correction: measured = 1.3 x raw + 0.2, with noise.
    let pairs: Vec<(f64, f64)> = (1..=16).map(|i| f64::from(i) * 0.1).map(|raw| (raw, (1.3 * raw + 0.2) * rng.random_range(0.98..1.02))).collect();
    let c = Correction::fit(&pairs);
    assert!((c.scale - 1.3).abs() < 0.05 && (c.offset_ms - 0.2).abs() < 0.03, "{c:?}");
    assert_eq!(Correction::fit(&[(1.0, 2.0)]), Correction::NONE, "one network fixes no line");
    assert_eq!(Correction::fit(&[(1.0, 2.0), (2.0, 1.0)]), Correction::NONE, "a falling line is no correction");
}

#[test]
fn a_profile_round_trips_and_a_damaged_one_is_refused_with_its_problem() {
    let table = table_of(true_ms);
    let text = serde_json::to_string(&table).unwrap();
    assert_eq!(LatencyTable::from_json(&text), Ok(table.clone()));
    let damaged = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        edit(&mut value);
        LatencyTable::from_json(&value.to_string()).expect_err("refused")
    };
    let cases: Vec<(String, &str)> = vec![
        (LatencyTable::from_json(&text[..text.len() / 2]).expect_err("refused"), "not a device profile"),
        (damaged(&|v| v["version"] = 2.into()), "version 2; this build reads version 1"),
        (damaged(&|v| v["blocks"][3]["ms"] = (-1.0).into()), "block 3"),
        (damaged(&|v| v["correction"]["scale"] = 0.0.into()), "correction.scale is 0"),
        (damaged(&|v| v["blocks"] = serde_json::json!([])), "times no block"),
        (damaged(&|v| v["blocks"][0]["block"]["kind"] = "teleport".into()), "unknown block kind \"teleport\": allowed are"),
        (damaged(&|v| v["blocks"][0]["block"].as_object_mut().unwrap().clear()), "missing field `kind`"),
        (damaged(&|v| drop(v["blocks"][0]["block"].as_object_mut().unwrap().remove("width"))), "needs \"width\""),
    ];
    for (message, expected) in cases {
        assert!(message.contains(expected), "{message}");
    }
    let mut other = config();
    other.cell_widths[1].push(48);
    let missing = table.covers(&other).expect_err("another space");
    assert!(missing.contains("calibrated for another space") && missing.contains("8 to 48 channels at 28x28, stride 2"), "{missing}");
    assert!(ArchSpace::with_table(other, Target::Mobile, table).is_err());
}

#[test]
fn with_a_profile_the_latency_limit_acts_before_training() {
    let table = table_of(true_ms);
    let space = ArchSpace::with_table(config(), Target::Mobile, table.clone()).expect("covered");
    let mut sampler = rng_for(Seed(5), "networks");
    let genotype = space.space().sample(Stage::Three, &mut sampler);
    assert_eq!(space.cheap(&genotype).latency_ms, table.predict_ms(&config(), &genotype).unwrap());
    assert_eq!(blocks(&config(), &genotype).first(), space_blocks(&config()).first(), "the stem first");
    let roofline = ArchSpace::new(config(), Target::Mobile).unwrap();
    assert_eq!(space.cheap(&genotype).energy_mj, roofline.cheap(&genotype).energy_mj, "energy stays the target's");
    // A limit at the median predicted latency of the space.
    let mut latencies: Vec<f64> = (0..101).map(|_| space.cheap(&space.space().sample(Stage::Three, &mut sampler)).latency_ms).collect();
    latencies.sort_by(f64::total_cmp);
    let limit = latencies[50];
    let config = SearchConfig {
        objectives: vec![Objective::Error, Objective::Latency],
        constraints: Constraints { max_latency_ms: Some(limit), ..Constraints::default() },
        population: 8,
        generations: 3,
        max_resample: 1,
        ..SearchConfig::default()
    };
    let mut search = Search::new(space, config.check().unwrap());
    let mut trained = 0;
    while let Some(candidate) = search.next_candidate() {
        assert!(candidate.cheap.latency_ms <= limit, "{} is handed out for training at {} ms", candidate.text, candidate.cheap.latency_ms);
        trained += 1;
        let outcome = engine::search::Outcome::Evaluated { error: 0.5, details: Default::default() };
        search.record(&candidate.arch_id, outcome).unwrap();
    }
    let violators = search.records().iter().filter(|r| matches!(r.status, RecordStatus::ConstraintViolated)).count();
    assert!(trained > 0 && violators > 0, "{trained} trained, {violators} violators");
    assert!(search.records().iter().filter(|r| r.cheap.latency_ms > limit).all(|r| matches!(r.status, RecordStatus::ConstraintViolated)));
}
