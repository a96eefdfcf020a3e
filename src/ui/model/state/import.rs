//! Training one architecture alone: the imported genotype's run.

use engine::space::Space;
use protocol::{DatasetChoice, RunRequest};
use crate::model::export::read_genotype;

use super::AppState;

impl AppState {
    /// The run that trains the imported genotype alone with the form's dataset and training
    /// settings, named by the moment it starts; or what is wrong.
    pub fn import_request(&self, now_ms: f64) -> Result<RunRequest, String> {
        if self.import_text.trim().is_empty() {
            return Err("paste a genotype (canonical text or an exported JSON file) or choose its file".into());
        }
        let genotype = read_genotype(&self.import_text)?;
        let mut request = self
            .form
            .to_request()
            .map_err(|_| "fix the settings above first: the architecture is trained with them".to_string())?;
        if matches!(request.dataset, DatasetChoice::Nb201 { .. }) {
            return Err("choose a dataset to train on: NAS-Bench-201 only looks cells up".into());
        }
        let space = Space::new(request.space.clone()).map_err(|e| format!("the search space above is not valid: {e}"))?;
        space.check_contains(&genotype).map_err(|e| format!("it is not in the search space above: {e}"))?;
        request.genotype = Some(genotype.to_text());
        request.run_id = format!("run-{}-imported", now_ms.max(0.0) as u64);
        Ok(request)
    }

    /// Whether the imported genotype may be trained now.
    pub fn can_train_imported(&self) -> bool {
        self.ready_for_run() && self.import_request(0.0).is_ok()
    }
}
