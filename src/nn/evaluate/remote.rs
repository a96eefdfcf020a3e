//! A job and its result as bytes can carry them between workers that share no memory (the
//! page's trainer workers): the candidate and its parents' genotypes as data, the parents' and
//! the trained network's weights as burnpack records (see [`crate::weights`]). A network read
//! back from its record computes exactly what the original did, so a child inheriting from a
//! parent that crossed over trains exactly as one inheriting in memory.

use burn::module::Module;
use burn::store::ModuleRecord;
use serde::{Deserialize, Serialize};

use super::*;
use crate::weights::{WeightsError, record_bytes};

/// A [`Job`] without its weights: what it trains and whose weights come beside it, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobOrder {
    /// The candidate to train.
    pub candidate: SearchCandidate<Genotype>,
    /// The parents it inherits from, in the order of their records.
    pub parents: Vec<Genotype>,
}

impl Job {
    /// The job as an order and its parents' weight records (one per parent, in order).
    pub async fn into_order(self) -> Result<(JobOrder, Vec<Vec<u8>>), WeightsError> {
        let mut records = Vec::with_capacity(self.parents.len());
        for (genotype, network) in &self.parents {
            records.push(record_bytes(&self.space, genotype, &network.valid()).await?);
        }
        let parents = self.parents.into_iter().map(|(genotype, _)| genotype).collect();
        Ok((JobOrder { candidate: self.candidate, parents }, records))
    }
}

impl TrainingEvaluator {
    /// A job's result as its evaluation and the trained network's weight record (none when
    /// training failed), to carry back with [`Self::trained_from`].
    pub async fn parts_of(&self, trained: Trained) -> Result<(Evaluated, Option<Vec<u8>>), WeightsError> {
        let record = match &trained.model {
            Some(model) => Some(record_bytes(&self.space, &trained.genotype, &model.valid()).await?),
            None => None,
        };
        Ok((trained.evaluated, record))
    }

    /// The job `order` describes, with its parents' networks read from `records`, trained as
    /// this evaluator trains. Refused when the records do not match the parents.
    pub fn job_from(&self, order: JobOrder, records: Vec<Vec<u8>>) -> Result<Job, WeightsError> {
        if order.parents.len() != records.len() {
            return Err(WeightsError::Record(format!("{} parents but {} weight records", order.parents.len(), records.len())));
        }
        let mut parents = Vec::with_capacity(records.len());
        for (genotype, record) in order.parents.into_iter().zip(records) {
            let network = self.network_from(&genotype, record)?;
            parents.push((genotype, network));
        }
        Ok(Job { space: self.space.clone(), config: self.config.clone(), device: self.device.clone(), candidate: order.candidate, parents, paused: None })
    }

    /// A job's result trained elsewhere: `candidate`'s evaluation and its network read from
    /// `record`, ready for [`Self::keep`].
    pub fn trained_from(&self, candidate: &SearchCandidate<Genotype>, evaluated: Evaluated, record: Option<Vec<u8>>) -> Result<Trained, WeightsError> {
        let model = record.map(|record| self.network_from(&candidate.solution, record)).transpose()?;
        Ok(Trained { evaluated, model, arch_id: candidate.arch_id.clone(), genotype: candidate.solution.clone(), paused: None })
    }

    fn network_from(&self, genotype: &Genotype, record: Vec<u8>) -> Result<Network, WeightsError> {
        let network = Network::new(&self.space, genotype, &self.device).map_err(|e| WeightsError::Architecture(e.to_string()))?;
        let record = ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(record)).map_err(|e| WeightsError::Record(format!("{e:?}")))?;
        network.try_load_record(record).map_err(|e| WeightsError::Record(format!("{e:?}")))
    }
}
