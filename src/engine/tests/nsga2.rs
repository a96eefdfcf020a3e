//! NSGA-II and the baselines: determinism, snapshot/restore continuation, convergence on a test
//! problem, duplicate removal and the ask/tell contract.

use engine::baselines::{RandomSearch, RegularizedEvolution};
use engine::moo::{Fitness, hypervolume};
use engine::nsga2::{Nsga2, Nsga2Config};
use engine::problem::{Problem, Strategy, StrategyError};
use engine::problems::{Dtlz2, Zdt};
use engine::rng::Seed;

fn run<S: Strategy<Vec<f64>>>(strategy: &mut S, problem: &Zdt, generations: usize) -> Vec<Vec<String>> {
    (0..generations)
        .map(|_| {
            let batch = strategy.ask(problem);
            let ids = batch.iter().map(|p| p.id.clone()).collect();
            let results = batch.iter().map(|p| problem.fitness(&p.solution)).collect();
            strategy.tell(results).expect("tell");
            ids
        })
        .collect()
}

fn front_hv(strategy: &impl Strategy<Vec<f64>>) -> f64 {
    let points: Vec<Vec<f64>> = strategy.population().iter().map(|(_, f)| f.objectives.clone()).collect();
    hypervolume(&points, &[1.1, 1.1])
}

fn config(population: usize) -> Nsga2Config {
    Nsga2Config { population, ..Nsga2Config::default() }
}

#[test]
fn same_seed_same_run_different_seed_differs() {
    let problem = Zdt::zdt1(10);
    let mut a = Nsga2::new(config(20), Seed(5));
    let mut b = Nsga2::new(config(20), Seed(5));
    let mut c = Nsga2::new(config(20), Seed(6));
    assert_eq!(run(&mut a, &problem, 10), run(&mut b, &problem, 10));
    assert_eq!(a.snapshot(), b.snapshot());
    assert_ne!(run(&mut a, &problem, 1), run(&mut c, &problem, 1));
}

#[test]
fn restored_snapshot_continues_exactly() {
    let problem = Zdt::zdt2(8);
    let mut original = Nsga2::new(config(16), Seed(9));
    run(&mut original, &problem, 6);
    // Save mid-generation too: after ask, before tell.
    let asked = original.ask(&problem);
    let json = serde_json::to_string(&original.snapshot()).expect("serialises");
    let mut restored = Nsga2::restore(serde_json::from_str(&json).expect("deserialises"));
    assert_eq!(restored.ask(&problem), asked);
    let rest_original = run(&mut original, &problem, 8);
    let rest_restored = run(&mut restored, &problem, 8);
    assert_eq!(rest_original, rest_restored);
    assert_eq!(original.snapshot(), restored.snapshot());

    let mut rea = RegularizedEvolution::new(6, 3, 1, Seed(2));
    let mut random = RandomSearch::new(3, Seed(2));
    run(&mut rea, &problem, 12);
    run(&mut random, &problem, 2);
    let mut rea_copy: RegularizedEvolution<Vec<f64>> =
        serde_json::from_str(&serde_json::to_string(&rea).expect("ser")).expect("de");
    let mut random_copy: RandomSearch<Vec<f64>> =
        serde_json::from_str(&serde_json::to_string(&random).expect("ser")).expect("de");
    assert_eq!(run(&mut rea, &problem, 5), run(&mut rea_copy, &problem, 5));
    assert_eq!(run(&mut random, &problem, 2), run(&mut random_copy, &problem, 2));
}

#[test]
fn nsga2_converges_on_zdt1_and_beats_random_search() {
    let problem = Zdt::zdt1(30);
    let mut nsga = Nsga2::new(config(50), Seed(1));
    run(&mut nsga, &problem, 120);
    let mut random = RandomSearch::new(50, Seed(1));
    run(&mut random, &problem, 120);
    let nsga_hv = front_hv(&nsga);
    let random_hv = front_hv(&random);
    // The true front's hypervolume is 0.8767 (ref 1.1).
    assert!(nsga_hv > 0.75, "nsga2 hv {nsga_hv}");
    assert!(nsga_hv > random_hv + 0.1, "nsga2 {nsga_hv} random {random_hv}");
}

#[test]
fn offspring_are_never_duplicates_of_earlier_ids() {
    let problem = Zdt::zdt3(5);
    let mut nsga = Nsga2::new(config(12), Seed(3));
    let ids: Vec<String> = run(&mut nsga, &problem, 15).into_iter().flatten().collect();
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
}

#[test]
fn tell_checks_the_batch() {
    let problem = Dtlz2::new(12, 3);
    let mut nsga: Nsga2<Vec<f64>> = Nsga2::new(config(6), Seed(1));
    assert_eq!(nsga.tell(vec![]), Err(StrategyError::NothingAsked));
    let batch = nsga.ask(&problem);
    assert_eq!(batch, nsga.ask(&problem), "asking twice returns the pending batch");
    assert_eq!(nsga.tell(vec![]), Err(StrategyError::CountMismatch { asked: 6, told: 0 }));
    let mut results: Vec<Fitness> = batch.iter().map(|p| problem.fitness(&p.solution)).collect();
    results[2].objectives.pop();
    assert_eq!(nsga.tell(results), Err(StrategyError::ObjectiveCount { index: 2, found: 2, expected: 3 }));
    let results: Vec<Fitness> = batch.iter().map(|p| problem.fitness(&p.solution)).collect();
    let report = nsga.tell(results).expect("valid batch");
    assert_eq!((report.generation, report.population, report.counts.sampled), (0, 6, 6));
    let offspring = nsga.ask(&problem);
    assert_eq!(offspring.len(), 6);
    assert!(offspring.iter().all(|p| p.solution.len() == 12 && problem.id(&p.solution) == p.id));
}
