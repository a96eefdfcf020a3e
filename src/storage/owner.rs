//! One owner per run: the worker that drives a run holds the Web Lock named after it for as
//! long as it drives it, so a second tab can tell the run is running elsewhere (and must not
//! resume it); the browser releases the lock when the tab (or its worker) goes away. Called
//! through `navigator.locks` itself: web-sys offers the Web Locks API only behind an unstable
//! flag. Where a browser has no Web Locks, ownership cannot be told ([`Ownership::Unknown`]).

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Every run's lock name starts with this.
pub const LOCK_PREFIX: &str = "efficientnas-run:";

/// The lock of `run_id`.
pub fn lock_name(run_id: &str) -> String {
    format!("{LOCK_PREFIX}{run_id}")
}

/// A held run lock; dropping it releases the run for other tabs.
pub struct RunLock {
    release: Function,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = self.release.call0(&JsValue::NULL);
    }
}

/// Whether this tab may drive a run.
pub enum Ownership {
    /// It may: the lock is held until this is dropped.
    Held(RunLock),
    /// Another tab drives it.
    Elsewhere,
    /// This browser has no Web Locks: nobody can tell.
    Unknown,
}

fn locks() -> Option<Object> {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    (!locks.is_undefined() && !locks.is_null()).then(|| locks.unchecked_into())
}

fn method(target: &Object, name: &str) -> Result<Function, String> {
    Reflect::get(target, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| format!("navigator.locks.{name} is not a function"))
}

/// A promise and the function that resolves it.
fn deferred() -> (Promise, Function) {
    let mut resolve = JsValue::UNDEFINED;
    let promise = Promise::new(&mut |res, _| resolve = res.into());
    (promise, resolve.unchecked_into())
}

/// Takes the lock of `run_id` if no other tab holds it (never waits for one).
pub async fn claim(run_id: &str) -> Result<Ownership, String> {
    let Some(locks) = locks() else { return Ok(Ownership::Unknown) };
    let request = method(&locks, "request")?;
    let (granted, grant) = deferred();
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        if lock.is_null() {
            let _ = grant.call1(&JsValue::NULL, &JsValue::FALSE);
            return JsValue::UNDEFINED;
        }
        // Held until `release` is called: the lock's promise is this one.
        let (hold, release) = deferred();
        let _ = grant.call1(&JsValue::NULL, &release);
        hold.into()
    });
    let options = Object::new();
    Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE).map_err(|e| format!("{e:?}"))?;
    request.call3(&locks, &lock_name(run_id).into(), &options, &callback).map_err(|e| format!("claiming run {run_id}: {e:?}"))?;
    let answer = JsFuture::from(granted).await.map_err(|e| format!("claiming run {run_id}: {e:?}"))?;
    Ok(match answer.dyn_into::<Function>() {
        Ok(release) => Ownership::Held(RunLock { release }),
        Err(_) => Ownership::Elsewhere,
    })
}

/// The runs whose lock is held now (by any tab, this one's worker included), or `None` where
/// the browser has no Web Locks.
pub async fn held_runs() -> Result<Option<Vec<String>>, String> {
    let Some(locks) = locks() else { return Ok(None) };
    let query = method(&locks, "query")?;
    let promise: Promise = query.call0(&locks).map_err(|e| format!("listing the held runs: {e:?}"))?.unchecked_into();
    let snapshot = JsFuture::from(promise).await.map_err(|e| format!("listing the held runs: {e:?}"))?;
    let held: Array = Reflect::get(&snapshot, &"held".into()).ok().and_then(|h| h.dyn_into().ok()).unwrap_or_default();
    let names = held
        .iter()
        .filter_map(|lock| Reflect::get(&lock, &"name".into()).ok()?.as_string())
        .filter_map(|name| name.strip_prefix(LOCK_PREFIX).map(str::to_string))
        .collect();
    Ok(Some(names))
}
