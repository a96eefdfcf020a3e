//! Predictor-guided evolution and its random forest: the forest recovers a known function of the
//! encoding; the strategy is deterministic by seed, restores exactly from a snapshot, never asks
//! a solution twice, and finds better cells than random search with the same evaluations.

use std::collections::BTreeSet;

use engine::baselines::RandomSearch;
use engine::guided::PredictorGuided;
use engine::moo::Fitness;
use engine::problem::{Problem, Strategy};
use engine::rng::{Seed, rng_for};
use engine::surrogate::Forest;
use engine::tabular::{Nb201Arch, Nb201Space};

/// A known function of the cell: each edge's op adds its weight.
fn score(arch: &Nb201Arch) -> f64 {
    const WEIGHTS: [[f64; 5]; 6] = [
        [0.9, 0.1, 0.5, 0.0, 0.7],
        [0.2, 0.8, 0.3, 0.1, 0.6],
        [0.4, 0.4, 0.0, 0.9, 0.2],
        [0.7, 0.0, 0.6, 0.3, 0.1],
        [0.1, 0.5, 0.9, 0.2, 0.3],
        [0.6, 0.2, 0.1, 0.8, 0.4],
    ];
    arch.ops().iter().enumerate().map(|(edge, &op)| WEIGHTS[edge][usize::from(op)]).sum()
}

/// Spearman's rank correlation (no ties expected).
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let ranks = |v: &[f64]| {
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut rank = vec![0.0; v.len()];
        for (r, i) in order.into_iter().enumerate() {
            rank[i] = r as f64;
        }
        rank
    };
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let d2: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - y).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

#[test]
fn the_forest_recovers_a_known_function_of_the_one_hot_encoding() {
    let mut rng = rng_for(Seed(3), "test");
    let cells: Vec<Nb201Arch> = (0..400).map(|_| Nb201Space.sample(0, &mut rng)).collect();
    let features = |a: &Nb201Arch| Nb201Space.features(a).expect("NB201 has features");
    let (train, held_out) = cells.split_at(200);
    let x: Vec<Vec<f64>> = train.iter().map(features).collect();
    let y: Vec<f64> = train.iter().map(score).collect();
    let forest = Forest::fit(&x, &y, 30, &mut rng);
    let truth: Vec<f64> = held_out.iter().map(score).collect();
    let predicted: Vec<(f64, f64)> = held_out.iter().map(|a| forest.predict(&features(a))).collect();
    let means: Vec<f64> = predicted.iter().map(|p| p.0).collect();
    let rho = spearman(&truth, &means);
    assert!(rho > 0.8, "rank correlation on held-out cells {rho}");
    assert!(predicted.iter().any(|p| p.1 > 0.0), "the trees disagree somewhere: the spread is an uncertainty");
}

/// Runs `strategy` on NB201 scored by `score` (lower is better) for `budget` evaluations.
fn run<S: Strategy<Nb201Arch>>(strategy: &mut S, budget: usize) -> Vec<(Nb201Arch, f64)> {
    let mut evaluated = Vec::new();
    while evaluated.len() < budget {
        let batch = strategy.ask(&Nb201Space);
        assert!(!batch.is_empty(), "the space is far from spent");
        let results: Vec<Fitness> = batch.iter().map(|p| Fitness::feasible(vec![score(&p.solution)])).collect();
        evaluated.extend(batch.iter().map(|p| p.solution).zip(results.iter().map(|f| f.objectives[0])));
        strategy.tell(results).expect("tell");
    }
    evaluated
}

#[test]
fn same_seed_same_run_a_restored_snapshot_continues_exactly_and_nothing_is_asked_twice() {
    let mut a = PredictorGuided::new(10, 4, Seed(7));
    let mut b = PredictorGuided::new(10, 4, Seed(7));
    let first = run(&mut a, 60);
    assert_eq!(first, run(&mut b, 60));
    assert_ne!(first, run(&mut PredictorGuided::new(10, 4, Seed(8)), 60));
    let ids: BTreeSet<String> = first.iter().map(|(a, _)| Nb201Space.id(a)).collect();
    assert_eq!(ids.len(), first.len(), "a cell was asked twice");

    let asked = a.ask(&Nb201Space);
    let mut restored: PredictorGuided<Nb201Arch> = serde_json::from_str(&serde_json::to_string(&a).expect("ser")).expect("de");
    assert_eq!(restored.ask(&Nb201Space), asked);
    let results: Vec<Fitness> = asked.iter().map(|p| Fitness::feasible(vec![score(&p.solution)])).collect();
    a.tell(results.clone()).expect("tell");
    restored.tell(results).expect("tell");
    assert_eq!(run(&mut a, 40), run(&mut restored, 40));
}

#[test]
fn finds_better_cells_than_random_search_with_the_same_evaluations() {
    let best = |evaluated: Vec<(Nb201Arch, f64)>| evaluated.into_iter().map(|(_, s)| s).fold(f64::INFINITY, f64::min);
    let optimum = 0.0 + 0.1 + 0.0 + 0.0 + 0.1 + 0.1;
    let mut wins = 0;
    let mut gaps = Vec::new();
    for seed in 0..10 {
        let guided = best(run(&mut PredictorGuided::new(10, 1, Seed(seed)), 80));
        let random = best(run(&mut RandomSearch::new(1, Seed(seed)), 80));
        wins += usize::from(guided < random);
        gaps.push(guided - optimum);
    }
    assert!(wins >= 8, "predictor-guided beat random search in {wins} of 10 seeds");
    gaps.sort_by(f64::total_cmp);
    assert!(gaps[5] <= 0.3 + 1e-9, "median gap to the optimum {} (random search's is about 0.6)", gaps[5]);
}
