//! IndexedDB glue: open the database (creating its stores), write a run and its events in one
//! transaction, list runs, read a run's events, delete a run. Values are JSON text; callbacks of
//! IndexedDB requests are turned into futures. Works in the page and in the worker.

pub mod owner;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbFactory, IdbKeyRange, IdbRequest, IdbTransaction, IdbTransactionMode};

use protocol::FromEngine;
use protocol::saved::{DB_NAME, DB_VERSION, EVENTS, PROFILES, RUNS, SNAPSHOTS, SavedError, SavedRun, event_range, read_events};

/// What a write does to the run's stored snapshot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SnapshotWrite<'a> {
    /// Leave it.
    Keep,
    /// Store this one.
    Put(&'a str),
    /// Remove it (the run has ended).
    Delete,
}

/// The open database.
#[derive(Clone)]
pub struct Db(IdbDatabase);

fn describe(context: &str, error: JsValue) -> String {
    let detail = error
        .dyn_ref::<web_sys::DomException>()
        .map(|e| format!("{}: {}", e.name(), e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"));
    format!("{context}: {detail}")
}

fn factory() -> Result<IdbFactory, String> {
    const CONTEXT: &str = "opening the browser's storage";
    let global = js_sys::global();
    let factory = match global.dyn_ref::<web_sys::Window>() {
        Some(window) => window.indexed_db(),
        None => global.unchecked_into::<web_sys::WorkerGlobalScope>().indexed_db(),
    };
    factory
        .map_err(|e| describe(CONTEXT, e))?
        .ok_or_else(|| format!("{CONTEXT}: this browser offers no IndexedDB here (a private window may block it)"))
}

/// Waits for a request and returns its result.
async fn finished(request: &IdbRequest, context: &str) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let outcome = JsFuture::from(promise).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    if outcome.is_err() {
        let error = request.error().ok().flatten().map_or(JsValue::from_str("request failed"), JsValue::from);
        return Err(describe(context, error));
    }
    request.result().map_err(|e| describe(context, e))
}

/// Waits for a transaction to commit.
async fn committed(transaction: &IdbTransaction, context: &str) -> Result<(), String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        transaction.set_oncomplete(Some(&resolve));
        transaction.set_onerror(Some(&reject));
        transaction.set_onabort(Some(&reject));
    });
    let outcome = JsFuture::from(promise).await;
    transaction.set_oncomplete(None);
    transaction.set_onerror(None);
    transaction.set_onabort(None);
    outcome.map(|_| ()).map_err(|_| {
        let error = transaction.error().map_or(JsValue::from_str("transaction aborted"), JsValue::from);
        describe(context, error)
    })
}

/// A record's text or, when something else is stored there (another program, a damaged
/// profile), what it is instead: never skipped without a word.
fn text(value: JsValue) -> Result<String, String> {
    value.as_string().ok_or_else(|| format!("a record holds a JavaScript {} instead of JSON text", value.js_typeof().as_string().unwrap_or_default()))
}

/// The records of a `getAll`, each as [`text`] reads it.
fn texts(value: JsValue) -> Vec<Result<String, String>> {
    js_sys::Array::from(&value).iter().map(text).collect()
}

impl Db {
    /// Opens the database, creating its stores the first time.
    pub async fn open() -> Result<Db, String> {
        const CONTEXT: &str = "opening the saved runs";
        let request = factory()?.open_with_u32(DB_NAME, DB_VERSION).map_err(|e| describe(CONTEXT, e))?;
        let upgrading = request.clone();
        let on_upgrade = Closure::<dyn FnMut()>::new(move || {
            let Ok(db) = upgrading.result().map(IdbDatabase::unchecked_from_js) else { return };
            for store in [RUNS, EVENTS, SNAPSHOTS, PROFILES] {
                if !db.object_store_names().contains(store)
                    && let Err(error) = db.create_object_store(store)
                {
                    web_sys::console::error_1(&error);
                }
            }
        });
        request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        let db = finished(&request, CONTEXT).await;
        request.set_onupgradeneeded(None);
        Ok(Db(db?.unchecked_into()))
    }

    fn transaction(&self, stores: &[&str], mode: IdbTransactionMode, context: &str) -> Result<IdbTransaction, String> {
        let names = js_sys::Array::new();
        for store in stores {
            names.push(&JsValue::from_str(store));
        }
        self.0.transaction_with_str_sequence_and_mode(&names, mode).map_err(|e| describe(context, e))
    }

    /// Writes `run`, its snapshot as `snapshot` says, and `events` (key, text) in one
    /// transaction and returns it without waiting; [`Self::commit`] waits for it.
    pub fn write(&self, run: &SavedRun, snapshot: SnapshotWrite, events: &[(String, String)]) -> Result<IdbTransaction, String> {
        const CONTEXT: &str = "saving the run";
        let transaction = self.transaction(&[RUNS, EVENTS, SNAPSHOTS], IdbTransactionMode::Readwrite, CONTEXT)?;
        let key = JsValue::from_str(&run.run_id);
        let runs = transaction.object_store(RUNS).map_err(|e| describe(CONTEXT, e))?;
        runs.put_with_key(&JsValue::from_str(&run.to_json()), &key).map_err(|e| describe(CONTEXT, e))?;
        let snapshots = transaction.object_store(SNAPSHOTS).map_err(|e| describe(CONTEXT, e))?;
        match snapshot {
            SnapshotWrite::Keep => {}
            SnapshotWrite::Put(text) => {
                snapshots.put_with_key(&JsValue::from_str(text), &key).map_err(|e| describe(CONTEXT, e))?;
            }
            SnapshotWrite::Delete => {
                snapshots.delete(&key).map_err(|e| describe(CONTEXT, e))?;
            }
        }
        if !events.is_empty() {
            let store = transaction.object_store(EVENTS).map_err(|e| describe(CONTEXT, e))?;
            for (key, text) in events {
                store.put_with_key(&JsValue::from_str(text), &JsValue::from_str(key)).map_err(|e| describe(CONTEXT, e))?;
            }
        }
        Ok(transaction)
    }

    /// Waits until a transaction from [`Self::write`] is committed.
    pub async fn commit(transaction: &IdbTransaction) -> Result<(), String> {
        committed(transaction, "saving the run").await
    }

    /// Every saved run, newest first; a record that cannot be used comes back as its error.
    pub async fn runs(&self) -> Result<Vec<Result<SavedRun, SavedError>>, String> {
        const CONTEXT: &str = "listing the saved runs";
        let transaction = self.transaction(&[RUNS], IdbTransactionMode::Readonly, CONTEXT)?;
        let store = transaction.object_store(RUNS).map_err(|e| describe(CONTEXT, e))?;
        let request = store.get_all().map_err(|e| describe(CONTEXT, e))?;
        let records = texts(finished(&request, CONTEXT).await?);
        let mut runs: Vec<_> =
            records.into_iter().map(|t| t.map_err(SavedError::Garbled).and_then(|t| SavedRun::from_json(&t))).collect();
        runs.sort_by(|a, b| {
            let started = |r: &Result<SavedRun, SavedError>| r.as_ref().map_or(f64::INFINITY, |r| r.started_ms);
            started(b).total_cmp(&started(a))
        });
        Ok(runs)
    }

    /// One saved run.
    pub async fn run(&self, run_id: &str) -> Result<Option<SavedRun>, String> {
        const CONTEXT: &str = "reading a saved run";
        let transaction = self.transaction(&[RUNS], IdbTransactionMode::Readonly, CONTEXT)?;
        let store = transaction.object_store(RUNS).map_err(|e| describe(CONTEXT, e))?;
        let request = store.get(&JsValue::from_str(run_id)).map_err(|e| describe(CONTEXT, e))?;
        let record = finished(&request, CONTEXT).await?;
        if record.is_undefined() {
            return Ok(None);
        }
        match text(record) {
            Ok(text) => SavedRun::from_json(&text).map(Some).map_err(|e| e.to_string()),
            Err(problem) => Err(format!("run {run_id} cannot be read: {problem}")),
        }
    }

    /// The stored snapshot of an unfinished run.
    pub async fn snapshot(&self, run_id: &str) -> Result<Option<String>, String> {
        const CONTEXT: &str = "reading a saved run's checkpoint";
        let transaction = self.transaction(&[SNAPSHOTS], IdbTransactionMode::Readonly, CONTEXT)?;
        let store = transaction.object_store(SNAPSHOTS).map_err(|e| describe(CONTEXT, e))?;
        let request = store.get(&JsValue::from_str(run_id)).map_err(|e| describe(CONTEXT, e))?;
        let record = finished(&request, CONTEXT).await?;
        if record.is_undefined() {
            return Ok(None);
        }
        match text(record) {
            Ok(text) => Ok(Some(text)),
            Err(problem) => Err(format!("run {run_id}'s checkpoint cannot be read: {problem}")),
        }
    }

    fn range(run_id: &str, context: &str) -> Result<JsValue, String> {
        let (low, high) = event_range(run_id);
        IdbKeyRange::bound(&JsValue::from_str(&low), &JsValue::from_str(&high))
            .map(JsValue::from)
            .map_err(|e| describe(context, e))
    }

    /// A run's saved events in order, up to its checkpoint when `limit` gives it
    /// (see [`read_events`]).
    pub async fn events(&self, run_id: &str, limit: Option<(u32, u32)>) -> Result<Vec<FromEngine>, String> {
        const CONTEXT: &str = "reading a saved run's candidates";
        let transaction = self.transaction(&[EVENTS], IdbTransactionMode::Readonly, CONTEXT)?;
        let store = transaction.object_store(EVENTS).map_err(|e| describe(CONTEXT, e))?;
        let request = store.get_all_with_key(&Self::range(run_id, CONTEXT)?).map_err(|e| describe(CONTEXT, e))?;
        let records: Result<Vec<String>, String> = texts(finished(&request, CONTEXT).await?).into_iter().collect();
        read_events(&records.map_err(|e| format!("run {run_id}'s saved candidates cannot be read: {e}"))?, limit)
    }

    /// Deletes a run, its snapshot and its events.
    pub async fn delete(&self, run_id: &str) -> Result<(), String> {
        const CONTEXT: &str = "deleting a saved run";
        let transaction = self.transaction(&[RUNS, EVENTS, SNAPSHOTS], IdbTransactionMode::Readwrite, CONTEXT)?;
        for store in [RUNS, SNAPSHOTS] {
            let store = transaction.object_store(store).map_err(|e| describe(CONTEXT, e))?;
            store.delete(&JsValue::from_str(run_id)).map_err(|e| describe(CONTEXT, e))?;
        }
        let events = transaction.object_store(EVENTS).map_err(|e| describe(CONTEXT, e))?;
        events.delete(&Self::range(run_id, CONTEXT)?).map_err(|e| describe(CONTEXT, e))?;
        committed(&transaction, CONTEXT).await
    }

    /// The device profile kept under `key` (see `protocol::saved::profile_key`), as JSON text.
    pub async fn profile(&self, key: &str) -> Result<Option<String>, String> {
        const CONTEXT: &str = "reading this device's profile";
        let transaction = self.transaction(&[PROFILES], IdbTransactionMode::Readonly, CONTEXT)?;
        let store = transaction.object_store(PROFILES).map_err(|e| describe(CONTEXT, e))?;
        let record = finished(&store.get(&JsValue::from_str(key)).map_err(|e| describe(CONTEXT, e))?, CONTEXT).await?;
        if record.is_undefined() {
            return Ok(None);
        }
        text(record).map(Some)
    }

    /// Keeps a device profile (JSON text) under `key`.
    pub async fn keep_profile(&self, key: &str, profile: &str) -> Result<(), String> {
        const CONTEXT: &str = "keeping this device's profile";
        let transaction = self.transaction(&[PROFILES], IdbTransactionMode::Readwrite, CONTEXT)?;
        let store = transaction.object_store(PROFILES).map_err(|e| describe(CONTEXT, e))?;
        store.put_with_key(&JsValue::from_str(profile), &JsValue::from_str(key)).map_err(|e| describe(CONTEXT, e))?;
        committed(&transaction, CONTEXT).await
    }
}
