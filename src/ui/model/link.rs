//! Lesson links: the whole search configuration, and which controls an instructor hides or
//! locks, in the URL fragment as readable `key=value` pairs, e.g.
//! `#v=1&dataset=digits&population=8&objectives=error,params&hidden=ops&locked=seed`.
//! Decoding refuses anything it does not know (unknown keys, bad choices, settings the form
//! would refuse, over-long links) with a message naming the problem; the page then keeps its
//! defaults.
//!
//! ```
//! use ui::model::form::{Field, RunForm};
//! use ui::model::link::{Lesson, decode, encode};
//! let mut lesson = Lesson { form: RunForm::default(), hidden: vec![Field::Ops], locked: vec![Field::Seed] };
//! lesson.form.set(Field::Population, "6");
//! let fragment = encode(&lesson);
//! assert_eq!(decode(&fragment).unwrap(), lesson);
//! assert!(decode("#v=1&population=lots").unwrap_err().contains("population"));
//! assert!(decode("#v=1&rm=-rf").unwrap_err().contains("unknown setting \"rm\""));
//! ```

use engine::hardware::Target;
use engine::search::{LatencySource, Objective, StrategyKind};
use engine::space::Op;
use engine::text::quoted;
use protocol::TrainingRecipe;
use crate::model::form::{DatasetKind, Field, RunForm, TEXT_FIELDS};

/// Longest fragment accepted, in bytes.
pub const MAX_LINK_BYTES: usize = 4096;
/// The link format's version.
pub const LINK_VERSION: &str = "1";

/// What a lesson link carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lesson {
    /// The configuration.
    pub form: RunForm,
    /// Controls not shown.
    pub hidden: Vec<Field>,
    /// Controls shown but not editable.
    pub locked: Vec<Field>,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.,|".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn unescape(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).ok_or_else(|| format!("{} has a cut-off %-escape", quoted(text)))?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("{} has a bad %-escape", quoted(text)))?);
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{} is not UTF-8 text", quoted(text)))
}

/// `this` for this device's profile (the visitor calibrates on arrival), else the board's name.
fn target_key(form: &crate::model::form::RunForm) -> &'static str {
    if form.this_device { "this" } else { form.target.name() }
}

/// The fragment (with its leading `#`) for `lesson`.
pub fn encode(lesson: &Lesson) -> String {
    let f = &lesson.form;
    let mut pairs: Vec<(String, String)> = vec![
        ("v".into(), LINK_VERSION.into()),
        ("dataset".into(), f.dataset.key().into()),
        ("strategy".into(), f.strategy.name().into()),
        ("recipe".into(), f.recipe.name().into()),
        ("objectives".into(), f.objectives.iter().map(|o| o.name()).collect::<Vec<_>>().join(",")),
        ("target".into(), target_key(f).into()),
        ("latency".into(), match f.latency { LatencySource::Predicted => "predicted", LatencySource::Measured => "measured" }.into()),
        ("inheritance".into(), if f.inheritance { "on" } else { "off" }.into()),
        ("references".into(), if f.references { "on" } else { "off" }.into()),
        ("ops_off".into(), f.disabled_ops.iter().map(|o| o.name()).collect::<Vec<_>>().join(",")),
    ];
    pairs.extend(TEXT_FIELDS.iter().map(|field| (field.key().to_string(), f.get(*field).to_string())));
    let keys = |fields: &[Field]| fields.iter().map(|f| f.key()).collect::<Vec<_>>().join(",");
    if !lesson.hidden.is_empty() {
        pairs.push(("hidden".into(), keys(&lesson.hidden)));
    }
    if !lesson.locked.is_empty() {
        pairs.push(("locked".into(), keys(&lesson.locked)));
    }
    let body = pairs.iter().map(|(k, v)| format!("{k}={}", escape(v))).collect::<Vec<_>>().join("&");
    format!("#{body}")
}

/// A comma-separated list: every item known, none twice (a link that says a thing twice is not
/// what its author meant).
fn list<T: PartialEq>(text: &str, what: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, String> {
    let mut items = Vec::new();
    for item in text.split(',').filter(|_| !text.is_empty()) {
        let parsed = parse(item).ok_or_else(|| format!("{what} {} is not known", quoted(item)))?;
        if items.contains(&parsed) {
            return Err(format!("the link lists {what} {} twice; each may appear once", quoted(item)));
        }
        items.push(parsed);
    }
    Ok(items)
}

/// A switch's `on` or `off`; anything else refused, naming `key`.
fn on_off(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("{key} {} is not allowed: on or off", quoted(value))),
    }
}

/// Reads a fragment (with or without its leading `#`). Keys left out keep their defaults, but
/// for `recipe`: a link without one was made before it was a setting and trains with
/// the recipe of then (`TrainingRecipe::unnamed`). The version `v` is required.
pub fn decode(fragment: &str) -> Result<Lesson, String> {
    let body = fragment.strip_prefix('#').unwrap_or(fragment);
    if body.len() > MAX_LINK_BYTES {
        return Err(format!("the link is {} bytes long; at most {MAX_LINK_BYTES} are accepted", body.len()));
    }
    let mut lesson = Lesson::default();
    lesson.form.recipe = TrainingRecipe::unnamed();
    let mut version = None;
    let mut seen: Vec<&str> = Vec::new();
    for pair in body.split('&').filter(|p| !p.is_empty()) {
        let (key, raw) = pair.split_once('=').ok_or_else(|| format!("{} is not a key=value setting", quoted(pair)))?;
        if seen.contains(&key) {
            return Err(format!("the link sets {} twice; each setting may appear once", quoted(key)));
        }
        seen.push(key);
        let value = unescape(raw)?;
        let form = &mut lesson.form;
        match key {
            "v" => version = Some(value),
            "dataset" => {
                form.dataset = DatasetKind::from_key(&value).ok_or_else(|| {
                    let allowed: Vec<&str> = DatasetKind::ALL.iter().map(|d| d.key()).collect();
                    format!("dataset {} is not known; allowed: {}", quoted(&value), allowed.join(", "))
                })?
            }
            "strategy" => {
                form.strategy = StrategyKind::from_name(&value)
                    .ok_or_else(|| format!("strategy {} is not known; allowed: {}", quoted(&value), StrategyKind::allowed()))?
            }
            "recipe" => {
                let allowed = || TrainingRecipe::ALL.map(TrainingRecipe::name).join(", ");
                form.recipe = TrainingRecipe::from_name(&value).ok_or_else(|| format!("recipe {} is not known; allowed: {}", quoted(&value), allowed()))?
            }
            "objectives" => form.objectives = list(&value, "objective", Objective::from_name)?,
            "target" if value == "this" => form.this_device = true,
            "target" => {
                form.target = Target::ALL
                    .into_iter()
                    .find(|t| t.name() == value)
                    .ok_or_else(|| format!("target {} is not known; allowed: mobile, edge, gpu, this", quoted(&value)))?;
                form.this_device = false;
            }
            "latency" => {
                form.latency = match value.as_str() {
                    "predicted" => LatencySource::Predicted,
                    "measured" => LatencySource::Measured,
                    _ => return Err(format!("latency {} is not allowed: predicted or measured", quoted(&value))),
                }
            }
            "inheritance" => form.inheritance = on_off(key, &value)?,
            "references" => form.references = on_off(key, &value)?,
            "ops_off" => form.disabled_ops = list(&value, "op", Op::from_name)?,
            "hidden" => lesson.hidden = list(&value, "control", Field::from_key)?,
            "locked" => lesson.locked = list(&value, "control", Field::from_key)?,
            other => match Field::from_key(other).filter(|f| TEXT_FIELDS.contains(f)) {
                Some(field) => form.set(field, &value),
                None => return Err(format!("the link has an unknown setting {}", quoted(other))),
            },
        }
    }
    match version.as_deref() {
        Some(LINK_VERSION) => {}
        Some(other) => return Err(format!("the link has version {}; this page reads version {LINK_VERSION}", quoted(other))),
        None => return Err(format!("the link has no version (v={LINK_VERSION} for this page)")),
    }
    lesson.form.objectives.sort();
    if let Err(errors) = lesson.form.to_request() {
        let problems: Vec<String> = errors.iter().map(|(field, message)| format!("{}: {message}", field.key())).collect();
        return Err(format!("the link's settings are not valid ({})", problems.join("; ")));
    }
    Ok(lesson)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_round_trips_including_odd_text() {
        let mut lesson = Lesson::default();
        lesson.form.dataset = DatasetKind::Procedural;
        lesson.form.strategy = StrategyKind::RegularizedEvolution;
        lesson.form.objectives = vec![Objective::Error];
        lesson.form.target = Target::Edge;
        lesson.form.inheritance = false;
        lesson.form.references = false;
        lesson.form.latency = LatencySource::Measured;
        lesson.form.disabled_ops = vec![Op::Cbam, Op::Eca];
        lesson.form.set(Field::CellWidths, "8, 16 | 32");
        lesson.form.set(Field::MaxLatency, "2.5");
        lesson.hidden = vec![Field::Ops, Field::CellWidths];
        lesson.locked = Field::ALL.to_vec();
        let fragment = encode(&lesson);
        assert!(fragment.contains("cell_widths=8,%2016%20|%2032"), "{fragment}");
        assert_eq!(decode(&fragment).unwrap(), lesson);
    }

    #[test]
    fn hostile_or_broken_links_are_refused_with_a_reason() {
        let long = format!("#v=1&seed={}", "9".repeat(MAX_LINK_BYTES));
        let cases = [
            ("", "version"),
            ("#v=2", "version"),
            ("#v=1&dataset=imagenet", "dataset \"imagenet\""),
            ("#v=1&objectives=error,beauty", "objective \"beauty\""),
            ("#v=1&hidden=everything", "control \"everything\""),
            ("#v=1&population", "key=value"),
            ("#v=1&seed=%ZZ", "%-escape"),
            ("#v=1&seed=%F", "cut-off"),
            ("#v=1&seed=%FF", "UTF-8"),
            ("#v=1&generations=0", "generations"),
            ("#v=1&objectives=", "objectives"),
            ("#v=1&target=%3Cscript%3E", "target \"<script>\""),
            (long.as_str(), "at most 4096"),
            ("#v=1&population=5&population=6", "the link sets \"population\" twice"),
            ("#v=1&v=1", "the link sets \"v\" twice"),
            ("#v=1&objectives=params,error,params", "the link lists objective \"params\" twice"),
            ("#v=1&objectives=error,params,latency,macs,energy,params", "objective \"params\" twice"),
            ("#v=1&hidden=seed,seed", "control \"seed\" twice"),
            ("#v=1&ops_off=cbam,cbam", "op \"cbam\" twice"),
        ];
        for (fragment, needle) in cases {
            let error = decode(fragment).unwrap_err();
            assert!(error.contains(needle), "{fragment:?}: {error}");
        }
        // Said in words, not in Rust's debug text; a long input is quoted by its start.
        assert_eq!(decode("#v=2").unwrap_err(), "the link has version \"2\"; this page reads version 1");
        assert_eq!(decode("#population=5").unwrap_err(), "the link has no version (v=1 for this page)");
        let error = decode(&format!("#v=1&target={}", "x".repeat(3000))).unwrap_err();
        assert!(error.starts_with(&format!("target \"{}…\" (3000 characters) is not known", "x".repeat(40))), "{error}");
    }
}
