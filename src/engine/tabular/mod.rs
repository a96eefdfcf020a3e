//! Tabular mode: the NAS-Bench-201 cell space and an evaluator backed by its 12-epoch accuracy
//! table, for instant searches (and honest benchmarks of the search strategies).
//!
//! An architecture is one cell of 6 edges (`1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2`), each one of
//! `none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3`; the network stacks the cell
//! 5 times in each of 3 stages (16, 32, 64 channels) with ResNet reduction blocks between them.
//! Parameters and MACs are computed here from the architecture (they match the reference
//! table's columns); latency and energy come from the same roofline model as the main space.
//!
//! ```
//! use engine::problem::Problem;
//! use engine::rng::{Seed, rng_for};
//! use engine::tabular::{Nb201Arch, Nb201Dataset, Nb201Space, nb201_cost};
//! let sampled = Nb201Space.sample(0, &mut rng_for(Seed(8), "doc"));
//! assert_eq!(Nb201Arch::from_codes(&sampled.codes()).unwrap(), sampled);
//! let arch = Nb201Arch::from_codes("421211").unwrap();
//! assert_eq!(arch.to_string(), "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|");
//! let cost = nb201_cost(&arch, Nb201Dataset::Cifar10);
//! assert_eq!(cost.params, 129_306);
//! ```

mod cost;
mod space;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::search::{Details, Outcome, Search};

pub use cost::*;
pub use space::*;

/// Number of architectures in NAS-Bench-201.
pub const NB201_ARCHS: usize = 15_625;
/// Op names in code order.
pub const NB201_OPS: [&str; 5] = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"];
/// Source node of each edge, in edge order.
const EDGE_SOURCE: [usize; 6] = [0, 0, 1, 0, 1, 2];
/// Target node of each edge, in edge order.
const EDGE_TARGET: [usize; 6] = [1, 2, 2, 3, 3, 3];

/// One NAS-Bench-201 cell: an op code (0–4) per edge. Made only through a check of the codes,
/// also when read back from storage.
///
/// ```
/// use engine::tabular::Nb201Arch;
/// assert!(serde_json::from_str::<Nb201Arch>("[4,2,1,2,1,1]").is_ok());
/// let error = serde_json::from_str::<Nb201Arch>("[4,2,1,2,1,9]").unwrap_err().to_string();
/// assert!(error.contains("421219"), "{error}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "[u8; 6]")]
pub struct Nb201Arch([u8; 6]);

impl TryFrom<[u8; 6]> for Nb201Arch {
    type Error = TabularError;
    fn try_from(ops: [u8; 6]) -> Result<Self, TabularError> {
        if ops.iter().any(|&op| op > 4) {
            return Err(TabularError::Codes(ops.iter().map(|op| op.to_string()).collect()));
        }
        Ok(Nb201Arch(ops))
    }
}

impl Nb201Arch {
    /// Parses six op digits such as `"421211"`.
    pub fn from_codes(codes: &str) -> Result<Nb201Arch, TabularError> {
        let digits: Vec<u8> = codes.bytes().map(|b| b.wrapping_sub(b'0')).collect();
        if digits.len() != 6 || digits.iter().any(|d| *d > 4) {
            return Err(TabularError::Codes(codes.to_string()));
        }
        let mut ops = [0u8; 6];
        ops.copy_from_slice(&digits);
        Ok(Nb201Arch(ops))
    }

    /// The op code (0–4) of each edge.
    pub fn ops(&self) -> [u8; 6] {
        self.0
    }

    /// The six op digits.
    pub fn codes(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// Base-5 number of the codes (0..15,625), a dense key.
    fn key(&self) -> usize {
        self.0.iter().fold(0usize, |k, d| k * 5 + usize::from(*d))
    }
}

impl std::fmt::Display for Nb201Arch {
    /// The NAS-Bench-201 arch string.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = |e: usize| format!("{}~{}", NB201_OPS[usize::from(self.0[e])], EDGE_SOURCE[e]);
        write!(f, "|{}|+|{}|{}|+|{}|{}|{}|", op(0), op(1), op(2), op(3), op(4), op(5))
    }
}

/// The dataset whose accuracies are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nb201Dataset {
    /// CIFAR-10 (32×32, 10 classes).
    Cifar10,
    /// CIFAR-100 (32×32, 100 classes).
    Cifar100,
    /// ImageNet16-120 (16×16, 120 classes).
    #[serde(rename = "imagenet16")]
    ImageNet16,
}

impl Nb201Dataset {
    /// All datasets.
    pub const ALL: [Nb201Dataset; 3] = [Nb201Dataset::Cifar10, Nb201Dataset::Cifar100, Nb201Dataset::ImageNet16];

    /// Name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Nb201Dataset::Cifar10 => "cifar10",
            Nb201Dataset::Cifar100 => "cifar100",
            Nb201Dataset::ImageNet16 => "imagenet16",
        }
    }

    /// The dataset with this name.
    pub fn from_name(name: &str) -> Option<Nb201Dataset> {
        Nb201Dataset::ALL.into_iter().find(|d| d.name() == name)
    }

    fn input_size(self) -> u32 {
        if self == Nb201Dataset::ImageNet16 { 16 } else { 32 }
    }

    fn classes(self) -> u32 {
        match self {
            Nb201Dataset::Cifar10 => 10,
            Nb201Dataset::Cifar100 => 100,
            Nb201Dataset::ImageNet16 => 120,
        }
    }
}

/// Why the table could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TabularError {
    /// Not valid JSON of the compact table's shape.
    #[error("NAS-Bench-201 table is not valid: {0}")]
    Json(String),
    /// Wrong number of entries.
    #[error("NAS-Bench-201 table column {column} has {found} entries; expected {expected}")]
    Length { column: &'static str, found: usize, expected: usize },
    /// Bad op codes.
    #[error("NAS-Bench-201 op codes {0:?} are not six digits 0-4")]
    Codes(String),
    /// An architecture appears twice.
    #[error("NAS-Bench-201 table lists op codes {0} twice")]
    Duplicate(String),
}

#[derive(Deserialize)]
struct CompactTable {
    op_codes: String,
    cifar10_valid_12ep: Vec<f64>,
    cifar10_test_12ep: Vec<f64>,
    cifar100_valid_12ep: Vec<f64>,
    cifar100_test_12ep: Vec<f64>,
    imagenet16_valid_12ep: Vec<f64>,
    imagenet16_test_12ep: Vec<f64>,
}

/// Validation and test accuracy (percent) of one architecture on one dataset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Nb201Accuracy {
    /// 12-epoch validation accuracy, percent (the search signal).
    pub valid: f64,
    /// 12-epoch test accuracy, percent (reported, never used for selection).
    pub test: f64,
}

/// The whole table, indexed like NAS-Bench-201.
#[derive(Debug, Clone, PartialEq)]
pub struct Nb201Table {
    archs: Vec<Nb201Arch>,
    index_of_key: Vec<u32>,
    accuracy: [Vec<Nb201Accuracy>; 3],
}

impl Nb201Table {
    /// Reads the compact table (`www/nb201/nb201_12ep.json`).
    pub fn from_json(text: &str) -> Result<Nb201Table, TabularError> {
        let t: CompactTable = serde_json::from_str(text).map_err(|e| TabularError::Json(e.to_string()))?;
        let n = NB201_ARCHS;
        if t.op_codes.len() != 6 * n {
            return Err(TabularError::Length { column: "op_codes", found: t.op_codes.len() / 6, expected: n });
        }
        let mut archs = Vec::with_capacity(n);
        let mut index_of_key = vec![u32::MAX; n];
        for i in 0..n {
            let codes = t.op_codes.get(6 * i..6 * i + 6).ok_or_else(|| TabularError::Codes(String::new()))?;
            let arch = Nb201Arch::from_codes(codes)?;
            if index_of_key[arch.key()] != u32::MAX {
                return Err(TabularError::Duplicate(codes.to_string()));
            }
            index_of_key[arch.key()] = i as u32;
            archs.push(arch);
        }
        let pair = |column: &'static str, valid: Vec<f64>, test: Vec<f64>| {
            if valid.len() != n || test.len() != n {
                return Err(TabularError::Length { column, found: valid.len().min(test.len()), expected: n });
            }
            Ok(valid.into_iter().zip(test).map(|(valid, test)| Nb201Accuracy { valid, test }).collect())
        };
        Ok(Nb201Table {
            archs,
            index_of_key,
            accuracy: [
                pair("cifar10", t.cifar10_valid_12ep, t.cifar10_test_12ep)?,
                pair("cifar100", t.cifar100_valid_12ep, t.cifar100_test_12ep)?,
                pair("imagenet16", t.imagenet16_valid_12ep, t.imagenet16_test_12ep)?,
            ],
        })
    }

    /// The NAS-Bench-201 index of an architecture.
    pub fn index(&self, arch: &Nb201Arch) -> usize {
        self.index_of_key[arch.key()] as usize
    }

    /// The architecture at an index.
    pub fn arch(&self, index: usize) -> Option<Nb201Arch> {
        self.archs.get(index).copied()
    }

    /// The accuracies of an architecture on a dataset.
    pub fn accuracy(&self, arch: &Nb201Arch, dataset: Nb201Dataset) -> Nb201Accuracy {
        self.accuracy[dataset as usize][self.index(arch)]
    }

    /// The table's answer for an architecture, as a search outcome: error = 1 − validation
    /// accuracy; test accuracy and the NB201 index kept as details (never used for selection).
    pub fn outcome(&self, arch: &Nb201Arch, dataset: Nb201Dataset) -> Outcome {
        let accuracy = self.accuracy(arch, dataset);
        let details = Details {
            valid_accuracy: Some(accuracy.valid),
            test_accuracy: Some(accuracy.test),
            nb201_index: Some(self.index(arch) as f64),
            ..Details::default()
        };
        Outcome::Evaluated { error: (1.0 - accuracy.valid / 100.0).clamp(0.0, 1.0), details }
    }

    /// Runs `search` to the end, answering every candidate from the table.
    pub fn run(&self, search: &mut Search<Nb201SearchSpace>) {
        let dataset = search.space().dataset();
        while let Some(candidate) = search.next_candidate() {
            let outcome = self.outcome(&candidate.solution, dataset);
            if search.record(&candidate.arch_id, outcome).is_err() {
                break;
            }
        }
    }

    /// Every architecture's accuracies on a dataset, in index order.
    pub fn accuracies(&self, dataset: Nb201Dataset) -> &[Nb201Accuracy] {
        &self.accuracy[dataset as usize]
    }
}
