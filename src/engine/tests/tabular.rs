//! Tabular NAS-Bench-201 mode: the compact table, the cost model against the reference
//! columns, the space, and searches over it.

use engine::problem::Problem;
use engine::rng::{Seed, rng_for};
use engine::tabular::{Nb201Arch, Nb201Dataset, Nb201Space, Nb201Table, NB201_ARCHS, nb201_cost};
use serde_json::Value;

fn table() -> Nb201Table {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/nb201/nb201_12ep.json"))
        .expect("compact table present");
    Nb201Table::from_json(&text).expect("compact table valid")
}

/// The compact table as raw JSON: it keeps the reference's parameter and MAC columns.
fn reference() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/nb201/nb201_12ep.json"))
        .expect("compact table present");
    serde_json::from_str(&text).expect("compact table is JSON")
}

#[test]
fn compact_table_matches_the_reference_and_cost_matches_its_columns() {
    let table = table();
    let reference = reference();
    let column = |name: &str| -> Vec<f64> {
        reference[name].as_array().expect("column").iter().map(|v| v.as_f64().expect("number")).collect()
    };
    let params = column("params_M_cifar10");
    let flops = column("flops_M_cifar10");
    let valid = column("cifar10_valid_12ep");
    let test100 = column("cifar100_test_12ep");
    // Arch strings of the first three NB201 indices, from the reference file.
    let strings = [
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
        "|avg_pool_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|",
    ];
    for (i, expected) in strings.iter().enumerate() {
        assert_eq!(table.arch(i).expect("index in range").to_string(), *expected);
    }
    for i in 0..NB201_ARCHS {
        let arch = table.arch(i).expect("index in range");
        assert_eq!(table.index(&arch), i);
        assert_eq!(Nb201Arch::from_codes(&arch.codes()).expect("codes"), arch);
        let cost = nb201_cost(&arch, Nb201Dataset::Cifar10);
        assert!((cost.params as f64 / 1e6 - params[i]).abs() < 6e-7, "{i}: params {} vs {}", cost.params, params[i]);
        assert!((cost.macs as f64 / 1e6 - flops[i]).abs() < 6e-6, "{i}: MACs {} vs {}", cost.macs, flops[i]);
        assert_eq!(table.accuracy(&arch, Nb201Dataset::Cifar10).valid, valid[i]);
        assert_eq!(table.accuracy(&arch, Nb201Dataset::Cifar100).test, test100[i]);
    }
    // Other datasets: only the classifier changes params; ImageNet16-120 convolutions see 16x16.
    let arch = table.arch(0).expect("arch 0");
    let c10 = nb201_cost(&arch, Nb201Dataset::Cifar10);
    let c100 = nb201_cost(&arch, Nb201Dataset::Cifar100);
    let in16 = nb201_cost(&arch, Nb201Dataset::ImageNet16);
    assert_eq!(c100.params - c10.params, 90 * 65);
    assert_eq!(in16.params - c10.params, 110 * 65);
    assert_eq!(in16.macs - 120 * 65, (c10.macs - 650) / 4);
}

#[test]
fn broken_tables_are_refused_with_the_reason() {
    assert!(Nb201Table::from_json("[]").expect_err("not an object").to_string().contains("not valid"));
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/nb201/nb201_12ep.json")).expect("table");
    let mut json: Value = serde_json::from_str(&text).expect("json");
    json["cifar100_valid_12ep"].as_array_mut().expect("column").pop();
    let error = Nb201Table::from_json(&json.to_string()).expect_err("short column").to_string();
    assert!(error.contains("cifar100") && error.contains("15625"), "{error}");
    assert!(Nb201Arch::from_codes("42121").is_err() && Nb201Arch::from_codes("421215").is_err());
}

#[test]
fn space_verbs_stay_in_the_space() {
    let mut rng = rng_for(Seed(4), "nb201");
    let space = Nb201Space;
    let a = space.sample(0, &mut rng);
    let b = space.sample(0, &mut rng);
    let (m, _) = space.mutate(&a, 0, &mut rng);
    assert_eq!(a.ops().iter().zip(m.ops().iter()).filter(|(x, y)| x != y).count(), 1);
    let (x, y, _) = space.crossover(&a, &b, 0, &mut rng);
    for e in 0..6 {
        assert!([a.ops()[e], b.ops()[e]].contains(&x.ops()[e]) && [a.ops()[e], b.ops()[e]].contains(&y.ops()[e]));
        assert!(x.ops()[e] <= 4);
    }
    assert_eq!(space.id(&a), a.codes());
}
