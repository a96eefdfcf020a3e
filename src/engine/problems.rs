//! Real-valued test problems (ZDT1–3, DTLZ2) with pymoo's variation operators: simulated
//! binary crossover (SBX) and polynomial mutation (PM). They check the NSGA-II core against
//! published behaviour (see the `bench moo` command).
//!
//! ```
//! use engine::problems::Zdt;
//! let zdt1 = Zdt::zdt1(30);
//! let mut x = vec![0.0; 30];
//! x[0] = 0.25;
//! // On the Pareto front (x[1..] = 0): f2 = 1 - sqrt(f1).
//! assert_eq!(zdt1.evaluate(&x), vec![0.25, 0.5]);
//! // Variation stays within the bounds.
//! use engine::problem::Problem;
//! use engine::rng::{Seed, rng_for};
//! let mut rng = rng_for(Seed(6), "doc");
//! let (a, b) = (zdt1.sample(0, &mut rng), zdt1.sample(0, &mut rng));
//! let (c, _, _) = zdt1.crossover(&a, &b, 0, &mut rng);
//! let (d, _) = zdt1.mutate(&c, 0, &mut rng);
//! assert!(d.iter().all(|v| (0.0..=1.0).contains(v)));
//! ```

use rand::RngExt;

use crate::moo::Fitness;
use crate::problem::Problem;
use crate::rng::{EngineRng, fnv1a64};

/// SBX and PM settings (pymoo's NSGA-II defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RealVariation {
    /// SBX distribution index.
    pub sbx_eta: f64,
    /// Probability that SBX recombines one variable.
    pub sbx_prob_var: f64,
    /// Probability that the two children's values of a variable are exchanged.
    pub sbx_prob_exchange: f64,
    /// PM distribution index.
    pub pm_eta: f64,
    /// Probability that PM changes one variable; `None` means `min(0.5, 1 / n_var)`.
    pub pm_prob_var: Option<f64>,
}

impl Default for RealVariation {
    fn default() -> Self {
        RealVariation { sbx_eta: 15.0, sbx_prob_var: 0.5, sbx_prob_exchange: 0.5, pm_eta: 20.0, pm_prob_var: None }
    }
}

/// Which ZDT function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZdtKind {
    /// Convex front.
    Zdt1,
    /// Concave front.
    Zdt2,
    /// Disconnected front.
    Zdt3,
}

/// A ZDT problem on `[0, 1]^n`, two objectives.
#[derive(Debug, Clone, PartialEq)]
pub struct Zdt {
    /// Which function.
    pub kind: ZdtKind,
    /// Number of variables.
    pub n_var: usize,
    /// Variation operators.
    pub variation: RealVariation,
}

impl Zdt {
    /// ZDT1 with `n_var` variables.
    pub fn zdt1(n_var: usize) -> Self {
        Zdt { kind: ZdtKind::Zdt1, n_var, variation: RealVariation::default() }
    }
    /// ZDT2 with `n_var` variables.
    pub fn zdt2(n_var: usize) -> Self {
        Zdt { kind: ZdtKind::Zdt2, n_var, variation: RealVariation::default() }
    }
    /// ZDT3 with `n_var` variables.
    pub fn zdt3(n_var: usize) -> Self {
        Zdt { kind: ZdtKind::Zdt3, n_var, variation: RealVariation::default() }
    }

    /// The two objective values of `x`.
    pub fn evaluate(&self, x: &[f64]) -> Vec<f64> {
        let f1 = x[0];
        let rest = &x[1..];
        let g = 1.0 + 9.0 * rest.iter().sum::<f64>() / rest.len().max(1) as f64;
        let ratio = f1 / g;
        let h = match self.kind {
            ZdtKind::Zdt1 => 1.0 - ratio.sqrt(),
            ZdtKind::Zdt2 => 1.0 - ratio * ratio,
            ZdtKind::Zdt3 => 1.0 - ratio.sqrt() - ratio * (10.0 * std::f64::consts::PI * f1).sin(),
        };
        vec![f1, g * h]
    }

    /// The fitness of `x` (unconstrained).
    pub fn fitness(&self, x: &[f64]) -> Fitness {
        Fitness::feasible(self.evaluate(x))
    }
}

/// DTLZ2 on `[0, 1]^n` with `n_obj` objectives.
#[derive(Debug, Clone, PartialEq)]
pub struct Dtlz2 {
    /// Number of variables.
    pub n_var: usize,
    /// Number of objectives.
    pub n_obj: usize,
    /// Variation operators.
    pub variation: RealVariation,
}

impl Dtlz2 {
    /// DTLZ2 with `n_var` variables and `n_obj` objectives.
    pub fn new(n_var: usize, n_obj: usize) -> Self {
        Dtlz2 { n_var, n_obj, variation: RealVariation::default() }
    }

    /// The objective values of `x`.
    pub fn evaluate(&self, x: &[f64]) -> Vec<f64> {
        let m = self.n_obj;
        let g: f64 = x[m - 1..].iter().map(|v| (v - 0.5) * (v - 0.5)).sum();
        let half_pi = std::f64::consts::FRAC_PI_2;
        (0..m)
            .map(|i| {
                let mut f = 1.0 + g;
                for v in &x[..m - 1 - i] {
                    f *= (v * half_pi).cos();
                }
                if i > 0 {
                    f *= (x[m - 1 - i] * half_pi).sin();
                }
                f
            })
            .collect()
    }

    /// The fitness of `x` (unconstrained).
    pub fn fitness(&self, x: &[f64]) -> Fitness {
        Fitness::feasible(self.evaluate(x))
    }
}

/// The id of a real vector: FNV-1a over the bit patterns of its values.
fn real_id(x: &[f64]) -> String {
    let bytes: Vec<u8> = x.iter().flat_map(|v| v.to_bits().to_le_bytes()).collect();
    format!("{:016x}", fnv1a64(&bytes))
}

/// SBX on `[0, 1]` bounds as pymoo 0.6.2 does it: per variable with probability
/// `sbx_prob_var` (skipped when the parents are within 1e-14), spread factor from the
/// distribution index, children exchanged with probability `sbx_prob_exchange`, clipped.
fn sbx(a: &[f64], b: &[f64], v: &RealVariation, rng: &mut EngineRng) -> (Vec<f64>, Vec<f64>) {
    let (mut c1, mut c2) = (a.to_vec(), b.to_vec());
    let (xl, xu) = (0.0, 1.0);
    for i in 0..a.len() {
        if !rng.random_bool(v.sbx_prob_var) || (a[i] - b[i]).abs() <= 1e-14 {
            continue;
        }
        let (y1, y2) = (a[i].min(b[i]), a[i].max(b[i]));
        let delta = y2 - y1;
        let u: f64 = rng.random();
        let betaq = |beta: f64| {
            let alpha = 2.0 - beta.powf(-(v.sbx_eta + 1.0));
            if u <= 1.0 / alpha {
                (u * alpha).powf(1.0 / (v.sbx_eta + 1.0))
            } else {
                (1.0 / (2.0 - u * alpha)).powf(1.0 / (v.sbx_eta + 1.0))
            }
        };
        let mut low = 0.5 * ((y1 + y2) - betaq(1.0 + 2.0 * (y1 - xl) / delta) * delta);
        let mut high = 0.5 * ((y1 + y2) + betaq(1.0 + 2.0 * (xu - y2) / delta) * delta);
        if rng.random_bool(v.sbx_prob_exchange) {
            std::mem::swap(&mut low, &mut high);
        }
        c1[i] = low.clamp(xl, xu);
        c2[i] = high.clamp(xl, xu);
    }
    (c1, c2)
}

/// Polynomial mutation on `[0, 1]` bounds as pymoo 0.6.2 does it.
fn polynomial_mutation(x: &[f64], v: &RealVariation, rng: &mut EngineRng) -> Vec<f64> {
    let prob = v.pm_prob_var.unwrap_or_else(|| (1.0 / x.len() as f64).min(0.5));
    let (xl, xu) = (0.0, 1.0);
    let mut y = x.to_vec();
    let power = 1.0 / (v.pm_eta + 1.0);
    for value in y.iter_mut() {
        if !rng.random_bool(prob) {
            continue;
        }
        let delta1 = (*value - xl) / (xu - xl);
        let delta2 = (xu - *value) / (xu - xl);
        let u: f64 = rng.random();
        let deltaq = if u <= 0.5 {
            let val = 2.0 * u + (1.0 - 2.0 * u) * (1.0 - delta1).powf(v.pm_eta + 1.0);
            val.powf(power) - 1.0
        } else {
            let val = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * (1.0 - delta2).powf(v.pm_eta + 1.0);
            1.0 - val.powf(power)
        };
        *value = (*value + deltaq * (xu - xl)).clamp(xl, xu);
    }
    y
}

macro_rules! real_problem {
    ($ty:ty) => {
        impl Problem for $ty {
            type Solution = Vec<f64>;

            fn sample(&self, _generation: u32, rng: &mut EngineRng) -> Vec<f64> {
                (0..self.n_var).map(|_| rng.random::<f64>()).collect()
            }

            fn crossover(&self, a: &Vec<f64>, b: &Vec<f64>, _generation: u32, rng: &mut EngineRng) -> (Vec<f64>, Vec<f64>, &'static str) {
                let (x, y) = sbx(a, b, &self.variation, rng);
                (x, y, "sbx")
            }

            fn mutate(&self, x: &Vec<f64>, _generation: u32, rng: &mut EngineRng) -> (Vec<f64>, &'static str) {
                (polynomial_mutation(x, &self.variation, rng), "polynomial")
            }

            fn id(&self, x: &Vec<f64>) -> String {
                real_id(x)
            }

            fn features(&self, x: &Vec<f64>) -> Option<Vec<f64>> {
                Some(x.clone())
            }
        }
    };
}

real_problem!(Zdt);
real_problem!(Dtlz2);
