//! Runs saved in the browser's IndexedDB, so a reload resumes an unfinished search and past
//! runs can be reopened. [`saved`] is the plain data and the rules for keys and order (tested
//! natively); [`idb`] is the thin IndexedDB glue that the worker (writing as a run goes) and the
//! page (listing, reopening, deleting) share.

pub mod idb;
pub mod saved;
