//! The multi-objective core against pymoo 0.6.2's exact answers (`tests/reference/pareto_cases.json`,
//! a copy of the team's reference file): ranks and fronts exactly, crowding distance and
//! hypervolume to 1e-12 relative.

use engine::moo::{
    Fitness, constrained_dominates, constrained_non_dominated_sort, crowding_distance, hypervolume,
    non_dominated_sort, ranks_from_fronts,
};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/reference/pareto_cases.json");
    let text = std::fs::read_to_string(path).expect("reference file readable");
    let json: Value = serde_json::from_str(&text).expect("reference file is JSON");
    json["cases"].as_array().expect("cases array").clone()
}

fn matrix(value: &Value) -> Vec<Vec<f64>> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|row| row.as_array().expect("row").iter().map(|x| x.as_f64().expect("number")).collect())
        .collect()
}

fn number(value: &Value) -> f64 {
    match value {
        Value::String(s) if s == "inf" => f64::INFINITY,
        other => other.as_f64().expect("number or \"inf\""),
    }
}

fn close(a: f64, b: f64) -> bool {
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
}

#[test]
fn ranks_and_fronts_match_pymoo_exactly() {
    for case in cases() {
        let name = case["name"].as_str().expect("name");
        let points = matrix(&case["points"]);
        let fronts = non_dominated_sort(&points);
        let expected: Vec<Vec<usize>> = case["fronts"]
            .as_array()
            .expect("fronts")
            .iter()
            .map(|f| f.as_array().expect("front").iter().map(|i| i.as_u64().expect("index") as usize).collect())
            .collect();
        assert_eq!(fronts, expected, "fronts of {name}");
        let ranks = ranks_from_fronts(&fronts, points.len());
        let expected_ranks: Vec<usize> =
            case["rank"].as_array().expect("rank").iter().map(|r| r.as_u64().expect("rank") as usize).collect();
        assert_eq!(ranks, expected_ranks, "ranks of {name}");
    }
}

#[test]
fn crowding_matches_pymoo_to_1e12() {
    for case in cases() {
        let name = case["name"].as_str().expect("name");
        let points = matrix(&case["points"]);
        let expected: Vec<f64> = case["crowding"].as_array().expect("crowding").iter().map(number).collect();
        for front in non_dominated_sort(&points) {
            let rows: Vec<&[f64]> = front.iter().map(|&i| points[i].as_slice()).collect();
            for (&i, got) in front.iter().zip(crowding_distance(&rows)) {
                assert!(close(got, expected[i]), "{name} point {i}: {got} vs {}", expected[i]);
            }
        }
    }
}

#[test]
fn hypervolume_matches_pymoo_to_1e12() {
    for case in cases() {
        let name = case["name"].as_str().expect("name");
        let points = matrix(&case["points"]);
        let reference: Vec<f64> =
            case["ref_point"].as_array().expect("ref").iter().map(|x| x.as_f64().expect("number")).collect();
        let got = hypervolume(&points, &reference);
        let expected = number(&case["hv"]);
        assert!(close(got, expected), "{name}: {got} vs {expected}");
        let fronts = non_dominated_sort(&points);
        for (k, expected) in case["hv_per_front"].as_array().expect("hv_per_front").iter().enumerate() {
            let front: Vec<Vec<f64>> = fronts[k].iter().map(|&i| points[i].clone()).collect();
            let got = hypervolume(&front, &reference);
            assert!(close(got, number(expected)), "{name} front {k}: {got} vs {expected}");
        }
    }
}

#[test]
fn constrained_domination_cases() {
    let feasible = |o: &[f64]| Fitness::feasible(o.to_vec());
    let infeasible = |o: &[f64], v: f64| Fitness { objectives: o.to_vec(), violation: v };
    // A feasible point beats any infeasible one, whatever the objectives.
    assert!(constrained_dominates(&feasible(&[9.0, 9.0]), &infeasible(&[0.0, 0.0], 0.1)));
    assert!(!constrained_dominates(&infeasible(&[0.0, 0.0], 0.1), &feasible(&[9.0, 9.0])));
    // Two infeasible points: the smaller violation wins; equal violations tie.
    assert!(constrained_dominates(&infeasible(&[5.0, 5.0], 0.1), &infeasible(&[0.0, 0.0], 0.2)));
    assert!(!constrained_dominates(&infeasible(&[0.0, 0.0], 0.2), &infeasible(&[5.0, 5.0], 0.2)));
    assert!(!constrained_dominates(&infeasible(&[5.0, 5.0], 0.2), &infeasible(&[0.0, 0.0], 0.2)));
    // Two feasible points: Pareto dominance.
    assert!(constrained_dominates(&feasible(&[1.0, 2.0]), &feasible(&[1.0, 3.0])));
    assert!(!constrained_dominates(&feasible(&[1.0, 3.0]), &feasible(&[2.0, 1.0])));

    let population = vec![
        infeasible(&[0.0, 0.0], 0.5),
        feasible(&[2.0, 2.0]),
        infeasible(&[0.0, 0.0], 0.25),
        feasible(&[1.0, 3.0]),
        feasible(&[3.0, 3.0]),
        infeasible(&[9.0, 9.0], 0.25),
    ];
    assert_eq!(constrained_non_dominated_sort(&population), vec![vec![1, 3], vec![4], vec![2, 5], vec![0]]);
}
