//! A Pareto archive: the non-dominated set of everything evaluated so far.

use serde::{Deserialize, Serialize};

use super::dominance::{Fitness, constrained_dominates};

/// One archived point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchiveEntry<T> {
    /// The identity used for duplicate removal (e.g. an `arch_id`).
    pub id: String,
    /// What was evaluated.
    pub item: T,
    /// How it scored.
    pub fitness: Fitness,
}

/// Keeps the entries no other entry dominates under constrained dominance, in insertion order.
/// An entry whose id is already archived is ignored; an entry equal in objectives to an archived
/// one (but with another id) is kept beside it, as neither dominates the other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParetoArchive<T> {
    entries: Vec<ArchiveEntry<T>>,
}

impl<T> Default for ParetoArchive<T> {
    fn default() -> Self {
        ParetoArchive { entries: Vec::new() }
    }
}

impl<T> ParetoArchive<T> {
    /// An empty archive.
    pub fn new() -> Self {
        Self::default()
    }

    /// Offers a point; returns whether it entered the archive. Entries it dominates leave.
    pub fn insert(&mut self, id: String, item: T, fitness: Fitness) -> bool {
        if self.entries.iter().any(|e| e.id == id || constrained_dominates(&e.fitness, &fitness)) {
            return false;
        }
        self.entries.retain(|e| !constrained_dominates(&fitness, &e.fitness));
        self.entries.push(ArchiveEntry { id, item, fitness });
        true
    }

    /// The archived entries, in the order they entered.
    pub fn entries(&self) -> &[ArchiveEntry<T>] {
        &self.entries
    }

    /// Number of archived entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is archived.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_non_dominated_and_feasible_first() {
        let mut archive = ParetoArchive::new();
        assert!(archive.insert("a".into(), (), Fitness { objectives: vec![0.0, 0.0], violation: 2.0 }));
        assert!(archive.insert("b".into(), (), Fitness { objectives: vec![0.0, 0.0], violation: 1.0 }));
        assert_eq!(archive.len(), 1);
        assert!(archive.insert("c".into(), (), Fitness::feasible(vec![3.0, 1.0])));
        assert!(archive.insert("d".into(), (), Fitness::feasible(vec![1.0, 3.0])));
        assert!(!archive.insert("d".into(), (), Fitness::feasible(vec![0.0, 0.0])));
        assert!(!archive.insert("e".into(), (), Fitness::feasible(vec![3.0, 3.0])));
        assert!(archive.insert("f".into(), (), Fitness::feasible(vec![1.0, 1.0])));
        let ids: Vec<&str> = archive.entries().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, vec!["f"]);
    }
}
