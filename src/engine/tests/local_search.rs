//! Local search: determinism, snapshot/restore continuation, never a repeat, climbing to the
//! optimum of a function with one peak, restarts at a local optimum, and Pareto local search
//! against random search.

use std::collections::BTreeSet;

use engine::baselines::RandomSearch;
use engine::local_search::LocalSearch;
use engine::moo::{Fitness, hypervolume, non_dominated_sort};
use engine::problem::{Problem, Strategy};
use engine::problems::Zdt;
use engine::rng::Seed;
use engine::tabular::{Nb201Arch, Nb201Space};

/// Edges that differ from `target`: one peak, and every step towards it is a neighbour.
fn distance(arch: &Nb201Arch, target: &Nb201Arch) -> f64 {
    arch.ops().iter().zip(target.ops()).filter(|(a, b)| **a != *b).count() as f64
}

/// Runs `strategy` on NB201 with `objectives` for up to `budget` evaluations; the evaluated
/// cells and their objectives, in order.
fn run_nb201<S: Strategy<Nb201Arch>>(
    strategy: &mut S,
    budget: usize,
    objectives: impl Fn(&Nb201Arch) -> Vec<f64>,
) -> Vec<(Nb201Arch, Vec<f64>)> {
    let mut evaluated = Vec::new();
    while evaluated.len() < budget {
        let batch = strategy.ask(&Nb201Space);
        assert!(!batch.is_empty(), "the space is far from spent");
        let results: Vec<Fitness> = batch.iter().map(|p| Fitness::feasible(objectives(&p.solution))).collect();
        evaluated.extend(batch.iter().map(|p| p.solution).zip(results.iter().map(|f| f.objectives.clone())));
        strategy.tell(results).expect("tell");
    }
    evaluated
}

fn target() -> Nb201Arch {
    Nb201Arch::from_codes("314023").expect("codes")
}

#[test]
fn same_seed_same_run_and_a_restored_snapshot_continues_exactly() {
    let objective = |a: &Nb201Arch| vec![distance(a, &target())];
    let mut a = LocalSearch::new(5, 3, Seed(7));
    let mut b = LocalSearch::new(5, 3, Seed(7));
    let mut c = LocalSearch::new(5, 3, Seed(8));
    assert_eq!(run_nb201(&mut a, 60, objective), run_nb201(&mut b, 60, objective));
    assert_eq!(a, b);
    assert_ne!(run_nb201(&mut a, 3, objective), run_nb201(&mut c, 3, objective));

    // Saved after an ask, before its tell, as a run is saved mid-batch.
    let asked = a.ask(&Nb201Space);
    let mut restored: LocalSearch<Nb201Arch> = serde_json::from_str(&serde_json::to_string(&a).expect("ser")).expect("de");
    assert_eq!(restored.ask(&Nb201Space), asked);
    let results: Vec<Fitness> = asked.iter().map(|p| Fitness::feasible(objective(&p.solution))).collect();
    a.tell(results.clone()).expect("tell");
    restored.tell(results).expect("tell");
    assert_eq!(run_nb201(&mut a, 90, objective), run_nb201(&mut restored, 90, objective));
}

#[test]
fn climbs_to_the_peak_then_restarts_and_never_asks_twice() {
    for seed in 0..10 {
        let mut search = LocalSearch::new(10, 1, Seed(seed));
        let evaluated = run_nb201(&mut search, 400, |a| vec![distance(a, &target())]);
        // From the best of 10 random cells (at most 6 edges off), each climb step fixes an edge
        // and costs at most the 24 neighbours.
        let found = evaluated.iter().position(|(a, _)| *a == target());
        assert!(found.is_some_and(|i| i < 10 + 6 * 24), "seed {seed}: peak found at {found:?}");
        // Past the peak the climb is at a local optimum: new climbs start.
        assert!(search.climbs() >= 2, "seed {seed}: {} climbs", search.climbs());
        let ids: BTreeSet<String> = evaluated.iter().map(|(a, _)| Nb201Space.id(a)).collect();
        assert_eq!(ids.len(), evaluated.len(), "seed {seed}: a cell was asked twice");
    }
}

#[test]
fn each_step_after_the_start_is_a_neighbour_of_an_evaluated_cell() {
    let mut search = LocalSearch::new(4, 2, Seed(3));
    let mut evaluated: BTreeSet<String> = BTreeSet::new();
    for _ in 0..40 {
        let batch = search.ask(&Nb201Space);
        for proposal in &batch {
            if proposal.parents.is_empty() {
                continue;
            }
            assert!(evaluated.contains(&proposal.parents[0]), "the parent was evaluated");
            let parent = Nb201Arch::from_codes(&proposal.parents[0]).expect("codes");
            assert_eq!(distance(&proposal.solution, &parent), 1.0, "one edge changed");
        }
        evaluated.extend(batch.iter().map(|p| p.id.clone()));
        let results = batch.iter().map(|p| Fitness::feasible(vec![distance(&p.solution, &target())])).collect();
        search.tell(results).expect("tell");
    }
}

/// The hypervolume of the non-dominated points among `points` (reference 1.1 on each axis).
fn front_hypervolume(points: Vec<Vec<f64>>) -> f64 {
    let front: Vec<Vec<f64>> = non_dominated_sort(&points)[0].iter().map(|&i| points[i].clone()).collect();
    hypervolume(&front, &[1.1, 1.1])
}

#[test]
fn pareto_local_search_beats_random_search_on_two_objectives() {
    // Two peaks on NB201: the front runs between them.
    let other = Nb201Arch::from_codes("041220").expect("codes");
    let objectives = |a: &Nb201Arch| vec![distance(a, &target()) / 6.0, distance(a, &other) / 6.0];
    let (mut wins, seeds) = (0, 10);
    for seed in 0..seeds {
        let local = run_nb201(&mut LocalSearch::new(10, 5, Seed(seed)), 150, objectives);
        let random = run_nb201(&mut RandomSearch::new(5, Seed(seed)), 150, objectives);
        let hv = |points: Vec<(Nb201Arch, Vec<f64>)>| front_hypervolume(points.into_iter().map(|(_, o)| o).collect());
        if hv(local) > hv(random) {
            wins += 1;
        }
    }
    assert!(wins >= 9, "local search won {wins} of {seeds}");
}

/// Runs `strategy` on `problem`'s solutions scored by `objective` for `batches` batches; every
/// evaluated point's objective value.
fn run_real<S: Strategy<Vec<f64>>>(strategy: &mut S, problem: &Zdt, batches: usize, objective: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let mut values = Vec::new();
    let mut ids = BTreeSet::new();
    for _ in 0..batches {
        let batch = strategy.ask(problem);
        assert!(!batch.is_empty());
        assert!(batch.iter().all(|p| ids.insert(p.id.clone())), "no solution asked twice");
        let results: Vec<Fitness> = batch.iter().map(|p| Fitness::feasible(vec![objective(&p.solution)])).collect();
        values.extend(results.iter().map(|f| f.objectives[0]));
        strategy.tell(results).expect("tell");
    }
    values
}

#[test]
fn a_space_that_cannot_list_neighbours_is_explored_by_mutation() {
    // A bowl in three variables; its neighbours are the space's (polynomial) mutations.
    let problem = Zdt::zdt1(3);
    let bowl = |x: &[f64]| x.iter().map(|v| (v - 0.3) * (v - 0.3)).sum::<f64>();
    let best = |values: Vec<f64>| values.into_iter().fold(f64::INFINITY, f64::min);
    let mut wins = 0;
    for seed in 0..10 {
        let local = best(run_real(&mut LocalSearch::new(6, 6, Seed(seed)), &problem, 50, bowl));
        let random = best(run_real(&mut RandomSearch::new(6, Seed(seed)), &problem, 50, bowl));
        if local < random {
            wins += 1;
        }
    }
    assert!(wins >= 9, "local search won {wins} of 10");
}
