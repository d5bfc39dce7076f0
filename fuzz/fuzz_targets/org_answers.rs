//! The org checks over arbitrary org answers: the planner loop answered with fuzz-chosen
//! statuses and bodies (structurally valid composite answers with fuzzed sub-answers, and raw
//! garbage), then `org::analyze` and the whole report (diagnosis, Markdown, JSON export).
//! Asserts: no panic, the planner stops within `MAX_ROUNDS`, every planned request within the
//! platform rules (≤25 sub-requests, ≤5 queries per composite, referenceIds `[A-Za-z0-9_]`,
//! unique), and `stray_links` empty. The driver is shared with the stable seeded test
//! tests/org_answers_random.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/org_answers.rs"]
mod org_answers;

fuzz_target!(|data: &[u8]| {
    org_answers::run(data);
});
