//! Every parser of what a visitor or a file controls, fed random and mutated inputs (10,000
//! cases each): dataset files as the worker reads them (IDX, CIFAR-10, image folders), genotype
//! text and JSON, lesson links, run-results files, saved runs and checkpoints. None may panic,
//! and none may allocate more than a bounded amount for a small input (a header that announces
//! gigabytes must be refused before anything is allocated). Mutations start from valid inputs
//! (so they reach past the first check): bytes flipped, cut, repeated, inserted, and JSON values
//! replaced by extreme numbers, other types or nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use engine::space::Genotype;
use protocol::{FileFormat, LoadDataset};

/// Counts the bytes each thread holds, and the most it held since [`start_counting`].
struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn note(grow: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add_signed(grow);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is passed to the system allocator unchanged; the counting only reads and
// writes thread-local cells, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout is passed on as it came.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            note(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` or `realloc` with this layout.
        unsafe { System.dealloc(ptr, layout) };
        note(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`, and `new_size` is the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            note(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Most a parser may allocate beyond what it was given, for inputs of a few kilobytes.
const ALLOWED: usize = 16 << 20;

/// Runs `parse` on `input` and fails when it held more than [`ALLOWED`] bytes beyond the input.
fn bounded<T>(what: &str, input_len: usize, parse: impl FnOnce() -> T) -> Result<(), TestCaseError> {
    let start = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    drop(parse());
    let peak = PEAK.with(Cell::get) - start;
    prop_assert!(peak <= ALLOWED + 4 * input_len, "{what}: {peak} bytes allocated for {input_len} bytes of input");
    Ok(())
}

/// An edit of a valid input: where (a fraction of its length) and what.
#[derive(Debug, Clone)]
enum Edit {
    Flip(f64, u8),
    Cut(f64),
    Insert(f64, Vec<u8>),
    Repeat(f64, f64),
    Big(f64, u32),
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = 0.0..1.0f64;
    prop_oneof![
        (at.clone(), any::<u8>()).prop_map(|(a, b)| Edit::Flip(a, b)),
        at.clone().prop_map(Edit::Cut),
        (at.clone(), proptest::collection::vec(any::<u8>(), 1..16)).prop_map(|(a, b)| Edit::Insert(a, b)),
        (at.clone(), 0.0..0.2f64).prop_map(|(a, b)| Edit::Repeat(a, b)),
        (at, prop_oneof![Just(u32::MAX), Just(0x8000_0000), Just(65_536), any::<u32>()]).prop_map(|(a, b)| Edit::Big(a, b)),
    ]
}

fn mutate(valid: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    for e in edits {
        let at = |f: f64, len: usize| ((f * len as f64) as usize).min(len);
        match e {
            Edit::Flip(f, b) if !bytes.is_empty() => {
                let i = at(*f, bytes.len() - 1);
                bytes[i] ^= b;
            }
            Edit::Cut(f) => bytes.truncate(at(*f, bytes.len())),
            Edit::Insert(f, more) => {
                let i = at(*f, bytes.len());
                bytes.splice(i..i, more.iter().copied());
            }
            Edit::Repeat(f, share) => {
                let i = at(*f, bytes.len());
                let end = (i + (share * bytes.len() as f64) as usize).min(bytes.len());
                let copy = bytes[i..end].to_vec();
                bytes.splice(i..i, copy);
            }
            // A big-endian count written over four bytes, as IDX headers hold them.
            Edit::Big(f, value) if bytes.len() >= 4 => {
                let i = at(*f, bytes.len() - 4);
                bytes[i..i + 4].copy_from_slice(&value.to_be_bytes());
            }
            _ => {}
        }
    }
    bytes
}

fn runner() -> TestRunner {
    TestRunner::new(Config { cases: 10_000, failure_persistence: None, ..Config::default() })
}

/// Valid and mutated versions of `valid` (and plain random bytes), given to `check`.
fn fuzz_bytes(valid: &[&[u8]], check: impl Fn(&[u8]) -> Result<(), TestCaseError>) {
    let sources = valid.len();
    let case = (0..sources + 1, proptest::collection::vec(edit(), 0..6), proptest::collection::vec(any::<u8>(), 0..512));
    runner()
        .run(&case, |(source, edits, random)| {
            let input = if source == sources { random } else { mutate(valid[source], &edits) };
            check(&input)
        })
        .expect("no input panics or allocates beyond the bound");
}

fn idx(magic: u8, dims: &[u32], body: usize) -> Vec<u8> {
    let mut bytes = vec![0, 0, 8, magic];
    for d in dims {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.extend((0..body).map(|i| (i % 10) as u8));
    bytes
}

#[test]
fn dataset_files_never_panic_or_over_allocate() {
    let images = idx(3, &[4, 6, 5], 4 * 6 * 5);
    let labels = idx(1, &[4], 4);
    let idx_request = LoadDataset { format: FileFormat::Idx, name: "fuzz".into(), side: 32 };
    fuzz_bytes(&[&images, &labels], |input| {
        bounded("IDX", input.len(), || {
            let files = [("a".to_string(), input.to_vec()), ("b".to_string(), labels.clone())];
            runner::files::read_dataset(&idx_request, &files)
        })?;
        bounded("IDX images", input.len(), || nn::data::parse_idx_images("x", input))
    });
    let mut record = vec![7u8];
    record.extend((0..3072).map(|i| (i % 256) as u8));
    let cifar = LoadDataset { format: FileFormat::Cifar10, name: "fuzz".into(), side: 32 };
    fuzz_bytes(&[&record], |input| {
        bounded("CIFAR-10", input.len(), || runner::files::read_dataset(&cifar, &[("data_batch_1.bin".into(), input.to_vec())]))
    });
    let mut png = Vec::new();
    image::RgbImage::from_fn(9, 7, |x, y| image::Rgb([x as u8 * 20, y as u8 * 30, 99]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("a PNG");
    let folder = LoadDataset { format: FileFormat::ImageFolder, name: "fuzz".into(), side: 16 };
    fuzz_bytes(&[&png], |input| {
        bounded("image folder", input.len(), || {
            runner::files::read_dataset(&folder, &[("cat/1.png".into(), input.to_vec()), ("dog/1.png".into(), png.clone())])
        })
    });
}

/// JSON `valid` with values replaced as `edits` say (by position among all values), then
/// written out again, mutated at the byte level too.
fn fuzz_json(valid: &str, check: impl Fn(&str) -> Result<(), TestCaseError>) {
    let document: serde_json::Value = serde_json::from_str(valid).expect("valid JSON");
    let replacement = prop_oneof![
        Just(serde_json::json!(null)),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!(1e308)),
        Just(serde_json::json!(4_294_967_296u64)),
        Just(serde_json::json!("")),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        any::<u32>().prop_map(|n| serde_json::json!(n)),
    ];
    let case = (proptest::collection::vec((any::<usize>(), replacement), 0..4), proptest::collection::vec(edit(), 0..3));
    runner()
        .run(&case, |(replacements, edits)| {
            let mut value = document.clone();
            for (at, with) in replacements {
                replace_nth(&mut value, at, with);
            }
            let text = value.to_string();
            let bytes = mutate(text.as_bytes(), &edits);
            check(&String::from_utf8_lossy(&bytes))
        })
        .expect("no input panics or allocates beyond the bound");
}

/// Replaces the value at position `at` (modulo the count, depth first) with `with`.
fn replace_nth(root: &mut serde_json::Value, at: usize, with: serde_json::Value) {
    fn count(v: &serde_json::Value) -> usize {
        1 + match v {
            serde_json::Value::Array(items) => items.iter().map(count).sum(),
            serde_json::Value::Object(map) => map.values().map(count).sum(),
            _ => 0,
        }
    }
    fn walk(v: &mut serde_json::Value, at: &mut usize, with: &serde_json::Value) -> bool {
        if *at == 0 {
            *v = with.clone();
            return true;
        }
        *at -= 1;
        match v {
            serde_json::Value::Array(items) => items.iter_mut().any(|item| walk(item, at, with)),
            serde_json::Value::Object(map) => map.values_mut().any(|item| walk(item, at, with)),
            _ => false,
        }
    }
    let mut at = at % count(root);
    walk(root, &mut at, &with);
}

#[test]
fn genotypes_and_lesson_links_never_panic() {
    let text = "16:conv3x3,skip+0,se_block+0+1|32:dwconv5x5,cbam+0|48:eca";
    fuzz_bytes(&[text.as_bytes()], |input| {
        let input = String::from_utf8_lossy(input);
        bounded("genotype text", input.len(), || Genotype::parse(&input))?;
        bounded("genotype import", input.len(), || ui::model::export::read_genotype(&input))
    });
    let genotype = Genotype::parse(text).expect("genotype");
    fuzz_json(&serde_json::to_string(&genotype).expect("JSON"), |input| {
        bounded("genotype JSON", input.len(), || serde_json::from_str::<Genotype>(input))
    });
    let link = ui::model::link::encode(&ui::model::link::Lesson::default());
    fuzz_bytes(&[link.as_bytes()], |input| {
        let input = String::from_utf8_lossy(input);
        bounded("lesson link", input.len(), || ui::model::link::decode(&input))
    });
}

#[test]
fn run_files_saved_runs_and_checkpoints_never_panic() {
    use engine::tabular::{Nb201Dataset, Nb201Table};
    use protocol::results::RunResults;
    use protocol::saved::SavedRun;
    use protocol::{DatasetChoice, RunRequest};
    let table = Nb201Table::from_json(&std::fs::read_to_string("../../www/nb201/nb201_12ep.json").expect("table")).expect("table");
    let mut request = RunRequest::default_digits();
    request.dataset = DatasetChoice::Nb201 { dataset: Nb201Dataset::Cifar10 };
    request.search.population = 6;
    request.search.generations = 3;
    let mut run = runner::Run::new(&request, nn::backend::cpu(), Some(table.clone())).expect("a tabular run");
    let events = runner::blocking::drive_to_end(&mut run, |_| {});
    let results = RunResults::from_events(&events).to_json();
    fuzz_json(&results, |input| bounded("run results", input.len(), || RunResults::read(input)));
    let saved = SavedRun::started(request.clone(), run.info().clone(), 1.0).to_json();
    fuzz_json(&saved, |input| bounded("saved run", input.len(), || SavedRun::from_json(input)));
    // A checkpoint taken mid-run, restored into a fresh run of the same request.
    let mut partial = runner::Run::new(&request, nn::backend::cpu(), Some(table.clone())).expect("a tabular run");
    for _ in 0..9 {
        drop(pollster::block_on(partial.advance(0.0, async |_| true)));
    }
    let checkpoint = partial.checkpoint(1.0).expect("checkpoint");
    fuzz_json(&checkpoint.snapshot, |input| {
        let damaged = protocol::saved::Checkpoint { snapshot: input.to_string(), ..checkpoint.clone() };
        bounded("checkpoint", input.len(), || runner::Run::resume(&request, &damaged, nn::backend::cpu(), Some(table.clone()), None))
    });
}

/// The corpus under `tests/hostile/` (see its README): each case refused with its message.
#[test]
fn the_hostile_corpus_is_refused_with_what_is_wrong() {
    let folder = std::path::Path::new("../../tests/hostile");
    let cases: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(folder.join("cases.json")).expect("cases")).expect("JSON");
    let says = |case: &serde_json::Value| case["says"].as_str().expect("says").to_string();
    for case in cases["datasets"].as_array().expect("datasets") {
        let files: Vec<(String, Vec<u8>)> = case["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| f.as_str().expect("name"))
            .map(|name| (name.to_string(), std::fs::read(folder.join(name)).expect("file")))
            .collect();
        let request = LoadDataset { format: FileFormat::Idx, name: "hostile".into(), side: 32 };
        let error = runner::files::read_dataset(&request, &files).expect_err("refused");
        assert!(error.contains(&says(case)), "{error}");
    }
    for case in cases["links"].as_array().expect("links") {
        let error = ui::model::link::decode(case["fragment"].as_str().expect("fragment")).expect_err("refused");
        assert!(error.contains(&says(case)), "{error}");
    }
    for case in cases["genotypes"].as_array().expect("genotypes") {
        let text = &case["text"];
        let input = format!("{}{}", text["prefix"].as_str().expect("prefix"), text["repeat"].as_str().expect("repeat").repeat(text["times"].as_u64().expect("times") as usize));
        let error = ui::model::export::read_genotype(&input).expect_err("refused");
        assert!(error.contains(&says(case)) && error.chars().count() <= case["at_most_chars"].as_u64().expect("limit") as usize, "{error}");
    }
}
